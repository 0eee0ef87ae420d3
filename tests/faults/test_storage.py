"""A full disk, a read-only data folder, an unwritable reports folder: one clear message
naming the folder and the cause, exit STORAGE, no traceback, no partial findings.csv,
and the database still consistent (issue #16, Faults)."""

from __future__ import annotations

import duckdb

from ddss.exit_codes import ExitCode
from tests.faults.conftest import as_of, copy_data, ddss, fill, read_only, validation_runs


def _no_traceback(r) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr[-2000:]


def _consistent(db) -> None:
    """The file opens, and every loaded file's staged rows are all there (one transaction per file)."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source_file, rows_staged, dataset FROM batches WHERE status = 'loaded'").fetchall()
        for source_file, staged, dataset in rows:
            (n,) = con.execute(f'SELECT count(*) FROM "stg_{dataset}" WHERE _source_file = ?', [source_file]).fetchone()
            assert n == staged, source_file


def test_reports_folder_full_leaves_no_partial_findings(loaded, tmp_path, mount) -> None:
    data = copy_data(loaded, tmp_path / "data")
    reports = mount(tmp_path / "reports", "1m")
    fill(reports, 16 * 1024)  # the start-up probe fits; the findings files do not
    before = validation_runs(data / "province_79.duckdb")

    r = ddss(["validate", "--province", "79", "--as-of", as_of()], data, reports, tmp_path / "gx")

    assert r.returncode == ExitCode.STORAGE, r.stderr[-2000:]
    _no_traceback(r)
    assert str(reports) in r.stderr and "đầy" in r.stderr and "full" in r.stderr
    assert not [p for p in reports.rglob("*") if p.name != "filler.bin"]  # no findings.csv, no temp folder
    assert validation_runs(data / "province_79.duckdb") == before  # no run record without its files
    _consistent(data / "province_79.duckdb")


def test_data_folder_full_during_ingest(loaded, tmp_path, mount) -> None:
    data = mount(tmp_path / "data", "2m")
    fill(data, 160 * 1024)  # the start-up probe fits; the province file does not
    r = ddss(["ingest", "--province", "79", "--inbox", str(loaded.inbox)], data, tmp_path / "r", tmp_path / "gx")
    assert r.returncode == ExitCode.STORAGE, (r.returncode, r.stdout[-1500:], r.stderr[-2000:])
    _no_traceback(r)
    assert str(data) in r.stderr and "full" in r.stderr
    (data / "filler.bin").unlink()
    if (data / "province_79.duckdb").exists():
        _consistent(data / "province_79.duckdb")


def test_read_only_data_folder(loaded, tmp_path, mount) -> None:
    data = mount(tmp_path / "data", "8m")
    copy_data(loaded, data)
    read_only(data)
    for args in (
        ["ingest", "--province", "79", "--inbox", str(loaded.inbox)],
        ["validate", "--province", "79", "--as-of", as_of()],
    ):
        r = ddss(args, data, tmp_path / "reports", tmp_path / "gx")
        assert r.returncode == ExitCode.STORAGE, (args, r.stderr[-2000:])
        _no_traceback(r)
        assert str(data) in r.stderr and "chỉ đọc" in r.stderr and "read-only" in r.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    _consistent(data / "province_79.duckdb")


def test_unwritable_reports_folder(loaded, tmp_path, mount) -> None:
    data = copy_data(loaded, tmp_path / "data")
    reports = mount(tmp_path / "reports", "1m")
    read_only(reports)
    before = validation_runs(data / "province_79.duckdb")
    r = ddss(["validate", "--province", "79", "--as-of", as_of()], data, reports, tmp_path / "gx")
    assert r.returncode == ExitCode.STORAGE, r.stderr[-2000:]
    _no_traceback(r)
    assert str(reports) in r.stderr and "read-only" in r.stderr
    assert validation_runs(data / "province_79.duckdb") == before


def test_lawful_run_on_the_same_setup_succeeds(loaded, tmp_path) -> None:
    """The counterpart: with room to write, validate completes (đạt 0 or không đạt 1: the
    defects of the fixture) and publishes one complete report folder with its run record."""
    data = copy_data(loaded, tmp_path / "data")
    r = ddss(["validate", "--province", "79", "--as-of", as_of()], data, tmp_path / "reports", tmp_path / "gx")
    assert r.returncode in (ExitCode.OK, ExitCode.ACTION_NEEDED), r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    (run,) = [p for p in (tmp_path / "reports").iterdir() if not p.name.startswith(".")]
    assert {"findings.csv", "findings.parquet", "run.json"} <= {p.name for p in run.iterdir()}
    assert validation_runs(data / "province_79.duckdb") == 1
