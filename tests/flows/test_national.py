"""The national flow on a real Dask LocalCluster (two worker processes) and a real Prefect API:
two small provinces validated and scored in parallel, the national scorecard 34 × 3 × 4."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import polars as pl

from ddss.ingest import ingest_inbox
from ddss.schema import AGENCIES
from ddss.settings import Settings
from generators.province import DEFAULT_AS_OF, generate
from tests.conftest import ROOT


def test_national_flow_scores_provinces_on_dask_workers(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.national import run_national

    settings = Settings.load(ROOT, data_dir=tmp_path / "data", reports_dir=tmp_path / "reports", gx_dir=tmp_path / "gx")
    for code, seed in (("79", 21), ("01", 22)):
        gen = generate(province=code, persons=300, seed=seed, defect_rate=0.02, out=tmp_path / f"batch{code}")
        assert ingest_inbox(settings, code, gen.inbox).rejected == 0

    out = run_national(settings, ["79", "01", "04"], DEFAULT_AS_OF.isoformat(), workers=2)

    ran = {p["province"]: p for p in out["provinces"]}
    assert ran["04"]["status"] == "no_data" and ran["04"]["rows"] == []  # no file: no guessed score
    assert {ran["79"]["status"], ran["01"]["status"]} <= {"dat", "khong_dat"}
    # the provinces ran in Dask's worker processes, not in this one
    assert all(int(p["ran_on"].rsplit(":", 1)[1]) != os.getpid() for p in ran.values())
    assert all(p["worker"] is not None for p in ran.values())  # which Dask worker, recorded

    assert out["rows"] == 34 * 3 * 4
    folder = tmp_path / "reports" / "national" / out["run_id"]
    assert str(folder) == out["folder"]
    csv = (folder / "scorecard.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # Excel on Windows reads UTF-8 with a BOM
    frame = pl.read_csv(csv[3:], infer_schema_length=0)
    assert frame.height == 408 and frame["Mã tỉnh"].n_unique() == 34
    scored = frame.filter(pl.col("Điểm").is_not_null())
    assert set(scored["Mã tỉnh"]) == {"79", "01"}
    assert scored.height == 2 * len(AGENCIES) * 4
    assert all(0 <= float(s) <= 1 for s in scored["Điểm"])
    assert (frame.filter(pl.col("Mã tỉnh") == "04")["Kết luận"] == "chưa có dữ liệu").all()
    data = json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))
    assert data["provinces"] == 34 and len(data["rows"]) == 408

    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Thành phố Hồ Chí Minh" in html and "Bảng điểm quốc gia" in html and "2/34" in html
    assert "<script" not in html and not re.search(r"(src|href)=\"?(https?:)?//", html)  # self-contained, offline

    with get_client(sync_client=True) as client:
        tasks = {t.name: t for t in client.read_task_runs() if t.name.startswith("tỉnh ")}
    assert {"tỉnh 79", "tỉnh 01", "tỉnh 04"} <= set(tasks)
    assert all(tasks[n].state.is_completed() for n in ("tỉnh 79", "tỉnh 01", "tỉnh 04"))


def test_pinned_provinces_run_on_the_worker_that_declares_them(prefect_harness, tmp_path):
    """Several machines, simulated with real `dask worker` processes (as docs/scaling.md starts
    them on each machine) joined to one scheduler: each declares the provinces whose files it
    holds as resources (--resources province_79=1). With pin=True every province's task runs
    on its own worker and the result records which one. The provinces have no database here,
    so each task ends at once (no_data): this tests the placement, not the validation."""
    import subprocess
    import time

    from distributed import Client, LocalCluster

    from flows.national import run_national

    settings = Settings.load(ROOT, data_dir=tmp_path / "data", reports_dir=tmp_path / "reports", gx_dir=tmp_path / "gx")
    pins = {"w-hcm": ["79", "01"], "w-north": ["04", "08"]}
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0", processes=True) as cluster:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        workers = [
            subprocess.Popen(
                _worker_command(cluster.scheduler_address, name, codes), cwd=ROOT, env=env, stdout=subprocess.DEVNULL
            )
            for name, codes in pins.items()
        ]
        try:
            with Client(cluster.scheduler_address) as client:
                deadline = time.monotonic() + 120
                while len(client.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
                    assert all(w.poll() is None for w in workers), "a dask worker exited"
                    time.sleep(0.5)
                assert len(client.scheduler_info()["workers"]) == 2
            out = run_national(
                settings, ["79", "04", "01", "08"], DEFAULT_AS_OF.isoformat(), address=cluster.scheduler_address, pin=True
            )
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(30)
    ran = {p["province"]: p["worker"] for p in out["provinces"]}
    assert ran == {"79": "w-hcm", "01": "w-hcm", "04": "w-north", "08": "w-north"}, ran
    assert all(p["status"] == "no_data" for p in out["provinces"])


def _worker_command(address: str, name: str, provinces: list[str]) -> list[str]:
    """`dask worker` as on a machine holding these provinces' files (docs/scaling.md)."""
    import sys

    resources = ",".join(f"province_{c}=1" for c in provinces)
    dask = str(Path(sys.executable).with_name("dask"))
    return [
        dask,
        "worker",
        address,
        "--name",
        name,
        "--nthreads",
        "1",
        "--host",
        "127.0.0.1",
        "--no-dashboard",
        "--resources",
        resources,
    ]
