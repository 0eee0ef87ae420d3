"""A batch loaded unit by unit (ddss.ingest.plan_batch / load_entry / finish_batch, what the
province flow runs as one task per file) records exactly what ``ingest_inbox`` records in one
go; a run stopped between two files keeps the first and a rerun loads the rest."""

from __future__ import annotations

import duckdb
import pytest

from ddss.ingest import finish_batch, ingest_inbox, load_entry, plan_batch
from ddss.settings import Settings
from generators.province import generate
from tests.conftest import ROOT

COLUMNS = "dataset, source_file, status, rows_read, rows_staged, rows_quarantined, file_sha256, reason_en"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    base = tmp_path_factory.mktemp("units")
    gen = generate(province="79", persons=300, seed=8, defect_rate=0.02, out=base / "batch")
    (gen.inbox / "rubbish.csv").write_bytes(b"\x00\x01" * 50)  # rejected, the rest loads
    (gen.inbox / "a_folder").mkdir()  # skipped with its reason
    return gen.inbox


def _settings(tmp_path, name: str) -> Settings:
    return Settings.load(ROOT, data_dir=tmp_path / name, reports_dir=tmp_path / f"{name}-reports")


def _rows(settings: Settings, table: str, columns: str) -> list[tuple]:
    with duckdb.connect(str(settings.province_db("79")), read_only=True) as con:
        return sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)


def test_units_record_what_ingest_inbox_records(inbox, tmp_path):
    whole, units = _settings(tmp_path, "whole"), _settings(tmp_path, "units")
    expected = ingest_inbox(whole, "79", inbox)

    plan = plan_batch(units, "79", inbox)
    assert [e.name for e in plan.entries] == sorted(p.name for p in inbox.iterdir() if p.name != "manifest.csv")
    loads = [load_entry(plan, entry) for entry in plan.entries]
    got = finish_batch(plan, loads)

    assert got.batch_id == plan.batch_id
    assert [(f.source_file, f.status, f.rows_staged) for f in got.files] == [
        (f.source_file, f.status, f.rows_staged) for f in expected.files
    ]
    assert {f.status for f in got.files} == {"loaded", "rejected", "skipped"}
    assert [(n.source_file, n.kind) for n in got.notes] == [(n.source_file, n.kind) for n in expected.notes]
    assert _rows(units, "batches", COLUMNS) == _rows(whole, "batches", COLUMNS)
    assert _rows(units, "batch_notes", "source_file, kind") == _rows(whole, "batch_notes", "source_file, kind")
    for table in ("stg_population", "stg_birth", "quarantine_rows"):
        assert _rows(units, table, "count(*)") == _rows(whole, table, "count(*)"), table


def test_a_run_stopped_between_two_files_keeps_the_first_and_a_rerun_loads_the_rest(inbox, tmp_path):
    """A flow run stopped after one file's task (a timeout, a killed worker): that file is
    committed (its own transaction, as in ``ddss ingest``), nothing else is, and the next run
    records it as a duplicate and loads the others."""
    settings = _settings(tmp_path, "stopped")
    plan = plan_batch(settings, "79", inbox)
    first = next(e for e in plan.entries if e.name == "birth.csv")
    assert [o.status for o in load_entry(plan, first).outcomes] == ["loaded"]
    assert _rows(settings, "batches", "source_file, status") == [("birth.csv", "loaded")]
    assert _rows(settings, "stg_population", "count(*)") == [(0,)]

    rerun = ingest_inbox(settings, "79", inbox)
    status = {f.source_file: f.status for f in rerun.files}
    assert status["birth.csv"] == "duplicate" and status["population.csv"] == "loaded"
