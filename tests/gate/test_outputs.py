"""Exit codes, flow states and what the gate writes outside the databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ddss.exit_codes import markdown
from ddss.gate import RunNotPassed
from tests.gate.conftest import DEFAULT_AS_OF

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, settings) -> subprocess.CompletedProcess:
    env = dict(os.environ) | {"DDSS_DATA_DIR": str(settings.data_dir), "DDSS_REPORTS_DIR": str(settings.reports_dir)}
    code = "from ddss.cli.app import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_exit_codes_doc_is_generated_from_the_table():
    assert (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8") == markdown()


def test_score_and_gate_exit_1_when_the_run_fails_and_0_when_it_passes(defective, clean):
    bad, _ = defective
    good, _ = clean
    r = _cli("score", "--province", "79", settings=bad)
    assert r.returncode == 1, r.stderr
    assert "KHÔNG ĐẠT" in r.stdout and "scorecard.json" in r.stdout
    r = _cli("gate", "--province", "79", settings=bad)
    assert r.returncode == 1, r.stderr
    assert "Chuyển lên" in r.stdout and "held.csv" in r.stdout
    r = _cli("gate", "--province", "79", settings=bad)  # the same run again: refused, nothing done
    assert r.returncode == 2 and "--revert" in r.stderr
    r = _cli("gate", "--province", "79", settings=good)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "ĐẠT" in r.stdout


def test_gate_flow_fails_with_the_reasons_and_completes_when_passed(defective, clean, prefect_harness):
    from flows.gate import gate_flow
    from flows.validate import validate_flow

    bad, _ = defective
    state = validate_flow(
        "79", as_of=DEFAULT_AS_OF.isoformat(), data_dir=str(bad.data_dir), reports_dir=str(bad.reports_dir),
        gx_dir=str(bad.gx_dir), return_state=True,
    )  # fmt: skip
    assert state.is_failed() and "dưới ngưỡng" in state.message
    with pytest.raises(RunNotPassed):
        state.result()

    bad, _ = defective
    state = gate_flow("79", data_dir=str(bad.data_dir), reports_dir=str(bad.reports_dir), return_state=True)
    assert state.is_failed()
    assert "Không đạt" in state.message and "dưới ngưỡng" in state.message
    good, _ = clean
    state = gate_flow("79", data_dir=str(good.data_dir), reports_dir=str(good.reports_dir), return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["passed"] is True


@pytest.fixture
def personal(defective):
    """Raw IDs, full names and old dates of birth from the batch's population file."""
    import datetime as dt

    from ddss.read import preview_file

    _, run = defective
    staged = preview_file(run.generated.inbox / "population.csv", 10**9).staged
    ids = {i for i in staged["person_id"].drop_nulls() if len(i) >= 9}
    names = {n for n in staged["full_name"].drop_nulls() if len(n.split()) >= 3}
    dobs = [d for d in staged["date_of_birth"].drop_nulls() if d < dt.date(1990, 1, 1)]
    return ids | names | {d.isoformat() for d in dobs} | {d.strftime("%d/%m/%Y") for d in dobs}


def test_score_and_gate_files_hold_no_personal_data(defective, personal):
    from ddss.gate import gate
    from ddss.scorecard_io import score_run

    settings, _ = defective
    score_run(settings, "79")
    result = gate(settings, "79")
    folder = settings.reports_dir / result.run_id
    written = [folder / n for n in ("scorecard.json", "scorecard.csv", "gate.json", "held.csv")]
    assert all(p.exists() for p in written)
    pattern = re.compile("|".join(re.escape(v) for v in sorted(personal, key=len, reverse=True)))
    leaks = {p.name: m.group(0)[:3] + "…" for p in written if (m := pattern.search(p.read_text(encoding="utf-8-sig")))}
    assert not leaks
