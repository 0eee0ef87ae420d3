"""A validate killed after writing its files leaves no report folder without its run
record: files are published by one rename after the database commit (issue #16)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import duckdb
import pytest

from ddss.checks.outputs import PARTIAL_PREFIX, RUN_RECORD
from ddss.exit_codes import ExitCode
from ddss.settings import Settings
from tests.faults.conftest import ROOT, as_of, copy_data, ddss

# Run validate and SIGKILL the process at one instant (a real kill -9 of the process).
KILLED = """
import os, signal, sys
from pathlib import Path
import datetime as dt
from ddss.settings import Settings
from ddss.checks import outputs, run
from ddss import store
point = sys.argv[2]
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "files written, database not yet":
    store.write_findings = die
else:  # "database committed, folder not yet published"
    outputs.publish = die
work = Path(sys.argv[1])
s = Settings.load(data_dir=work / "data", reports_dir=work / "reports", gx_dir=work / "gx")
run.validate(s, "79", dt.date.fromisoformat(sys.argv[3]))
"""


def _published(reports):
    return [p for p in reports.iterdir() if not p.name.startswith(PARTIAL_PREFIX)] if reports.exists() else []


@pytest.mark.parametrize("point", ["files written, database not yet", "database committed, folder not yet published"])
def test_killed_validate_leaves_no_report_folder_without_its_run(loaded, tmp_path, point) -> None:
    data = copy_data(loaded, tmp_path / "data")
    r = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path), point, as_of()], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == -9, r.stderr[-2000:]  # it really was killed there
    reports = tmp_path / "reports"
    with duckdb.connect(str(data / "province_79.duckdb"), read_only=True) as con:
        runs = {x for (x,) in con.execute("SELECT run_id FROM validation_runs").fetchall()}
    assert _published(reports) == []  # nothing under a run's own name
    assert len(list(reports.glob(f"{PARTIAL_PREFIX}*"))) == 1  # the unfinished folder is marked as such
    assert len(runs) == (1 if point.startswith("database committed") else 0)

    # A rerun publishes a whole folder with its run record; the next purge clears the leftover.
    r = ddss(["validate", "--province", "79", "--as-of", as_of()], data, reports, tmp_path / "gx")
    assert r.returncode in (ExitCode.OK, ExitCode.ACTION_NEEDED), r.stderr[-2000:]  # đạt or không đạt: completed
    (folder,) = _published(reports)
    assert (folder / RUN_RECORD).exists() and (folder / "findings.csv").exists()
    from ddss.retention import purge

    s = Settings.load(ROOT, data_dir=data, reports_dir=reports, gx_dir=tmp_path / "gx")
    assert purge(s, now=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)).partial_runs == 1
    assert not list(reports.glob(f"{PARTIAL_PREFIX}*")) and _published(reports) == [folder]
    assert os.path.exists(folder / RUN_RECORD)
