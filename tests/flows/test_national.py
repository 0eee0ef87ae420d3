"""The national flow on a real Dask LocalCluster (two worker processes) and a real Prefect API:
two small provinces validated and scored in parallel, the national scorecard 34 × 3 × 4."""

from __future__ import annotations

import json
import os
import re

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
