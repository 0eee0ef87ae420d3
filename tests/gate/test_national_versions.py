"""The national store on hand-made rows, every backend: unchanged rows make no new version, a
key promoted again gets the next version (history keeps the old ones), revert puts the one
before back, and the invariants' counts see a key with two current rows."""

from __future__ import annotations

import duckdb
import pytest

from ddss.sql import ident
from ddss.store.national_tables import incoming_columns


def _rows(keys: list[str], sha: str, dataset: str = "birth", values: dict[str, str] | None = None):
    """Incoming rows: natural key (commune ``k``, book 'B', entry 1 for a birth), file SHA-256
    and source row set, ``values`` as given, the rest empty."""
    exprs = []
    fixed = {"registering_commune_code": "k", "register_book": "'B'", "entry_no": "1", "_file_sha256": "s", "_source_row": "r"}
    for name, kind in incoming_columns(dataset):
        value = {**fixed, "_province": "'79'", **(values or {})}.get(name, f"NULL::{kind}")
        exprs.append(f"{value} AS {ident(name)}")
    rows = ", ".join(f"(?, ?, {i})" for i in range(len(keys)))
    params = [x for k in keys for x in (k, sha)]
    return duckdb.sql(f"SELECT {', '.join(exprs)} FROM (VALUES {rows}) t(k, s, r)", params=params).to_arrow_table()  # noqa: S608


def _versions(store) -> dict[str, int]:
    return dict(store.current("birth").select("registering_commune_code", "_version").rows())


def test_versions_history_revert_and_invariant_counts(national_store, tmp_path):
    store = national_store(tmp_path)
    steps = [("r1", ["a", "b"], "sha1"), ("r2", ["a", "b"], "sha1"), ("r3", ["a", "c"], "sha2"), ("r4", ["a"], "sha3")]
    counts = {}
    for run, keys, sha in steps:
        with store.transaction():
            counts[run] = store.promote("birth", _rows(keys, sha), run)
    assert (counts["r1"].inserted, counts["r1"].updated, counts["r1"].unchanged) == (2, 0, 0)
    assert (counts["r2"].inserted, counts["r2"].updated, counts["r2"].unchanged) == (0, 0, 2)  # the same file rows again
    assert (counts["r3"].inserted, counts["r3"].updated, counts["r3"].unchanged) == (1, 1, 0)
    assert _versions(store) == {"a": 3, "b": 1, "c": 1}
    assert sorted(store.history("birth").select("registering_commune_code", "_version", "_superseded_by").rows()) == [
        ("a", 1, "r3"),
        ("a", 2, "r4"),
    ]
    with store.transaction():
        store.revert("r4")
    assert _versions(store) == {"a": 2, "b": 1, "c": 1}
    with store.transaction():  # a re-promotion after the revert continues from the restored version
        store.promote("birth", _rows(["a"], "sha4"), "r5")
    assert _versions(store) == {"a": 3, "b": 1, "c": 1}
    assert store.invariant_counts("birth", "r3") == (1, 0)  # c (a's r3 version is history again)
    with pytest.raises(RuntimeError, match="rolled back"):
        with store.transaction():
            store.con.execute("INSERT INTO nat_birth SELECT * FROM nat_birth WHERE registering_commune_code = 'b'")
            assert store.invariant_counts("birth", "r5") == (1, 1)
            # the gate's one-statement form: the same counts, each dataset its own
            assert store.invariant_counts_all(["death", "birth"], "r5") == {"death": (0, 0), "birth": (1, 1)}
            raise RuntimeError("rolled back")
    assert store.invariant_counts("birth", "r5") == (1, 0)
    assert store.invariant_counts_all(["birth", "death"], "r3") == {"birth": (1, 0), "death": (0, 0)}


def test_a_record_is_its_key_columns_and_an_organisation_is_keyed_by_its_name(national_store, tmp_path):
    # No key string is stored (national schema v2): two records whose parts would join into the
    # same string stay two, and a certificate held by an organisation (no personal ID) is told
    # apart by the holder's name, as the key's fallback says (NATIONAL_KEYS, KEY_FALLBACKS).
    store = national_store(tmp_path)
    cert = {"certificate_serial": "'CS1'", "commune_code": "'26734'", "map_sheet_no": "'1'", "parcel_no": "k"}
    with store.transaction():
        store.promote("birth", _rows(["a|B"], "s1", values={"register_book": "'1'", "entry_no": "2"}), "r1")
        store.promote("birth", _rows(["a"], "s1", values={"register_book": "'B|1'", "entry_no": "2"}), "r1")
        store.promote("certificate", _rows(["7"], "s1", "certificate", {**cert, "owner_name": "'Công ty A'"}), "r1")
        store.promote("certificate", _rows(["7"], "s1", "certificate", {**cert, "owner_name": "'Công ty B'"}), "r1")
        store.promote("certificate", _rows(["7"], "s1", "certificate", {**cert, "owner_person_id": "'079000000001'"}), "r1")
        assert store.invariant_counts_all(["birth", "certificate"], "r1") == {"birth": (2, 0), "certificate": (3, 0)}
    with store.transaction():  # the same organisation's certificate from a corrected file: a new version
        counts = store.promote("certificate", _rows(["7"], "s2", "certificate", {**cert, "owner_name": "'Công ty B'"}), "r2")
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 0)
    current = store.current("certificate").sort("_key")
    assert current.select("_key", "_version").rows() == [
        ("CS1|26734|1|7|079000000001", 1),
        ("CS1|26734|1|7|Công ty A", 1),
        ("CS1|26734|1|7|Công ty B", 2),
    ]
    assert store.history("certificate").select("owner_name", "_superseded_by").rows() == [("Công ty B", "r2")]
    assert store.duplicate_keys("birth") == 0 and store.current("birth").height == 2


def test_the_province_session_refuses_a_damaged_file_and_waits_for_a_writer(tmp_path):
    # The DuckDB national store attaches the province file for a whole gate
    # (province_session): a damaged file is named as a province writer names it, and a file
    # another process writes is waited for, then refused as busy.
    import subprocess
    import sys

    from ddss.store.guard import DamagedDatabase, DatabaseBusy
    from ddss.store.national_duckdb import DuckDBNationalStore

    store = DuckDBNationalStore(tmp_path / "national.duckdb")
    try:
        damaged = tmp_path / "province_01.duckdb"
        damaged.write_bytes(b"not a database" * 1000)
        with pytest.raises(DamagedDatabase), store.province_session(damaged):
            pass
        busy = tmp_path / "province_02.duckdb"
        duckdb.connect(str(busy)).close()
        holder = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(30)"
        child = subprocess.Popen([sys.executable, "-c", holder, str(busy)], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "open"
            with pytest.raises(DatabaseBusy), store.province_session(busy, busy_timeout_s=0.5):
                pass
        finally:
            child.kill()
            child.wait()
        with store.province_session(busy) as con:  # free again: the schema is made, the cursor is the province's
            assert con.execute("SELECT current_database()").fetchall() == [("_ddss_prov",)]
            assert con.execute("SELECT count(*) FROM holds").fetchall() == [(0,)]
        assert store.con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = '_ddss_prov'").fetchall() == [
            (0,)
        ]
    finally:
        store.close()
