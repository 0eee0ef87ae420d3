"""Fixtures of the gate tests.

``national_store``: a factory ``make(folder) -> NationalStore`` for every national-database
backend; gate-invariant and resubmission tests take it, so a backend added beside
``DuckDBNationalStore`` (PostgreSQL, issue #20) is tested by adding a param here.
``gated_copy``: a copy of a session province (real files -> DuckDB -> GX -> findings) in
the test's own folder, so gating it never changes what other tests read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ddss.store.national_duckdb import DuckDBNationalStore
from generators.province import DEFAULT_AS_OF

VI_FORM = {"headers": "vi", "dates": "vn", "decimal_comma": True, "encoding": "utf-8-sig"}


@pytest.fixture(params=["duckdb", "postgres"])
def national_store(request):
    made = []

    def make(folder: Path):
        if request.param == "duckdb":
            store = DuckDBNationalStore(Path(folder) / "national.duckdb")
        else:  # a fresh database on the session's throw-away PostgreSQL cluster (tests/conftest.py)
            from ddss.store.national_pg import PostgresNationalStore

            cluster = request.getfixturevalue("pg_cluster")
            store = PostgresNationalStore(cluster.new_database(), password=cluster.password)
        made.append(store)
        return store

    yield make
    for store in made:
        try:
            store.close()
        except Exception:  # noqa: BLE001 - already closed by the test
            pass


def copy_run(run, dest: Path):
    """Settings pointing at a private copy of ``run``'s province file and folders."""
    from dataclasses import replace

    shutil.copytree(run.settings.data_dir, dest / "data", ignore=shutil.ignore_patterns("*.lock", "*.wal", "*.tmp"))
    return replace(run.settings, data_dir=dest / "data", reports_dir=dest / "reports", gx_dir=dest / "gx")


@pytest.fixture
def defective(province_run, tmp_path):
    """(settings, run) for a private copy of the 5 %-defect province the validation tests use."""
    run = province_run(0.05, 2000, **VI_FORM)
    return copy_run(run, tmp_path / "defective"), run


@pytest.fixture
def clean(province_run, tmp_path):
    run = province_run(0.0)
    return copy_run(run, tmp_path / "clean"), run


__all__ = ["DEFAULT_AS_OF", "VI_FORM", "copy_run"]


def province_rows(settings, sql, params=None) -> list[tuple]:
    """Rows of a read-only query on province 79's file (what the gate left there)."""
    con = duckdb.connect(str(settings.province_db("79")), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
