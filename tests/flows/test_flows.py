"""The Prefect flows, run for real against a temporary Prefect API (issues #4, #5, #20)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from ddss.evaluate import evaluate, is_perfect
from ddss.read import preview_file
from generators.province import DEFAULT_AS_OF, generate


def _dirs(tmp_path) -> dict[str, str]:
    return {k: str(tmp_path / k) for k in ("data_dir", "reports_dir", "gx_dir")}


def _flow_run(client, name: str):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
    return max(runs, key=lambda r: r.created)


def _task_states(client, flow_run_id) -> dict[str, list[str]]:
    """Task name -> every state type it went through (from Prefect's own history)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return {t.name: [s.name for s in client.read_task_run_states(t.id)] for t in tasks}


def test_province_pipeline_runs_every_step(prefect_harness, tmp_path):
    """A province with 1 % defects through every step of the one list: the run ends Failed
    (không đạt) with the scorecard's reasons, yet clean records were promoted and held ones
    kept, and every step left its artifact."""
    from prefect.client.orchestration import get_client

    from ddss.alerts import alerts_file
    from ddss.checks.gx_run import runnable
    from ddss.gate import RunNotPassed
    from ddss.pipeline import STEPS
    from flows import flow_settings
    from flows.pipeline import province_pipeline

    gen = generate(province="79", persons=1000, seed=11, defect_rate=0.01, out=tmp_path / "batch", headers="vi", dates="vn")
    state = province_pipeline("79", str(gen.inbox), DEFAULT_AS_OF.isoformat(), **_dirs(tmp_path), settle_s=0.2, return_state=True)
    assert state.is_failed() and state.message.startswith("Không đạt")
    with pytest.raises(RunNotPassed) as failed:
        state.result()
    out = failed.value.args[1]  # the run's summary travels with the failure

    assert out["ingest"]["rejected"] == 0 and out["ingest"]["files"] == 7  # six datasets and the optional book closures
    findings = pl.read_parquet(f"{out['validate']['report_dir']}/findings.parquet")
    assert findings.height == out["validate"]["findings"] > 0
    assert is_perfect(evaluate(findings, pl.read_csv(gen.manifest_path, infer_schema=False)))
    assert out["gate"]["promoted"] > 0 and out["gate"]["held"] > 0 and out["gate"]["passed"] is False
    assert out["report"].endswith("index.html") and Path(out["report"]).exists()
    assert out["alerts"] == ["khong_dat"]
    settings = flow_settings(**_dirs(tmp_path))
    written = [json.loads(line) for line in alerts_file(settings).read_text(encoding="utf-8").splitlines()]
    assert [a["kind"] for a in written] == ["khong_dat"] and written[0]["run_id"] == out["validate"]["run_id"]

    with get_client(sync_client=True) as client:
        run = _flow_run(client, "province-79")
        assert run.state.is_failed()
        tasks = _task_states(client, run.id)
        keys = ("ingest-79", "validate-79", "scorecard-79", "gate-79", "report-link-79")
        artifacts = {a.key: a for a in client.read_artifacts() if a.key in keys and a.flow_run_id == run.id}
    # one task per step of the one shared list, each completed once; inside the ingest step one
    # task per inbox file, inside the validate step one per GX suite (each with its preparation
    # and summary)
    names = {t.split(" (")[0] for t in tasks}
    files = {f"Nạp tệp {p.name}" for p in gen.inbox.iterdir() if p.name != "manifest.csv"}
    loaded = {f.dataset for f in _loaded_files(tmp_path)}
    suites = {f"Kiểm tra bộ {s.name}" for s in runnable(loaded)}
    assert len(suites) > 6  # one per dataset and per cross-dataset dependency
    around = {f"{step}: {part}" for step in ("Nạp lô tệp", "Kiểm tra GX") for part in ("chuẩn bị", "tổng hợp")}
    assert names == {s.title_vi for s in STEPS} | files | suites | around, names ^ (
        {s.title_vi for s in STEPS} | files | suites | around
    )
    assert all(states[-1] == "Completed" for states in tasks.values())
    assert set(artifacts) == set(keys)
    ingest_rows = artifacts["ingest-79"].data
    ingest_rows = ingest_rows if isinstance(ingest_rows, list) else json.loads(ingest_rows)
    assert {r["tệp"] for r in ingest_rows} == {p.name for p in gen.inbox.iterdir()}
    assert "| population |" in artifacts["validate-79"].data
    assert f"(file://{out['report']})" in artifacts["report-link-79"].data

    # Artifacts and alerts leave the machine's databases: they must carry no personal data.
    staged = preview_file(gen.inbox / "population.csv", 10**9).staged
    text = str(ingest_rows) + artifacts["validate-79"].data + str(artifacts["scorecard-79"].data) + str(written)
    assert not any(i in text for i in staged["person_id"].drop_nulls())
    assert not any(n in text for n in staged["full_name"].drop_nulls())

    # The same inbox again: every file already loaded, so the run ends without validating.
    again = province_pipeline("79", str(gen.inbox), DEFAULT_AS_OF.isoformat(), **_dirs(tmp_path), settle_s=0.2)
    assert "validate" not in again and again["ingest"]["rows_staged"] == 0


def _loaded_files(tmp_path):
    """The files of the province's batches that loaded rows (their datasets are what GX checks)."""
    import duckdb

    from ddss.ingest import FileOutcome

    with duckdb.connect(str(tmp_path / "data_dir" / "province_79.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT source_file, dataset, status FROM batches WHERE status = 'loaded'").fetchall()
    return [FileOutcome(f, d, st) for f, d, st in rows]


def test_a_deployed_run_with_default_parameters_and_no_files_completes(prefect_harness, tmp_path):
    """What prefect.yaml passes (just the province): the inbox defaults to
    <data_dir>/inbox/<province>/, is created when missing, and a night with nothing in it
    ends Completed, not Failed on a missing folder."""
    from flows.pipeline import province_pipeline

    state = province_pipeline("01", **_dirs(tmp_path), settle_s=0.1, return_state=True)
    assert state.is_completed() and "Không có tệp mới" in state.message
    assert (tmp_path / "data_dir" / "inbox" / "01").is_dir()


def test_a_step_over_its_timeout_ends_the_run_failed_naming_the_step(prefect_harness, tmp_path):
    """step_timeout_s (a setting; the flow's parameter overrides it for one run): the settle
    step, watching an upload for longer than the limit, is stopped; the run ends Failed with
    a message naming the step and the setting, and no later step ran (no database file)."""
    from prefect.client.orchestration import get_client

    from flows.pipeline import province_pipeline

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "birth.csv").write_text("partial", encoding="utf-8")
    state = province_pipeline(
        "79", str(inbox), **_dirs(tmp_path), settle_s=3.0, step_timeout_s=0.5, return_state=True
    )  # fmt: skip
    assert state.is_failed(), state
    assert "Chờ tệp ghi xong" in state.message and "step_timeout_s" in state.message and "0.5" in state.message
    assert not (tmp_path / "data_dir" / "province_79.duckdb").exists()
    with get_client(sync_client=True) as client:
        tasks = _task_states(client, _flow_run(client, "province-79").id)
    assert list(tasks) == ["Chờ tệp ghi xong (79)"] and tasks["Chờ tệp ghi xong (79)"][-1] == "TimedOut", tasks


HOLD_LOCK = """
import os, sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held_by_test (a INTEGER)")
con.execute("CHECKPOINT")
print("held", flush=True)
while not os.path.exists(sys.argv[2]):  # until the test has seen the pipeline retry
    time.sleep(0.1)
con.close()
"""

KEEP_WRITING = """
import os, sys, time
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "ab") as f:
    done = 0
    while done < len(data) and not os.path.exists(sys.argv[3]):  # an upload trickling in
        f.write(data[done : done + 2]); f.flush(); done += 2; time.sleep(0.2)  # slow: growing until told
    f.write(data[done:])
"""


def _release_after_retries(api_url: str, flow_name: str, since, signals: dict[str, Path], errors: list) -> None:
    """Watch Prefect's record of the run: once a step has gone through AwaitingRetry, create
    its signal file (the upload finishes, the lock is released). No timing assumption."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deadline = time.monotonic() + 300
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
            while time.monotonic() < deadline and not all(p.exists() for p in signals.values()):
                runs = [r for r in client.read_flow_runs() if r.name == flow_name and r.created >= since]
                if runs:
                    by_step = {n.split(" (")[0]: st for n, st in _task_states(client, runs[0].id).items()}
                    for step, path in signals.items():
                        if "AwaitingRetry" in by_step.get(step, []):
                            path.touch()
                time.sleep(0.3)
    except Exception as e:  # noqa: BLE001 - reported by the test
        errors.append(repr(e))
    finally:
        for path in signals.values():
            path.touch()  # never leave the helpers running


def test_pipeline_retries_a_busy_database_and_a_file_still_being_written(prefect_harness, tmp_path):
    """An upload still growing in the inbox and another process holding the province file's
    lock: each step retries with backoff (AwaitingRetry in Prefect's history) until the upload
    is complete and the lock released, then the run completes with the whole file."""
    import datetime as dt
    import threading

    from prefect.client.orchestration import get_client

    from flows.pipeline import province_pipeline

    gen = generate(province="79", persons=300, seed=3, defect_rate=0.0, out=tmp_path / "batch")
    dirs = _dirs(tmp_path)
    db = tmp_path / "data_dir" / "province_79.duckdb"
    db.parent.mkdir(parents=True)
    signals = {"Chờ tệp ghi xong": tmp_path / "upload-done", "Nạp lô tệp": tmp_path / "lock-released"}
    hold = [sys.executable, "-c", HOLD_LOCK, str(db), str(signals["Nạp lô tệp"])]
    holder = subprocess.Popen(hold, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    source = tmp_path / "birth.csv"
    (gen.inbox / "birth.csv").rename(source)
    target = gen.inbox / "birth.csv"
    writer = subprocess.Popen([sys.executable, "-c", KEEP_WRITING, str(source), str(target), str(signals["Chờ tệp ghi xong"])])
    while not target.exists():
        time.sleep(0.05)
    since = dt.datetime.now(dt.UTC)
    from prefect.settings import PREFECT_API_URL

    errors: list[str] = []
    args = (PREFECT_API_URL.value(), "province-79", since, signals, errors)
    watcher = threading.Thread(target=_release_after_retries, args=args)
    watcher.start()
    try:
        out = province_pipeline("79", str(gen.inbox), DEFAULT_AS_OF.isoformat(), **dirs, busy_timeout_s=0.3, settle_s=0.5)
    finally:
        for path in signals.values():
            path.touch()
        watcher.join(30)
        writer.wait(30)
        holder.wait(30)
    assert not errors and holder.returncode == 0 and writer.returncode == 0
    assert target.read_bytes() == source.read_bytes()
    assert out["ingest"]["rows_staged"] == sum(gen.rows.values()) and out["ingest"]["rejected"] == 0
    assert out["gate"]["passed"] is True  # the whole birth file was read, not a half-written one
    with get_client(sync_client=True) as client:
        run = _flow_run(client, "province-79")
        assert run.state.is_completed()
        tasks = _task_states(client, run.id)
    by_step = {name.split(" (")[0]: states for name, states in tasks.items()}
    assert "AwaitingRetry" in by_step["Chờ tệp ghi xong"], by_step
    assert "AwaitingRetry" in by_step["Nạp lô tệp"], by_step
    assert by_step["Nạp lô tệp"][-1] == "Completed"


def test_ingest_flow_reports_rejected_files_without_failing(prefect_harness, tmp_path):
    from flows.ingest import ingest_flow

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "rubbish.csv").write_bytes(b"\x00\x01\x02" * 100)
    gen = generate(province="79", persons=1000, seed=2, defect_rate=0.0, out=tmp_path / "b")
    (inbox / "birth.csv").write_bytes((gen.inbox / "birth.csv").read_bytes())
    out = ingest_flow("79", str(inbox), data_dir=str(tmp_path / "data"))
    assert out["rejected"] == 1 and out["files"] == 2 and out["rows_staged"] == gen.rows["birth"]
