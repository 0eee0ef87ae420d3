"""validate() in units (issue #21, for per-suite flow tasks): ``prepare`` lists one unit
per runnable suite, ``run_unit`` runs one suite, ``finish`` lists the findings and
records the run; the result equals validate()'s, and a run whose data changed between
``prepare`` and ``finish`` is refused instead of mixing two states of the data."""

from __future__ import annotations

import pickle
from pathlib import Path

import polars as pl
import pytest

from ddss.checks import gx_run, suites
from ddss.checks.run import finish, prepare, run_unit, validate
from ddss.ingest import ingest_inbox
from ddss.settings import Settings
from ddss.store import DatabaseBusy, connect_readonly, writer
from generators.province import DEFAULT_AS_OF, generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 300-person province, its own (a later test loads a second batch into it)."""
    tmp = tmp_path_factory.mktemp("units")
    settings = Settings.load(ROOT, data_dir=tmp / "data", reports_dir=tmp / "reports", gx_dir=tmp / "gx")
    gen = generate(province="79", persons=300, seed=5, defect_rate=0.05, out=tmp / "batch", fmt="parquet")
    ingest_inbox(settings, "79", gen.inbox)
    return settings, gen


def test_units_run_one_by_one_equal_validate(small):
    settings, _ = small
    plan = prepare(settings, "79", DEFAULT_AS_OF)
    assert pickle.loads(pickle.dumps(plan)) == plan  # a flow may pass it between processes
    assert [u.suite for u in plan.units] == [s.name for s in suites.specs() if s.checks]
    results = [run_unit(plan, u) for u in plan.units]
    for unit, counts in zip(plan.units, results, strict=True):
        assert set(counts) == set(unit.checks)
        assert all(v is not None for v in counts.values()), unit.suite
    # after each unit GX holds no connection: a writer may open the file at once
    with connect_readonly(settings.province_db("79"), settings.duckdb_config()):
        pass
    by_units = finish(plan, results)
    assert by_units.counts_agree and by_units.run_id == plan.run_id
    assert by_units.report_dir.is_dir() and (by_units.report_dir / "findings.csv").exists()

    whole = validate(settings, "79", as_of=DEFAULT_AS_OF)  # the same process: the GX session is reused
    assert whole.gx_counts == by_units.gx_counts
    assert whole.findings.drop("batch_id").equals(by_units.findings.drop("batch_id"))
    assert sum(whole.gx_counts.values()) > 0  # defects were found: the comparison is not vacuous


def test_findings_reader_shares_the_file_with_gx(small):
    """validate() lists the findings in a thread while GX runs the suites: its connection
    and GX's must be one DuckDB instance (DuckDB refuses a second configuration), and once
    both are closed a writer opens the file."""
    settings, _ = small
    plan = prepare(settings, "79", DEFAULT_AS_OF)
    unit = plan.units[0]
    gx = gx_run.session(settings, "79")
    reader = gx_run.reader_beside_gx(settings, "79")  # opened before GX's connection, as in validate()
    try:
        counts = run_unit(plan, unit, keep_open=True)
        assert all(v is not None for v in counts.values()), counts  # GX's connection opened beside the reader
        again = gx_run.reader_beside_gx(settings, "79")  # and a reader opens beside GX's open connection
        again.close()
        rows = reader.execute(f"SELECT count(*) FROM cur_{unit.dataset}").fetchone()[0]
        assert rows > 0
    finally:
        gx_run.release(gx)
        reader.close()
    with writer(settings.province_db("79"), settings.busy_timeout_s, settings.duckdb_config()):
        pass


def test_session_is_built_once_per_process(small):
    settings, _ = small
    assert gx_run.session(settings, "79") is gx_run.session(settings, "79")


def test_finish_refuses_data_changed_since_prepare(small, tmp_path):
    settings, gen = small
    plan = prepare(settings, "79", DEFAULT_AS_OF)
    results = [run_unit(plan, u) for u in plan.units[:1]]
    inbox = tmp_path / "again"
    inbox.mkdir()
    pl.read_parquet(gen.inbox / "birth.parquet").head(5).write_parquet(inbox / "birth.parquet")  # a new batch of births
    ingest_inbox(settings, "79", inbox)
    with pytest.raises(DatabaseBusy, match="đã thay đổi"):
        finish(plan, results)
