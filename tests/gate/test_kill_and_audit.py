"""A gate killed half-way (kill -9 inside its transaction) leaves the national database as
it was; ``audit --verify`` passes on a clean log and names an entry changed or removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from ddss import audit
from ddss.gate import gate, revert
from ddss.store.national_duckdb import DuckDBNationalStore
from ddss.store.national_tables import PROMOTED_DATASETS

ROOT = Path(__file__).resolve().parents[2]

KILLED_GATE = """
import pathlib, sys, time
from ddss.gate import gate
from ddss.settings import Settings
root, data, reports, flag = sys.argv[1:5]
settings = Settings.load(pathlib.Path(root), data_dir=pathlib.Path(data), reports_dir=pathlib.Path(reports))

def stop_here():  # rows written, transaction open: the parent kills us now
    pathlib.Path(flag).write_text("promoted")
    time.sleep(300)

gate(settings, "79", on_promoted=stop_here)
"""


def _snapshot(path: Path) -> dict:
    with DuckDBNationalStore(path) as store:
        tables = {d: (store.current(d).height, store.history(d).height) for d in PROMOTED_DATASETS}
        return {"tables": tables, "audit": store.audit_rows()}


def _cli(*args: str, settings) -> subprocess.CompletedProcess:
    env = dict(os.environ) | {"DDSS_DATA_DIR": str(settings.data_dir), "DDSS_REPORTS_DIR": str(settings.reports_dir)}
    code = "from ddss.cli.app import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_kill_9_mid_gate_leaves_the_national_database_unchanged(defective, tmp_path):
    settings, _ = defective
    national = settings.data_dir / "national.duckdb"
    first = gate(settings, "79")  # a real history in the file: a gate and its revert
    revert(settings, "79", first.run_id)
    before = _snapshot(national)
    flag = tmp_path / "promoted.flag"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_GATE, str(ROOT), str(settings.data_dir), str(settings.reports_dir), str(flag)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not flag.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-3000:]
            assert time.monotonic() < deadline, "the gate never reached its promotion"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after = _snapshot(national)
    assert after == before
    assert audit.verify(after["audit"]).ok
    # The file is usable: the same run gates now, completely.
    result = gate(settings, "79")
    assert result.promoted == first.promoted and len(_snapshot(national)["audit"]) == len(before["audit"]) + 1


def test_audit_verify_passes_then_names_the_entry_changed_or_removed(defective):
    settings, _ = defective
    first = gate(settings, "79")
    revert(settings, "79", first.run_id)
    gate(settings, "79")
    ok = _cli("audit", "--verify", settings=settings)
    assert ok.returncode == 0, ok.stderr
    assert "3" in ok.stdout and "nguyên vẹn" in ok.stdout

    national = settings.data_dir / "national.duckdb"
    con = duckdb.connect(str(national))
    try:  # someone edits entry 2 in place, e.g. to hide what a revert did
        con.execute("UPDATE audit_log SET body = replace(body, 'reverted_run', 'reverted_xxx') WHERE seq = 2")
    finally:
        con.close()
    bad = _cli("audit", "--verify", settings=settings)
    assert bad.returncode == 7, bad.stdout + bad.stderr
    assert "mục số 2" in bad.stderr and "entry 2 was changed" in bad.stderr

    # (each edit by its own connection, closed before the store opens the file: the store
    # ATTACHes it, which DuckDB refuses while another database in the process has it open)
    with duckdb.connect(str(national)) as con:  # the edit undone
        con.execute("UPDATE audit_log SET body = replace(body, 'reverted_xxx', 'reverted_run') WHERE seq = 2")
    assert audit.verify(_snapshot(national)["audit"]).ok
    with duckdb.connect(str(national)) as con:  # but the first entry removed
        con.execute("DELETE FROM audit_log WHERE seq = 1")
    gone = audit.verify(_snapshot(national)["audit"])
    assert (gone.ok, gone.bad_seq, gone.problem) == (False, 1, "removed")


def test_audit_entry_records_the_decision(defective):
    settings, _ = defective
    result = gate(settings, "79")
    import json

    (entry,) = _snapshot(settings.data_dir / "national.duckdb")["audit"]
    body = json.loads(entry["body"])
    assert entry["kind"] == "gate" and entry["province"] == "79" and entry["run_id"] == result.run_id
    assert body["outcome"] == result.scorecard.verdict and body["ddss_version"]
    assert body["catalogue_version"] == result.scorecard.catalogue_version and body["thresholds_version"]
    assert body["counts"]["birth"]["promoted"] + body["counts"]["birth"]["held"] == body["counts"]["birth"]["staged"]
    assert set(body["scores"]) >= {"birth", "parcel", "population"} and body["thresholds"]["birth"]["du"][1] in (
        "block_records",
        "block_batch",
    )
    assert entry["prev_sha256"] == audit.GENESIS and len(entry["sha256"]) == 64
