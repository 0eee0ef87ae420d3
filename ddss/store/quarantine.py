"""Retention of quarantined raw rows (Decree 13/2023): the database side of ``ddss purge``.

A quarantined row keeps its finding (file, row, check, reason) so past runs stay
explainable; after the retention period only its raw text (the personal data) goes.
"""

from __future__ import annotations

import datetime as dt

import duckdb

__all__ = ["purge_raw_rows"]


def purge_raw_rows(con: duckdb.DuckDBPyConnection, before: dt.datetime) -> int:
    """Blank the raw text of rows quarantined before ``before``; returns how many."""
    con.execute("BEGIN TRANSACTION")
    (n,) = con.execute("SELECT count(*) FROM quarantine_rows WHERE loaded_at < ? AND raw_line IS NOT NULL", [before]).fetchone()
    con.execute("UPDATE quarantine_rows SET raw_line = NULL WHERE loaded_at < ? AND raw_line IS NOT NULL", [before])
    con.execute("COMMIT")
    if n:
        con.execute("CHECKPOINT")  # rewrite the blocks so the old text is not kept in the WAL
    return int(n)
