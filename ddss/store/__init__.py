"""The only package that writes databases.

``province``: one DuckDB file per province (staging, quarantine, findings, runs).
Further modules (the gate's tables, the national database behind one small interface)
live beside it; everything else in ddss reads through read-only connections.
"""

from ddss.store.guard import province_lock
from ddss.store.province import (
    DamagedDatabase,
    DatabaseBusy,
    connect_readonly,
    ensure_schema,
    fetch_frame,
    insert_frame,
    insert_rows,
    insert_select,
    without_progress_bar,
    write_findings,
    writer,
)
from ddss.store.quarantine import purge_raw_rows

__all__ = [
    "DamagedDatabase",
    "DatabaseBusy",
    "connect_readonly",
    "ensure_schema",
    "fetch_frame",
    "insert_frame",
    "insert_rows",
    "insert_select",
    "province_lock",
    "purge_raw_rows",
    "without_progress_bar",
    "write_findings",
    "writer",
]
