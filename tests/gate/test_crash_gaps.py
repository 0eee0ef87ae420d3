"""The gaps between two files: a gate killed after its national commit and before its holds
are confirmed in the province, a waiver killed between its audit entry and its province row,
and the last audit entries removed (which the hash chain alone cannot show)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ddss import audit
from ddss.gate import AlreadyGated, gate, revert
from ddss.store.national_duckdb import DuckDBNationalStore
from ddss.store.national_tables import PROMOTED_DATASETS
from tests.gate.conftest import province_rows
from tests.gate.test_kill_and_audit import _cli

ROOT = Path(__file__).resolve().parents[2]

# The child kills itself with SIGKILL at the hook: no cleanup, no atexit, like a power cut.
CHILD = """
import os, pathlib, signal, sys
from ddss.settings import Settings
root, data, reports, what = sys.argv[1:5]
settings = Settings.load(pathlib.Path(root), data_dir=pathlib.Path(data), reports_dir=pathlib.Path(reports))
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
if what == "gate":
    from ddss.gate import gate
    gate(settings, "79", on_committed=die)
else:
    from ddss.waivers import waive
    dataset, key, check = sys.argv[5:8]
    waive(settings, "79", dataset, key, check, "Đã đối chiếu hồ sơ giấy tại xã, số liệu đúng.", "Cán bộ A", on_audited=die)
"""


def _killed(settings, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(settings.data_dir), str(settings.reports_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]


def _national(settings) -> dict:
    with DuckDBNationalStore(settings.data_dir / "national.duckdb") as store:
        return {
            "tables": {d: (store.current(d).height, store.history(d).height) for d in PROMOTED_DATASETS},
            "audit": store.audit_rows(),
        }


def test_kill_9_after_the_national_commit_then_gating_again_completes_the_holds(defective):
    settings, _ = defective
    _killed(settings, "gate")
    after_kill = _national(settings)
    (entry,) = after_kill["audit"]  # the national side committed: the decision is on record
    run_id, counts = entry["run_id"], json.loads(entry["body"])["counts"]
    held = sum(c["held"] for c in counts.values())
    assert held > 0 and sum(c["promoted"] for c in counts.values()) > 0
    # ... the province's holds did not: they wait as pending, none confirmed, no anchor.
    assert province_rows(settings, "SELECT count(*) FROM pending_holds WHERE run_id = ?", [run_id]) == [(held,)]
    assert province_rows(settings, "SELECT count(*) FROM holds WHERE run_id = ?", [run_id]) == [(0,)]
    assert province_rows(settings, "SELECT count(*) FROM audit_anchors") == [(0,)]

    result = gate(settings, "79")  # not refused: it completes the holds, nothing promoted twice
    assert result.run_id == run_id and result.audit_seq == entry["seq"] and result.held == held
    assert _national(settings) == after_kill
    assert province_rows(settings, "SELECT count(*) FROM pending_holds") == [(0,)]
    by_dataset = dict(province_rows(settings, "SELECT dataset, count(*) FROM holds WHERE run_id = ? GROUP BY 1", [run_id]))
    assert by_dataset == {d: c["held"] for d, c in counts.items() if c["held"]}
    assert province_rows(settings, "SELECT seq, sha256 FROM audit_anchors") == [(entry["seq"], entry["sha256"])]
    assert (settings.reports_dir / run_id / "held.csv").exists()
    with pytest.raises(AlreadyGated):  # now complete: a third gate is refused as before
        gate(settings, "79")
    assert _cli("audit", "--verify", settings=settings).returncode == 0


def test_a_waiver_killed_between_its_two_writes_is_named_then_restored(defective):
    settings, _ = defective
    first = gate(settings, "79")
    ((key, check),) = province_rows(
        settings,
        "SELECT record_key, check_ids[1] FROM holds WHERE run_id = ? AND dataset = 'parcel' AND len(check_ids) = 1"
        " AND record_key IS NOT NULL ORDER BY source_row LIMIT 1",
        [first.run_id],
    )
    _killed(settings, "waive", "parcel", key, check)
    waiver_entry = _national(settings)["audit"][-1]
    assert waiver_entry["kind"] == "waiver" and province_rows(settings, "SELECT count(*) FROM waivers") == [(0,)]
    bad = _cli("audit", "--verify", settings=settings)
    assert bad.returncode == 7, bad.stdout + bad.stderr
    assert f"Entry {waiver_entry['seq']} records waiver" in bad.stderr and "không có dòng" in bad.stderr

    revert(settings, "79", first.run_id)
    second = gate(settings, "79")  # restores the row from the audit entry, and the waiver applies
    (row,) = province_rows(settings, "SELECT check_id, record_key, audit_seq, granted_by FROM waivers")
    assert row == (check, key, waiver_entry["seq"], "Cán bộ A")
    parcel = {d.dataset: d for d in second.decisions}["parcel"]
    assert parcel.held == {d.dataset: d for d in first.decisions}["parcel"].held - 1
    assert _cli("audit", "--verify", settings=settings).returncode == 0

    # The other way round: a waiver row in the province that no audit entry records.
    con = duckdb.connect(str(settings.province_db("79")))
    try:
        con.execute(
            "INSERT INTO waivers SELECT 'forged000001', province, dataset, record_key, check_id, justification, granted_by,"
            " granted_at, 99 FROM waivers"
        )
    finally:
        con.close()
    forged = _cli("audit", "--verify", settings=settings)
    assert forged.returncode == 7 and "forged000001 without its audit entry" in forged.stderr


def test_removing_the_last_audit_entry_is_named_by_the_province_anchor(defective):
    settings, _ = defective
    first = gate(settings, "79")
    revert(settings, "79", first.run_id)
    gate(settings, "79")
    rows = _national(settings)["audit"]
    assert [r["kind"] for r in rows] == ["gate", "revert", "gate"]
    assert sorted(province_rows(settings, "SELECT seq, sha256 FROM audit_anchors")) == [(r["seq"], r["sha256"]) for r in rows]

    national = settings.data_dir / "national.duckdb"
    con = duckdb.connect(str(national))
    try:  # the last decision taken off the log: the chain of the two left still verifies
        con.execute("DELETE FROM audit_log WHERE seq = 3")
    finally:
        con.close()
    assert audit.verify(_national(settings)["audit"]).ok  # the chain alone cannot see it
    gone = _cli("audit", "--verify", settings=settings)
    assert gone.returncode == 7, gone.stdout + gone.stderr
    assert "mục số 3" in gone.stderr and "Audit entry 3 was removed (province 79 anchored entry 3)" in gone.stderr

    # Entry 2 rewritten and re-hashed, with a valid chain after it: its anchor differs.
    con = duckdb.connect(str(national))
    try:
        (seq, at, kind, province, run_id, body, prev) = con.execute(
            'SELECT seq, "at", kind, province, run_id, body, prev_sha256 FROM audit_log WHERE seq = 2'
        ).fetchall()[0]
        body = body.replace("reverted_run", "reverted_xxx")
        con.execute(
            "UPDATE audit_log SET body = ?, sha256 = ? WHERE seq = 2",
            [body, audit.entry_hash(seq, at, kind, province, run_id, body, prev)],
        )
    finally:
        con.close()
    changed = _cli("audit", "--verify", settings=settings)
    assert changed.returncode == 7 and "Audit entry 2 was changed (differs from province 79's anchor)" in changed.stderr
