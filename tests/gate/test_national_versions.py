"""The national store on hand-made rows, every backend: unchanged rows make no new version, a
key promoted again gets the next version (history keeps the old ones), revert puts the one
before back, and the invariants' counts see a key with two current rows."""

from __future__ import annotations

import duckdb
import pytest

from ddss.sql import ident
from ddss.store.national_tables import incoming_columns


def _rows(keys: list[str], sha: str):
    """Incoming birth rows: ``_key``, file SHA-256 and source row set, the rest empty."""
    exprs = []
    for name, kind in incoming_columns("birth"):
        value = {"_key": "k", "_file_sha256": "s", "_source_row": "r", "_province": "'79'"}.get(name, f"NULL::{kind}")
        exprs.append(f"{value} AS {ident(name)}")
    values = ", ".join(f"(?, ?, {i})" for i in range(len(keys)))
    params = [x for k in keys for x in (k, sha)]
    return duckdb.sql(f"SELECT {', '.join(exprs)} FROM (VALUES {values}) t(k, s, r)", params=params).to_arrow_table()  # noqa: S608


def _versions(store) -> dict[str, int]:
    return dict(store.current("birth").select("_key", "_version").rows())


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
    assert sorted(store.history("birth").select("_key", "_version", "_superseded_by").rows()) == [
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
            store.con.execute("INSERT INTO nat_birth SELECT * FROM nat_birth WHERE _key = 'b'")
            assert store.invariant_counts("birth", "r5") == (1, 1)
            # the gate's one-statement form: the same counts, each dataset its own
            assert store.invariant_counts_all(["death", "birth"], "r5") == {"death": (0, 0), "birth": (1, 1)}
            raise RuntimeError("rolled back")
    assert store.invariant_counts("birth", "r5") == (1, 0)
    assert store.invariant_counts_all(["birth", "death"], "r3") == {"birth": (1, 0), "death": (0, 0)}
