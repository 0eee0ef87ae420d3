"""`ddss demo --workdir DIR` never deletes what it did not create."""

from __future__ import annotations

from ddss.cli.demo import MARKER, _reset
from ddss.exit_codes import ExitCode
from tests.faults.conftest import ddss


def test_demo_refuses_a_workdir_holding_other_data(tmp_path) -> None:
    data = tmp_path / "work" / "data"
    data.mkdir(parents=True)
    (data / "province_01.duckdb").write_bytes(b"a steward's database")
    r = ddss(["demo", "--workdir", str(tmp_path / "work"), "--no-prefect"], tmp_path / "d", tmp_path / "r", tmp_path / "g")
    assert r.returncode == ExitCode.BAD_INPUT, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and str(data) in r.stderr
    assert (data / "province_01.duckdb").read_bytes() == b"a steward's database"
    assert sorted(p.name for p in data.iterdir()) == ["province_01.duckdb"]


def test_demo_reset_removes_only_what_a_demo_made(tmp_path) -> None:
    data = tmp_path / "data"
    _reset(data, "79", owned=False)  # an empty or missing folder: the demo's from now on
    assert (data / MARKER).exists()
    (data / "batch" / "inbox").mkdir(parents=True)
    (data / "province_79.duckdb").write_bytes(b"demo db")
    (data / "quarantine" / "79").mkdir(parents=True)
    (data / "notes.txt").write_text("mine")
    (data / "province_01.duckdb").write_bytes(b"another province")
    _reset(data, "79", owned=False)
    assert sorted(p.name for p in data.iterdir()) == sorted([MARKER, "notes.txt", "province_01.duckdb", "quarantine"])
    assert (data / "notes.txt").read_text() == "mine"
