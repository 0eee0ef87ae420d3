"""The national database on a PostgreSQL server: provinces gating from separate machines into one.

Same tables, columns and semantics as ``DuckDBNationalStore`` (``nat_<dataset>``, its
``_history`` and the hash-chained ``audit_log``), so the gate's invariant and resubmission
tests run unchanged on both. Rows arrive as Arrow (``ProvinceRows`` are read out of the
province file first) and go in with ``COPY … FROM STDIN``
(CSV written by Arrow, in bulk) into a temporary table, then set-based SQL moves them.

Concurrency: every transaction first takes one transaction-scoped advisory lock, so gates
from several machines are serialised (the audit chain needs one writer at a time; a gate
is short next to validation). The DSN comes from ``[tool.ddss] national_dsn`` and never
holds the password: that is read when a command starts (``Settings.national_password``,
from ``DDSS_NATIONAL_PASSWORD`` or ``national_password_file`` outside the repository).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv

from ddss.sql import ident
from ddss.store.migrate import national_v2
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

__all__ = ["SCHEMA_VERSION", "PostgresNationalStore"]

SCHEMA_VERSION = 2  # 2: rows keyed by their key columns, run constants in nat_promotions (ddss.store.migrate.national_v2)
_LOCK_KEY = 0x64647373  # "ddss": one advisory lock for every gate writing this database
_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}
_PL_TYPES = {
    "VARCHAR": pl.String,
    "BIGINT": pl.Int64,
    "INTEGER": pl.Int32,
    "DOUBLE": pl.Float64,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"),
}


def _ddl(table: str, columns: list[tuple[str, str]]) -> str:
    cols = ", ".join(f"{ident(n)} {_PG_TYPES[t]}" for n, t in columns)
    return f"CREATE TABLE IF NOT EXISTS {ident(table)} ({cols})"


class PostgresNationalStore(SqlNationalStore):
    PARAM = "%s"

    def __init__(self, dsn: str, password: str | None = None, connect_timeout_s: float = 10.0) -> None:
        import psycopg

        self.con = psycopg.connect(dsn, password=password, connect_timeout=int(connect_timeout_s), autocommit=True)
        self._tx = None
        self._create()

    def _create(self) -> None:
        with self.con.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])  # two first gates racing to create
            self.con.execute("CREATE TABLE IF NOT EXISTS ddss_schema (kind text PRIMARY KEY, version integer)")
            row = self.con.execute("SELECT version FROM ddss_schema WHERE kind = 'national'").fetchone()
            found = row[0] if row else SCHEMA_VERSION
            if found > SCHEMA_VERSION:
                raise RuntimeError(
                    f"CSDL quốc gia có phiên bản lược đồ {found}, mới hơn bản ddss này ({SCHEMA_VERSION}); hãy nâng cấp ddss."
                    f" / national schema version {found} is newer than this ddss ({SCHEMA_VERSION})."
                )
            for d in PROMOTED_DATASETS:
                self.con.execute(_ddl(national_table(d), national_columns(d)))
                self.con.execute(_ddl(history_table(d), national_columns(d) + list(SUPERSEDED)))
            self.con.execute(_ddl(PROMOTIONS_TABLE, list(PROMOTIONS_COLUMNS)))
            if found < 2:  # v1: a _key string, run id and time in every row (their indexes go with them)
                national_v2(self.con, "%s")
            for d in PROMOTED_DATASETS:
                nat, hist = national_table(d), history_table(d)
                # lookups by key and by run are what promote, revert and the invariant do
                keys = ", ".join(f"({p})" for p in key_parts(d))
                self.con.execute(f"CREATE INDEX IF NOT EXISTS {ident(nat + '_nk')} ON {ident(nat)} ({keys})")
                self.con.execute(f"CREATE INDEX IF NOT EXISTS {ident(nat + '_promotion')} ON {ident(nat)} (_promotion)")
                self.con.execute(f"CREATE INDEX IF NOT EXISTS {ident(hist + '_nk')} ON {ident(hist)} ({keys})")
                self.con.execute(f"CREATE INDEX IF NOT EXISTS {ident(hist + '_by')} ON {ident(hist)} (_superseded_by)")
            self.con.execute(_ddl("audit_log", list(AUDIT_COLUMNS)))
            self.con.execute(
                "INSERT INTO ddss_schema VALUES ('national', %s) ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version",
                [SCHEMA_VERSION],
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction() as tx:
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            self._tx = tx
            try:
                yield
            finally:
                self._tx = None

    def _need_tx(self) -> None:
        if self._tx is None:
            raise RuntimeError("national store writes need `with store.transaction():`")

    def _copy_in(self, dataset: str, rows: pa.Table) -> None:
        """``rows`` into the temporary ``_ddss_in`` (dropped at commit) through COPY."""
        cols = incoming_columns(dataset)
        self.con.execute(
            f"CREATE TEMP TABLE _ddss_in ({', '.join(f'{ident(n)} {_PG_TYPES[t]}' for n, t in cols)}) ON COMMIT DROP"
        )
        buf = io.BytesIO()
        # all_valid quotes every value: "" is an empty string, a bare empty field is NULL
        pa_csv.write_csv(
            rows.select([n for n, _ in cols]), buf, pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")
        )
        names = ", ".join(ident(n) for n, _ in cols)
        with self.con.cursor().copy(f"COPY _ddss_in ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            view = buf.getbuffer()
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start : start + (1 << 20)])
        self.con.execute("ANALYZE _ddss_in")

    def promote(self, dataset: str, rows: pa.Table | ProvinceRows, run_id: str) -> PromoteCounts:
        self._need_tx()
        if isinstance(rows, ProvinceRows):  # the server cannot read the province file: rows travel as Arrow
            rows = rows.arrow()
        nat, hist = ident(national_table(dataset)), ident(history_table(dataset))
        incoming = [n for n, _ in incoming_columns(dataset)]
        cols = ", ".join(ident(c) for c in incoming)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        same = key_match(dataset, "n", "i")
        promotion = self._promotion(run_id, now)
        self._copy_in(dataset, rows)
        try:
            # A row already current from the very same file row is not promoted again (no new version).
            unchanged = self.con.execute(
                f"DELETE FROM _ddss_in i USING {nat} n "  # noqa: S608 - identifiers only
                f"WHERE {same} AND n._file_sha256 = i._file_sha256 AND n._source_row = i._source_row"
            ).rowcount
            # Old versions of keys promoted again move to history, marked as superseded by this run.
            updated = self.con.execute(
                f"{self._history_insert(dataset)} FROM {nat} n WHERE EXISTS (SELECT 1 FROM _ddss_in i WHERE {same})",  # noqa: S608
                [run_id, now],
            ).rowcount
            if updated:
                self.con.execute(f"DELETE FROM {nat} n USING _ddss_in i WHERE {same}")  # noqa: S608
                in_hist = key_match(dataset, "h", "i")
                version = f"coalesce((SELECT max(h._version) FROM {hist} h WHERE {in_hist}), 0) + 1"  # noqa: S608 - identifiers only
            else:
                version = "1"
            inserted = self.con.execute(
                f"INSERT INTO {nat} ({cols}, _version, _promotion) "  # noqa: S608 - identifiers only
                f"SELECT {', '.join('i.' + ident(c) for c in incoming)}, {version}, %s FROM _ddss_in i",
                [promotion],
            ).rowcount
        finally:
            self.con.execute("DROP TABLE IF EXISTS _ddss_in")
        return PromoteCounts(int(inserted) - int(updated), int(updated), int(unchanged))

    def _changed(self, cursor) -> int:
        return int(cursor.rowcount)

    def _frame(self, dataset: str, table: str, columns: list[tuple[str, str]]) -> pl.DataFrame:
        names = ", ".join(f"t.{ident(n)}" for n, _ in columns)
        rows = self.con.execute(
            f"SELECT {key_string(dataset, 't')}, {names}, p.run_id, p.promoted_at FROM {ident(table)} t "  # noqa: S608
            f"LEFT JOIN {PROMOTIONS_TABLE} p ON p.promotion = t._promotion"
        ).fetchall()
        schema = [("_key", "VARCHAR"), *columns, ("_run_id", "VARCHAR"), ("_promoted_at", "TIMESTAMP")]
        return pl.DataFrame(rows, schema={n: _PL_TYPES[t] for n, t in schema}, orient="row")

    def current(self, dataset: str) -> pl.DataFrame:
        return self._frame(dataset, national_table(dataset), national_columns(dataset))

    def history(self, dataset: str) -> pl.DataFrame:
        return self._frame(dataset, history_table(dataset), national_columns(dataset) + list(SUPERSEDED))
