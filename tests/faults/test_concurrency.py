"""Validate while another command holds the province: it waits for the lock, then reads
one state, or exits BUSY (3) with a message; never a GX traceback on a lock conflict."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ddss import store
from ddss.exit_codes import ExitCode
from tests.faults.conftest import ROOT, as_of, copy_data, ddss, validation_runs

# Holds the province as an ingest does (ddss's lock and DuckDB's write lock), then says
# when it let go.
HOLDER = """
import sys, time
from pathlib import Path
from ddss import store
with store.writer(Path(sys.argv[1]), 5) as con:
    con.execute("SELECT count(*) FROM batches").fetchall()
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    released = time.time()
print(released, flush=True)
"""


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert p.stdout.readline().strip() == "holding"
    return p


def test_validate_exits_busy_while_the_province_is_held(loaded, tmp_path) -> None:
    """busy_timeout_s is the project's (30 s): the holder outlasts it."""
    data = copy_data(loaded, tmp_path / "data")
    holder = _hold(data / "province_79.duckdb", 600)
    try:
        r = ddss(["validate", "--province", "79", "--as-of", as_of()], data, tmp_path / "reports", tmp_path / "gx")
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == ExitCode.BUSY, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "province_79.duckdb" in r.stderr and "Run again later" in r.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    assert validation_runs(data / "province_79.duckdb") == 0


def test_a_second_command_waits_for_the_holder(loaded, tmp_path) -> None:
    db = copy_data(loaded, tmp_path / "data") / "province_79.duckdb"
    holder = _hold(db, 2)
    with store.province_lock(db, 60):
        got = time.time()
        with store.connect_readonly(db) as con:  # DuckDB's write lock is gone too
            assert con.execute("SELECT count(*) FROM batches").fetchone()[0] > 0
    released = float(holder.stdout.readline())
    holder.wait()
    assert got >= released  # it waited for the holder, it did not read beside it
