"""The national database as one DuckDB file (default ``data/national.duckdb``): the
``NationalStore`` backend ddss uses unless ``national_dsn`` names a PostgreSQL server.

Rows from a province arrive as ``ProvinceRows``: the province file is ATTACHed read-only for
the transaction and the rows move with one INSERT … SELECT, with no Python round trip.

The file is ATTACHed with a row-group size of ``ROW_GROUP_SIZE`` (half DuckDB's default) for
this connection's appends; why, in ``ROW_GROUP_SIZE``'s comment and docs/gate-speed.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from ddss.sql import ident, str_literal
from ddss.store.guard import check_file
from ddss.store.national import PromoteCounts, ProvinceRows, SqlNationalStore
from ddss.store.national_tables import (
    AUDIT_COLUMNS,
    PROMOTED_DATASETS,
    PROMOTIONS_COLUMNS,
    PROMOTIONS_TABLE,
    SUPERSEDED,
    history_table,
    incoming_columns,
    key_match,
    key_parts,
    key_string,
    national_columns,
    national_table,
)
from ddss.store.province import open_waiting, without_progress_bar

__all__ = ["PROVINCE_ROW_GROUP_SIZE", "ROW_GROUP_SIZE", "DuckDBNationalStore", "connect_national"]

# Rows per row group of what this store appends (DuckDB's default: 122 880). DuckDB's ordered
# batch insert takes one batch per source row group; a batch of at least a whole target row
# group is compressed and written by the thread that read it, a shorter one is kept and merged
# later, often on one thread after the scan (PhysicalBatchInsert::AddCollection/Finalize). The
# gate leaves a province's held rows (a few % of every staged row group) out, so with the
# default size every batch of the gate was short: 0.1-0.15 s more at 1 M persons, depending on
# the staged layout. With half the default, a batch is whole unless over half of its rows are
# held (docs/gate-speed.md, session 11). A connection option, not stored in the file: row
# groups already written keep their size, and a reader needs nothing.
ROW_GROUP_SIZE = 61_440
# Rows per row group of what a gate appends to the province file (holds: ~40 000 rows at 1 M
# persons). An append of at least one whole row group is written compressed at its commit
# (DuckDB's optimistic write; the WAL only names the blocks); a shorter one is written into the
# WAL row by row and compressed again by the checkpoint when the province is detached. Holds
# of 16 384 rows or more take the first path (0.17 -> 0.10 s at 1 M, docs/gate-speed.md).
PROVINCE_ROW_GROUP_SIZE = 16_384
_CATALOG = "_ddss_national"


def _ddl(table: str, columns: list[tuple[str, str]]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {ident(table)} ({', '.join(f'{ident(n)} {t}' for n, t in columns)})"


def _create(con: duckdb.DuckDBPyConnection) -> None:
    for d in PROMOTED_DATASETS:
        con.execute(_ddl(national_table(d), national_columns(d)))
        con.execute(_ddl(history_table(d), national_columns(d) + list(SUPERSEDED)))
    con.execute(_ddl(PROMOTIONS_TABLE, list(PROMOTIONS_COLUMNS)))
    con.execute(_ddl("audit_log", list(AUDIT_COLUMNS)))


def connect_national(path: Path, config: dict[str, str] | None = None, busy_timeout_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A read-write connection whose default catalog is the national file, ATTACHed with
    ``ROW_GROUP_SIZE`` (a row-group size can only be given to ATTACH, not to connect); waits
    while another process writes (then DatabaseBusy); a full disk or damaged file is named."""
    # An in-memory database would spill to ".tmp" in the current folder; a file's own
    # connection spills beside the file, so this one is told to as well.
    con = without_progress_bar(duckdb.connect(config={"temp_directory": f"{path}.tmp", **(config or {})}))
    try:
        attach = f"ATTACH {str_literal(str(path))} AS {_CATALOG} (ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        open_waiting(path, busy_timeout_s, lambda: con.execute(attach))
        con.execute(f"USE {_CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


class DuckDBNationalStore(SqlNationalStore):
    """The national database as one DuckDB file (default ``data/national.duckdb``)."""

    def _key_hash(self, dataset: str) -> str:
        return f"hash({', '.join(key_parts(dataset))})"

    def __init__(self, path: Path, config: dict[str, str] | None = None, busy_timeout_s: float = 30.0) -> None:
        from ddss.store import migrate

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect_national(self.path, config, busy_timeout_s)
        self._in_tx = False
        self._attached: Path | None = None
        self._session: Path | None = None  # attached read-write for a gate (province_session)
        try:
            migrate.migrate(self.con, "national", migrate.NATIONAL_STEPS, "audit_log", _create)
        except BaseException:
            self.con.close()  # else the file stays open in this process and the next store waits for it
            raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False
            if self._session is None:
                self._detach()  # the province file is free again for its writer

    @contextmanager
    def province_session(self, path: Path, busy_timeout_s: float = 30.0, config: dict[str, str] | None = None) -> Iterator[Any]:
        """The province file ATTACHed read-write to this connection for a whole gate; yields a
        cursor whose default catalog is the province (unqualified names are its tables, as on a
        writer's connection). Staging and confirming run as the cursor's own transactions,
        before and after the national one, exactly as with a separate writer (DuckDB writes one
        attached database per transaction); the national INSERT reads the same attachment.
        One open, one checkpoint per gate instead of a writer per step and a read-only ATTACH."""
        from ddss.store.province import ensure_schema

        path = Path(path)
        check_file(path, writer=True)
        self._detach()
        attach = f"ATTACH {str_literal(str(path))} AS _ddss_prov (ROW_GROUP_SIZE {PROVINCE_ROW_GROUP_SIZE})"
        open_waiting(path, busy_timeout_s, lambda: self.con.execute(attach))
        self._attached = self._session = path
        cur = without_progress_bar(self.con.cursor())
        try:
            cur.execute("USE _ddss_prov")
            ensure_schema(cur)
            yield cur
        finally:
            cur.close()
            self._session = None
            self._detach()

    def _need_tx(self) -> None:
        if not self._in_tx:
            raise RuntimeError("national store writes need `with store.transaction():`")

    def _attach(self, path: Path) -> str:
        """The province file ATTACHed read-only (until the transaction ends); its catalog prefix."""
        if self._attached != path:
            self._detach()
            self.con.execute(f"ATTACH {str_literal(str(path))} AS _ddss_prov (READ_ONLY)")
            self._attached = path
        return "_ddss_prov."

    def _detach(self) -> None:
        if self._attached is not None:
            self._attached = None
            self.con.execute("DETACH DATABASE IF EXISTS _ddss_prov")

    def promote(self, dataset: str, rows: pa.Table | ProvinceRows, run_id: str) -> PromoteCounts:
        self._need_tx()
        nat = ident(national_table(dataset))
        incoming = [n for n, _ in incoming_columns(dataset)]
        cols = ", ".join(ident(c) for c in incoming)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        same = key_match(dataset, "n", "i")
        promotion = self._promotion(run_id, now)
        fresh = not self.con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {nat} LIMIT 1) n").fetchall()[0][0]  # noqa: S608
        if isinstance(rows, ProvinceRows):
            select, params = f"({rows.sql(self._attach(rows.path))})", dict(rows.params)
        else:
            self.con.register("_ddss_arrow", rows.select(incoming))
            select, params = "_ddss_arrow", {}
        try:
            unchanged = updated = 0
            if fresh:  # an empty table: nothing to compare with, one INSERT … SELECT straight from the source
                source, version = select, "1"
            else:
                # A row already current from the very same file row is not promoted again (no new
                # version): only the others are read into a temporary table (once), and counted, each
                # with its key's current version (at most one current row per key: the invariant).
                total = self.con.execute(f"SELECT count(*) FROM {select} i", params).fetchall()[0][0]  # noqa: S608
                # (_version is never NULL in a national row: NULL means no current row of the key)
                changed = (
                    f"SELECT i.*, n._version AS _ddss_prev FROM {select} i LEFT JOIN {nat} n ON {same} "  # noqa: S608
                    "WHERE n._version IS NULL OR n._file_sha256 IS DISTINCT FROM i._file_sha256"
                    " OR n._source_row IS DISTINCT FROM i._source_row"
                )
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE _ddss_in AS {changed}", params)
                source, params = "_ddss_in", {}
                unchanged = total - self.con.execute("SELECT count(*) FROM _ddss_in").fetchall()[0][0]
                # Old versions of keys promoted again move to history, marked as superseded by this run.
                updated = self.con.execute(
                    f"{self._history_insert(dataset)} FROM {nat} n SEMI JOIN _ddss_in i ON {same}",  # noqa: S608
                    [run_id, now],
                ).fetchall()[0][0]
                if updated:
                    self.con.execute(f"DELETE FROM {nat} n USING _ddss_in i WHERE {same}")  # noqa: S608
                # The current version is a key's newest (revert restores the one before): the new one
                # is the one just moved to history plus one, read with the rows above.
                version = "coalesce(i._ddss_prev, 0) + 1"
            # No join in this SELECT: DuckDB's ordered batch insert writes compressed row groups as it
            # goes (with a join it falls back to an insert whose row groups the commit compresses again).
            inserted = self.con.execute(
                f"INSERT INTO {nat} ({cols}, _version, _promotion) "  # noqa: S608 - identifiers only
                f"SELECT {', '.join('i.' + ident(c) for c in incoming)}, {version}, $promotion FROM {source} i",
                {**params, "promotion": promotion},
            ).fetchall()[0][0]
        finally:
            self.con.execute("DROP TABLE IF EXISTS _ddss_in")
            if not isinstance(rows, ProvinceRows):
                self.con.unregister("_ddss_arrow")
        return PromoteCounts(int(inserted) - int(updated), int(updated), int(unchanged))

    def _changed(self, cursor: Any) -> int:
        # DuckDB answers an INSERT or DELETE with one row holding the count.
        return int(cursor.fetchall()[0][0])

    def _frame(self, dataset: str, table: str) -> pl.DataFrame:
        sql = (
            f"SELECT {key_string(dataset, 't')} AS _key, t.*, p.run_id AS _run_id, p.promoted_at AS _promoted_at "  # noqa: S608
            f"FROM {ident(table)} t LEFT JOIN {PROMOTIONS_TABLE} p ON p.promotion = t._promotion"
        )
        return pl.from_arrow(self.con.sql(sql).to_arrow_table())

    def current(self, dataset: str) -> pl.DataFrame:
        return self._frame(dataset, national_table(dataset))

    def history(self, dataset: str) -> pl.DataFrame:
        return self._frame(dataset, history_table(dataset))
