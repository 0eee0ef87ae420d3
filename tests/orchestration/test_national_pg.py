"""The PostgreSQL national store on a throw-away cluster: the same behaviour as the DuckDB
store for the same calls (promote, resubmit, revert, audit), values kept exactly through
COPY (NULL vs empty text, dates, timestamps, decimals). The gate's own invariant and
resubmission tests run on it through tests/gate/conftest.py's ``national_store``."""

from __future__ import annotations

import datetime as dt

import psycopg
import pyarrow as pa
import pytest

from ddss.store.national_duckdb import DuckDBNationalStore
from ddss.store.national_pg import PostgresNationalStore
from ddss.store.national_tables import incoming_columns

ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def parcels(rows: list[dict]) -> pa.Table:
    cols = incoming_columns("parcel")
    return pa.table({n: pa.array([r.get(n) for r in rows], ARROW[t]) for n, t in cols})


def parcel(key: str, area: float, address: str | None, sha: str = "0" * 64, row: int = 1) -> dict:
    commune, sheet, no = key.split("|")
    return {
        "_key": key,
        "commune_code": commune,
        "map_sheet_no": sheet,
        "parcel_no": no,
        "area_m2": area,
        "land_use_code": "ONT",
        "address": address,
        "updated_at": dt.datetime(2026, 3, 1, 8, 30, 15, 123456),
        "_province": "79",
        "_agency": "nnmt",
        "_batch_id": "b1",
        "_source_file": "parcel.csv",
        "_file_sha256": sha,
        "_source_row": row,
    }


def _exercise(store) -> dict:
    """The same calls on any backend; what they leave, comparable across backends."""
    first = [
        parcel("26734|1|1", 100.5, "Số 1", row=1),
        parcel("26734|1|2", 0.25, "", row=2),
        parcel("26734|1|3", 7.0, None, row=3),
    ]
    with store.transaction():
        c1 = store.promote("parcel", parcels(first), "run-1")
    fixed = "1" * 64  # the agency's corrected file: one record changed, one new, one as before
    resubmitted = [parcel("26734|1|2", 0.5, "Sửa", fixed, 1), parcel("26734|1|4", 1.0, "Mới", fixed, 2), first[0]]
    with store.transaction():
        c2 = store.promote("parcel", parcels(resubmitted), "run-2")
    with pytest.raises(RuntimeError), store.transaction():  # a gate dying half-way changes nothing
        store.promote("parcel", parcels([parcel("26734|9|9", 1.0, "x")]), "run-dead")
        raise RuntimeError("killed")
    current = store.current("parcel").sort("_key")
    out = {
        "counts": [(c1.inserted, c1.updated, c1.unchanged), (c2.inserted, c2.updated, c2.unchanged)],
        "keys": current["_key"].to_list(),
        "versions": current["_version"].to_list(),
        "addresses": current["address"].to_list(),
        "areas": current["area_m2"].to_list(),
        "updated_at": current["updated_at"].to_list(),
        "history": store.history("parcel")[["_key", "_version", "_superseded_by"]].rows(),
        "dupes": store.duplicate_keys("parcel"),
        "by_run2": store.promoted_by("parcel", "run-2"),
    }
    with store.transaction():
        out["reverted"] = store.revert("run-2")["parcel"]
    out["after_revert"] = store.current("parcel").sort("_key")[["_key", "_version", "address"]].rows()
    return out


def test_postgres_store_behaves_like_the_duckdb_store(pg_cluster, tmp_path):
    duck = DuckDBNationalStore(tmp_path / "national.duckdb")
    pg = PostgresNationalStore(pg_cluster.new_database(), password=pg_cluster.password)
    try:
        on_duck, on_pg = _exercise(duck), _exercise(pg)
    finally:
        duck.close()
        pg.close()
    assert on_pg == on_duck
    assert on_pg["counts"] == [(3, 0, 0), (1, 1, 1)]
    assert on_pg["addresses"] == ["Số 1", "Sửa", None, "Mới"]  # "" replaced; NULL stays NULL, not ""
    assert on_pg["updated_at"][0] == dt.datetime(2026, 3, 1, 8, 30, 15, 123456)
    assert on_pg["history"] == [("26734|1|2", 1, "run-2")] and on_pg["dupes"] == 0
    assert on_pg["reverted"] == (2, 1)
    assert on_pg["after_revert"] == [("26734|1|1", 1, "Số 1"), ("26734|1|2", 1, ""), ("26734|1|3", 1, None)]


def test_postgres_store_needs_the_password_and_serialises_gates(pg_cluster):
    dsn = pg_cluster.new_database()
    assert "password" not in dsn
    with pytest.raises(psycopg.OperationalError):
        PostgresNationalStore(dsn, password="wrong")
    a = PostgresNationalStore(dsn, password=pg_cluster.password)
    b = PostgresNationalStore(dsn, password=pg_cluster.password)  # another machine gating into the same server
    try:
        with a.transaction():
            a.append_audit({"seq": 1, "at": dt.datetime(2026, 1, 1), "kind": "gate", "province": "79", "run_id": "r1",
                            "body": "{}", "prev_sha256": "", "sha256": "h1"})  # fmt: skip
            # while a holds the gate lock, b cannot start writing
            b.con.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable), b.transaction():
                pass
        with b.transaction():
            assert [r["seq"] for r in b.audit_rows()] == [1]
    finally:
        a.close()
        b.close()


def test_settings_open_the_postgres_store_with_a_password_from_outside_the_repo(pg_cluster, tmp_path, monkeypatch):
    from ddss.settings import Settings, SettingsError
    from ddss.store.national import open_national

    root, secrets = tmp_path / "project", tmp_path / "secrets"
    root.mkdir()
    secrets.mkdir()
    (secrets / "national.pw").write_text(pg_cluster.password + "\n")
    dsn = pg_cluster.new_database()

    def load(**keys) -> Settings:
        lines = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in keys.items())
        (root / "pyproject.toml").write_text(f"[tool.ddss]\n{lines}", encoding="utf-8")
        return Settings.load(root)

    monkeypatch.delenv("DDSS_NATIONAL_PASSWORD", raising=False)
    settings = load(national_dsn=dsn, national_password_file=str(secrets / "national.pw"))
    assert settings.national_password == pg_cluster.password and pg_cluster.password not in repr(settings)
    with open_national(settings) as store:
        assert isinstance(store, PostgresNationalStore) and store.audit_rows() == []
    monkeypatch.setenv("DDSS_NATIONAL_PASSWORD", "from-env")  # the environment wins over the file
    assert load(national_dsn=dsn, national_password_file=str(secrets / "national.pw")).national_password == "from-env"

    (root / "pw.txt").write_text("x")
    with pytest.raises(SettingsError, match="national_password_file"):
        load(national_dsn=dsn, national_password_file=str(root / "pw.txt"))  # inside the repo: refused
    with pytest.raises(SettingsError, match="national_dsn") as refused:
        load(national_dsn=dsn + " password=secret")
    assert "secret" not in str(refused.value)
