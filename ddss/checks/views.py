"""``cur_<dataset>`` tables: which staged rows are current, per dataset (docs/batches.md).

- population is a snapshot of the population database: the files of its latest batch
  together are the current rows, and replace every earlier batch's;
- birth, death, marriage, parcel and certificate are deltas keyed by a natural key
  (``DELTA_KEYS``): a row is current unless a later batch holds a row with the same key;
  a record absent from a later batch stays as it was. A row with an empty key part can
  match nothing and stays.

A file sent again unchanged (same SHA-256) is recorded as ``duplicate`` and not staged
twice; in a snapshot batch it still counts, through the rows of the batch that loaded it.

``refresh`` writes the current rows as tables (``cur_<dataset>``), once per validation
(ddss.checks.run.prepare), rather than views: every check reads them, about 190 queries
in GX plus the findings scans, and a view would recompute the current rows (a window over
each delta's keys, a join with the batch list) in each of them and in each subquery of a
cross-dataset check, and make each query's plan several times larger (measured at 100 000
persons: the checks' SQL 2.3x less CPU; at 2 000, planning a findings scan 3x faster).
Each also carries the derived columns of the rule text (ddss.rules.catalog.derived: name
keys, the person key, a certificate's holder set), computed here once instead of in every
check that reads them (``with_derived``).
They are persistent so that GX, opening the database read-only, can read them; they
hold the state of the last ``refresh``, which only validation reads (it refreshes first,
and refuses to finish when a load committed meanwhile).
"""

from __future__ import annotations

import duckdb

from ddss.checks.render import current_view
from ddss.rules.catalog.derived import derived
from ddss.schema import DATASETS, staging_table
from ddss.sql import ident, str_literal

__all__ = ["CURRENT_FILES_SQL", "DELTA_KEYS", "SNAPSHOTS", "current_files", "refresh", "with_derived"]

SNAPSHOTS = frozenset({"population"})
_CIVIL_KEY = ("registering_commune_code", "register_book", "entry_no")
DELTA_KEYS: dict[str, tuple[str, ...]] = {
    "birth": _CIVIL_KEY,
    "death": _CIVIL_KEY,
    "marriage": _CIVIL_KEY,
    "parcel": ("commune_code", "map_sheet_no", "parcel_no"),
    # One certificate may cover several parcels and have several holders (co-owners).
    "certificate": ("certificate_serial", "commune_code", "map_sheet_no", "parcel_no", "owner_person_id"),
    "book_closure": ("registering_commune_code", "event_type", "register_book"),
}

# The files of each dataset's latest batch (batch ids sort by time), a duplicate resolved
# to the batch that loaded its bytes: (dataset, batch_id, source_file, file_sha256).
# For a snapshot these are its current rows; for a delta, the files whose quarantined
# rows the latest validation reports.
CURRENT_FILES_SQL = """
SELECT DISTINCT b.dataset, l.batch_id, l.source_file, l.file_sha256
FROM batches b
JOIN batches l ON l.status = 'loaded' AND l.dataset = b.dataset AND l.file_sha256 = b.file_sha256
     AND (b.status = 'duplicate' OR (l.batch_id = b.batch_id AND l.source_file = b.source_file))
WHERE b.status IN ('loaded', 'duplicate')
  AND b.batch_id = (SELECT max(m.batch_id) FROM batches m WHERE m.dataset = b.dataset AND m.status IN ('loaded', 'duplicate'))
"""


def _snapshot_sql(name: str) -> str:
    return (
        f"SELECT t.* FROM {ident(staging_table(name))} t WHERE EXISTS (SELECT 1 FROM ({CURRENT_FILES_SQL}) c "  # noqa: S608
        f"WHERE c.dataset = {str_literal(name)} AND c.batch_id = t._batch_id AND c.source_file = t._source_file "
        "AND c.file_sha256 = t._file_sha256)"
    )


def _delta_sql(name: str) -> str:
    keys = [ident(k) for k in DELTA_KEYS[name]]
    unmatched = " OR ".join(f"{k} IS NULL" for k in keys)
    return (
        "SELECT * EXCLUDE (_ddss_current) FROM ("  # noqa: S608 - identifiers only
        f"SELECT t.*, CASE WHEN {unmatched} THEN true "
        f"ELSE _batch_id = max(_batch_id) OVER (PARTITION BY {', '.join(keys)}) END AS _ddss_current "
        f"FROM {ident(staging_table(name))} t) WHERE _ddss_current"
    )


def with_derived(name: str, body: str) -> str:
    """``body`` (a query of the dataset's rows) with the catalogue's derived columns
    (ddss.rules.catalog.derived: name keys) added, one projection per column."""
    for column, expr in derived(name):
        body = f"SELECT t.*, {expr} AS {ident(column)} FROM ({body}) AS t"  # noqa: S608 - catalogue SQL
    return body


def current_files(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, str]]]:
    """dataset -> [(batch, file, sha)] of its latest batch."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for d, b, f, s in con.execute(CURRENT_FILES_SQL + " ORDER BY 1, 2, 3").fetchall():
        out.setdefault(d, []).append((b, f, s))
    return out


def refresh(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, str]]]:
    """(Re)write every cur_ table from the staged rows; returns dataset -> [(batch, file,
    sha)] of its latest batch."""
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    for name in DATASETS:
        table = current_view(name)
        if table in views:  # a file validated before the cur_ relations were tables
            con.execute(f"DROP VIEW {ident(table)}")
        body = _snapshot_sql(name) if name in SNAPSHOTS else _delta_sql(name)
        con.execute(f"CREATE OR REPLACE TABLE {ident(table)} AS {with_derived(name, body)}")
    return current_files(con)
