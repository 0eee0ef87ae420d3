"""Files from an earlier ddss open and are migrated in place (schema_version in each file)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from ddss.score import compute_scorecard
from ddss.sql import ident
from ddss.store import writer
from ddss.store.migrate import SchemaTooNew
from ddss.store.national_duckdb import DuckDBNationalStore
from ddss.store.national_tables import (
    AUDIT_COLUMNS,
    SUPERSEDED,
    history_table,
    incoming_columns,
    national_columns,
    national_table,
)
from ddss.thresholds import load_thresholds

# The province schema before issue #17 (ddss/store.py at commit 88932e8), as it was written.
OLD_PROVINCE_DDL = """
CREATE TABLE batches (
    batch_id VARCHAR, province VARCHAR, agency VARCHAR, dataset VARCHAR, source_file VARCHAR,
    file_sha256 VARCHAR, file_bytes BIGINT, encoding VARCHAR, file_format VARCHAR,
    rows_read BIGINT, rows_staged BIGINT, rows_quarantined BIGINT, balanced BOOLEAN,
    status VARCHAR, reason_vi VARCHAR, reason_en VARCHAR, loaded_at TIMESTAMP
);
CREATE TABLE quarantine_rows (
    batch_id VARCHAR, dataset VARCHAR, source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,
    check_id VARCHAR, column_name VARCHAR, reason_vi VARCHAR, reason_en VARCHAR, raw_line VARCHAR,
    loaded_at TIMESTAMP
);
CREATE TABLE findings (
    run_id VARCHAR, dataset VARCHAR, source_file VARCHAR, source_row BIGINT, record_key VARCHAR,
    check_id VARCHAR, dimension VARCHAR, severity VARCHAR, value VARCHAR, message_vi VARCHAR
);
CREATE TABLE stg_parcel (
    commune_code VARCHAR, map_sheet_no VARCHAR, parcel_no VARCHAR, area_m2 DOUBLE, land_use_code VARCHAR,
    address VARCHAR, updated_at TIMESTAMP, _batch_id VARCHAR, _agency VARCHAR, _source_file VARCHAR,
    _file_sha256 VARCHAR, _source_row BIGINT, _loaded_at TIMESTAMP, _nfc_fixed BOOLEAN
);
INSERT INTO stg_parcel VALUES ('26734', '1', '1', 120.5, 'ONT', 'Ấp 1', TIMESTAMP '2026-09-01 00:00:00',
    '20261001T000000000000-79-aaaaaa', 'nnmt', 'parcel.csv', 'abc', 1, TIMESTAMP '2026-10-01 00:00:00', false);
CREATE TABLE validation_runs (
    run_id VARCHAR, province VARCHAR, as_of DATE, started_at TIMESTAMP, finished_at TIMESTAMP,
    checks BIGINT, findings BIGINT, counts_agree BOOLEAN, gx_results_path VARCHAR
);
INSERT INTO batches VALUES ('20261001T000000000000-79-aaaaaa', '79', 'nnmt', 'parcel', 'parcel.csv', 'abc', 10,
    'utf-8', 'csv', 4, 4, 0, true, 'loaded', NULL, NULL, TIMESTAMP '2026-10-01 00:00:00');
INSERT INTO validation_runs VALUES ('20261001T010000000000-79-bbbbbb', '79', DATE '2026-10-01',
    TIMESTAMP '2026-10-01 01:00:00', TIMESTAMP '2026-10-01 01:01:00', 100, 1, true, 'gx');
INSERT INTO findings VALUES ('20261001T010000000000-79-bbbbbb', 'parcel', 'parcel.csv', 2, '26734|1|2',
    'parcel.missing_area_m2', 'du', 'blocking', NULL, 'Thiếu diện tích');
"""


def test_province_file_of_the_previous_version_migrates_in_place(tmp_path):
    path = tmp_path / "province_79.duckdb"
    con = duckdb.connect(str(path))
    con.execute(OLD_PROVINCE_DDL)
    con.close()

    with writer(path) as con:
        versions = con.execute("SELECT component, version FROM schema_version").fetchall()
        cols = {
            r[0]
            for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'findings'").fetchall()
        }
        old = con.execute("SELECT record_key, agency, batch_id FROM findings").fetchall()
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        card = compute_scorecard(con, "20261001T010000000000-79-bbbbbb", load_thresholds())
    assert versions[0] == ("province", 2) and [v for _, v in versions] == sorted(v for _, v in versions)
    assert {"agency", "batch_id"} <= cols
    assert old == [("26734|1|2", None, None)]  # the old rows are kept
    assert {"scores", "holds", "waivers", "stg_birth", "stg_certificate"} <= tables
    du = next(d for d in card.dataset("parcel").dimensions if d.dimension == "du")
    assert (du.checked, du.blocking, du.score) == (4, 1, 0.75)  # the old run still scores

    with writer(path) as con:  # opening again changes nothing
        assert con.execute("SELECT count(*) FROM schema_version").fetchall() == [(len(versions),)]
        assert con.execute("SELECT count(*) FROM stg_parcel").fetchall() == [(1,)]  # staged rows kept


def test_national_file_records_its_version_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "national.duckdb"
    with DuckDBNationalStore(path) as store:
        assert store.con.execute("SELECT component, version FROM schema_version").fetchall() == [("national", 2)]
    with DuckDBNationalStore(path) as store:  # reopened: still one version row
        assert store.con.execute("SELECT count(*) FROM schema_version").fetchall() == [(1,)]
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES ('national', 99, now()::TIMESTAMP, 'from the future')")
    con.close()
    with pytest.raises(SchemaTooNew):
        DuckDBNationalStore(path)


# National schema v1 (sessions before 10): every national row carried its key as a string
# ``_key`` (concat_ws of the natural key) before the dataset's columns, and its run id and
# promotion time after them.
V1_PROMOTION = [("_version", "INTEGER"), ("_run_id", "VARCHAR"), ("_promoted_at", "TIMESTAMP")]


def _v1_columns(dataset: str, history: bool = False) -> list[tuple[str, str]]:
    return [("_key", "VARCHAR"), *incoming_columns(dataset), *V1_PROMOTION, *(SUPERSEDED if history else ())]


def _v1_parcel(sha: str, address: str) -> list:
    values = {"commune_code": "26734", "map_sheet_no": "1", "parcel_no": "7", "address": address, "_file_sha256": sha}
    values |= {"_province": "79", "_source_row": 1, "_key": "26734|1|7", "_version": 1, "_run_id": "run-1"}
    values["_promoted_at"] = dt.datetime(2026, 10, 1, 8, 0)
    return [values.get(n) for n, _ in _v1_columns("parcel")]


def _new_parcel(sha: str, address: str) -> pa.Table:
    values = {"commune_code": "26734", "map_sheet_no": "1", "parcel_no": "7", "address": address, "_file_sha256": sha}
    values |= {"_province": "79", "_source_row": 1}
    types = {
        "VARCHAR": pa.string(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
    }
    return pa.table({n: pa.array([values.get(n)], types[t]) for n, t in incoming_columns("parcel")})


def _resubmit_and_check(store) -> None:
    """The migrated database works: the old row keeps its run and time, is found by its key
    columns and gets a new version."""
    old = store.current("parcel").select("_key", "_version", "_run_id", "_promoted_at").rows()
    assert old == [("26734|1|7", 1, "run-1", dt.datetime(2026, 10, 1, 8, 0))]
    with store.transaction():
        counts = store.promote("parcel", _new_parcel("sha-2", "Ấp 2"), "run-2")
        assert store.invariant_counts("parcel", "run-2") == (1, 0)
    assert (counts.inserted, counts.updated) == (0, 1)
    assert store.current("parcel").select("_key", "_version", "address").rows() == [("26734|1|7", 2, "Ấp 2")]
    assert store.history("parcel").select("_key", "_version", "_run_id", "_superseded_by").rows() == [
        ("26734|1|7", 1, "run-1", "run-2")
    ]
    with store.transaction():
        assert store.revert("run-2")["parcel"] == (1, 1)
    assert store.current("parcel").select("_key", "_version", "address").rows() == [("26734|1|7", 1, "Ấp 1")]


def _v1_tables() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(national_table("parcel"), _v1_columns("parcel")), (history_table("parcel"), _v1_columns("parcel", True))]


def test_national_file_of_version_1_drops_its_key_string_and_keeps_its_rows(tmp_path):
    path = tmp_path / "national.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (component VARCHAR, version INTEGER, applied_at TIMESTAMP, note VARCHAR)")
    con.execute("INSERT INTO schema_version VALUES ('national', 1, now()::TIMESTAMP, 'created')")
    for table, cols in [("audit_log", list(AUDIT_COLUMNS)), *_v1_tables()]:
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{ident(n)} {t}' for n, t in cols)})")
    con.execute(f"INSERT INTO nat_parcel VALUES ({', '.join(['?'] * len(_v1_columns('parcel')))})", _v1_parcel("sha-1", "Ấp 1"))
    con.close()

    names = "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position"
    with DuckDBNationalStore(path) as store:
        versions = store.con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        columns = {
            t: [r[0] for r in store.con.execute(names, [t]).fetchall()] for t in ("nat_parcel", "nat_parcel_history", "nat_birth")
        }
        _resubmit_and_check(store)
    assert versions == [(1,), (2,)]
    assert all("_key" not in c for c in columns.values())
    assert columns["nat_parcel"] == [n for n, _ in national_columns("parcel")]
    with DuckDBNationalStore(path) as store:  # opening again changes nothing
        assert store.con.execute("SELECT count(*) FROM schema_version").fetchall() == [(2,)]


def test_postgres_national_database_of_version_1_is_migrated(pg_cluster):
    import psycopg

    from ddss.store.national_pg import _PG_TYPES, PostgresNationalStore

    dsn = pg_cluster.new_database()
    with psycopg.connect(dsn, password=pg_cluster.password, autocommit=True) as con:
        con.execute("CREATE TABLE ddss_schema (kind text PRIMARY KEY, version integer)")
        con.execute("INSERT INTO ddss_schema VALUES ('national', 1)")
        for table, cols in _v1_tables():
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {_PG_TYPES[t]}' for n, t in cols)})")
            con.execute(f"CREATE INDEX {table}_key ON {table} (_key)")
        values = ", ".join(["%s"] * len(_v1_columns("parcel")))
        con.execute(f"INSERT INTO nat_parcel VALUES ({values})", _v1_parcel("sha-1", "Ấp 1"))
    store = PostgresNationalStore(dsn, password=pg_cluster.password)
    try:
        assert store.con.execute("SELECT version FROM ddss_schema").fetchall() == [(2,)]
        names = "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position"
        assert [r[0] for r in store.con.execute(names, ["nat_parcel"]).fetchall()] == [n for n, _ in national_columns("parcel")]
        _resubmit_and_check(store)
    finally:
        store.close()
