"""Province files: schema, one writer at a time, read-only readers.

One file per province (Settings.province_db). DuckDB allows one read-write process per
file; a second writer retries until ``busy_timeout_s`` and then fails with a clear
message instead of corrupting anything. Every load is one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from ddss.schema import DATASETS, DUCKDB_TYPES, LINEAGE, staging_table
from ddss.sql import ident
from ddss.storage_errors import StorageError, storage_error
from ddss.store.guard import DamagedDatabase, DatabaseBusy, check_file, province_lock

__all__ = [
    "DamagedDatabase",
    "DatabaseBusy",
    "connect_readonly",
    "connect_writable",
    "ensure_schema",
    "fetch_frame",
    "insert_frame",
    "insert_rows",
    "insert_select",
    "open_waiting",
    "without_progress_bar",
    "write_findings",
    "writer",
]


BATCHES_DDL = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id VARCHAR, province VARCHAR, agency VARCHAR, dataset VARCHAR, source_file VARCHAR,
    file_sha256 VARCHAR, file_bytes BIGINT, encoding VARCHAR, file_format VARCHAR,
    rows_read BIGINT, rows_staged BIGINT, rows_quarantined BIGINT, balanced BOOLEAN,
    status VARCHAR, reason_vi VARCHAR, reason_en VARCHAR, loaded_at TIMESTAMP
)"""
QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine_rows (
    batch_id VARCHAR, dataset VARCHAR, source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,
    check_id VARCHAR, column_name VARCHAR, reason_vi VARCHAR, reason_en VARCHAR, raw_line VARCHAR,
    loaded_at TIMESTAMP
)"""
# What an ingest run noticed beyond its files' rows: manifest differences, workbook sheets
# that match no dataset (kind: manifest_missing, manifest_rows, manifest_sha256,
# manifest_unlisted, manifest_unreadable, sheet_unmatched).
BATCH_NOTES_DDL = """
CREATE TABLE IF NOT EXISTS batch_notes (
    batch_id VARCHAR, province VARCHAR, source_file VARCHAR, kind VARCHAR, reason_vi VARCHAR, reason_en VARCHAR,
    noted_at TIMESTAMP
)"""
FINDINGS_DDL = """
CREATE TABLE IF NOT EXISTS findings (
    run_id VARCHAR, dataset VARCHAR, source_file VARCHAR, source_row BIGINT, record_key VARCHAR,
    check_id VARCHAR, dimension VARCHAR, severity VARCHAR, value VARCHAR, message_vi VARCHAR,
    agency VARCHAR, batch_id VARCHAR
)"""
RUNS_DDL = """
CREATE TABLE IF NOT EXISTS validation_runs (
    run_id VARCHAR, province VARCHAR, as_of DATE, started_at TIMESTAMP, finished_at TIMESTAMP,
    checks BIGINT, findings BIGINT, counts_agree BOOLEAN, gx_results_path VARCHAR
)"""


def _staging_ddl(name: str) -> str:
    cols = [f"{ident(c.name)} {DUCKDB_TYPES[c.dtype]}" for c in DATASETS[name].columns]
    cols += [f"{ident(n)} {t}" for n, t in LINEAGE]
    return f"CREATE TABLE IF NOT EXISTS {ident(staging_table(name))} ({', '.join(cols)})"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create a new file's tables or migrate an older file in place (ddss.store.migrate)."""
    from ddss.store import migrate

    migrate.migrate(con, "province", migrate.PROVINCE_STEPS, "batches", _create_tables)


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    from ddss.store.gate import ensure_gate_schema

    for ddl in (BATCHES_DDL, QUARANTINE_DDL, BATCH_NOTES_DDL, FINDINGS_DDL, RUNS_DDL, *(_staging_ddl(n) for n in DATASETS)):
        con.execute(ddl)
    ensure_gate_schema(con)


@contextmanager
def writer(path: Path, busy_timeout_s: float = 30.0, config: dict[str, str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one read-write connection to a province file, schema ensured. ``config``: DuckDB
    options for the connection (Settings.duckdb_config: memory limit, threads). Holds the
    province lock (store.guard) and refuses a damaged file before writing anything."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise (storage_error(e, path.parent) or StorageError(path.parent, e)) from None
    with province_lock(path, busy_timeout_s):
        check_file(path, writer=True)
        con = _connect(path, busy_timeout_s, config, read_only=False)
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()


def connect_readonly(path: Path, config: dict[str, str] | None = None, busy_timeout_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection; waits while another process writes (then DatabaseBusy)."""
    check_file(Path(path))
    return _connect(Path(path), busy_timeout_s, config, read_only=True)


def connect_writable(path: Path, config: dict[str, str] | None = None, busy_timeout_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A read-write connection without the province lock (the national DuckDB file): waits
    while another process writes (then DatabaseBusy); a full disk or damaged file is named."""
    return _connect(Path(path), busy_timeout_s, config, read_only=False)


T = TypeVar("T")
_DAMAGED = ("corrupt", "checksum", "not a valid duckdb", "invalid database", "unable to read", "failed to read")


def _connect(path: Path, busy_timeout_s: float, config: dict[str, str] | None, read_only: bool) -> duckdb.DuckDBPyConnection:
    return open_waiting(
        path, busy_timeout_s, lambda: without_progress_bar(duckdb.connect(str(path), read_only=read_only, config=config or {}))
    )


def open_waiting(path: Path, busy_timeout_s: float, open_file: Callable[[], T]) -> T:
    """``open_file()`` (a connect or an ATTACH of ``path``), retried while another process
    holds the file, then DatabaseBusy; a full disk or a damaged file is named as such."""
    deadline = time.monotonic() + busy_timeout_s
    while True:
        try:
            return open_file()
        except duckdb.Error as e:
            text = str(e).lower()
            # (another database of this process has the file open: the national store ATTACHes
            # it, and DuckDB shares no attached file between databases; a writer, so wait too —
            # also when it is this very thread's, which then ends in DatabaseBusy after the wait)
            if "lock" not in text and "unique file handle conflict" not in text:
                if (storage := storage_error(e, path.parent)) is not None:
                    raise storage from None
                if any(w in text for w in _DAMAGED):
                    raise DamagedDatabase(path, "DuckDB không mở được tệp", f"DuckDB cannot open it ({e})") from None
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"Cơ sở dữ liệu {path.name} đang được một tiến trình khác ghi; đã chờ {busy_timeout_s:.0f} giây. "
                    f"Hãy chạy lại sau. / Database {path.name} is locked by another writer; waited {busy_timeout_s:.0f} s."
                ) from None
            time.sleep(0.2)


def without_progress_bar(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The connection, with DuckDB's progress bar off. DuckDB draws it on standard output for
    any query over 2 s, even when output is a file or a pipe: it ran into the CLI's own
    progress display and into the JSON lines bench/scale.py reads. A connection setting, not
    a database option, so it cannot go into ``Settings.duckdb_config`` (and GX's connections
    must keep exactly that configuration, see ``gx_run.reader_beside_gx``)."""
    con.execute("SET enable_progress_bar = false")
    return con


def fetch_frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    """A query's result as a polars frame, through Arrow."""
    return pl.from_arrow(con.sql(query, params=params or None).to_arrow_table())


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> None:
    """Append a polars frame by column name (through Arrow, no per-row Python)."""
    if df.is_empty():
        return
    con.register("_ddss_frame", df.to_arrow())
    try:
        cols = ", ".join(ident(c) for c in df.columns)
        con.execute(f"INSERT INTO {ident(table)} ({cols}) SELECT {cols} FROM _ddss_frame")  # noqa: S608 - identifiers only
    finally:
        con.unregister("_ddss_frame")


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[tuple | list]) -> None:
    """Append a few rows given as Python values (bound parameters), by column name."""
    if rows:
        cols = ", ".join(ident(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        con.executemany(f"INSERT INTO {ident(table)} ({cols}) VALUES ({marks})", [list(r) for r in rows])  # noqa: S608 - identifiers only


def insert_select(
    con: duckdb.DuckDBPyConnection, table: str, source: str, columns: dict[str, str], constants: dict[str, object]
) -> None:
    """Append ``source`` to ``table``: ``columns`` maps target to source column, ``constants``
    (bound parameters) fill the rest, e.g. the lineage every row of a file shares."""
    targets = [*columns, *constants]
    values = [ident(c) for c in columns.values()] + ["?"] * len(constants)
    # Rows carry their order (_source_row); not keeping it lets DuckDB filter and write on
    # every thread (measured: 1 M rows 0.72 s -> 0.46 s).
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(
            f"INSERT INTO {ident(table)} ({', '.join(ident(c) for c in targets)}) "  # noqa: S608 - identifiers only
            f"SELECT {', '.join(values)} FROM {ident(source)}",
            list(constants.values()),
        )
    finally:
        con.execute("RESET preserve_insertion_order")


def write_findings(con: duckdb.DuckDBPyConnection, run_id: str, findings: pl.DataFrame) -> None:
    con.execute("DELETE FROM findings WHERE run_id = ?", [run_id])
    insert_frame(con, "findings", findings.with_columns(pl.lit(run_id).alias("run_id")))
