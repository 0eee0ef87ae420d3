"""The national database behind one small interface: DuckDB by default, a server later.

One table per promoted dataset (``nat_<dataset>``: birth, death, marriage, parcel,
certificate; population is the reference the checks use, never promoted), keyed by the
record's natural key columns themselves (NATIONAL_KEYS, ``key_parts``; no key string is
stored since national schema v2) and carrying its lineage back to province,
agency, batch, file, SHA-256 and source row, the run that promoted it and its version.
A key promoted again replaces its row; the replaced version moves to
``nat_<dataset>_history`` with the run that superseded it, so ``revert(run)`` can put it back.
``audit_log`` holds the gate's hash-chained entries (ddss.audit), written in the same
transaction as the promotion they record.

Every method that writes runs inside ``with store.transaction():``; leaving the block by an
exception (or the process dying) leaves the database as it was. Rows arrive as one Arrow
table per dataset or as ``ProvinceRows`` (one SELECT over the province file): the DuckDB
backend ATTACHes the province file read-only and moves them with one INSERT … SELECT (no
Python round trip); a server backend reads them out as Arrow. Bulk SQL only, never row by row.

A backend implements ``NationalStore`` (DuckDB: ddss.store.national_duckdb; PostgreSQL:
ddss.store.national_pg); ``tests/gate/conftest.py``'s ``national_store``
fixture lists the backends the gate's invariant tests run on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from ddss.sql import ident
from ddss.store.national_tables import (
    AUDIT_COLUMNS,
    PROMOTED_DATASETS,
    PROMOTIONS_TABLE,
    SUPERSEDED,
    history_table,
    key_parts,
    national_columns,
    national_table,
)

if TYPE_CHECKING:
    from ddss.settings import Settings

__all__ = [
    "NationalStore",
    "PromoteCounts",
    "ProvinceRows",
    "SqlNationalStore",
    "RevertBlocked",
    "open_national",
]


@dataclass(frozen=True)
class PromoteCounts:
    inserted: int  # keys new to the national database
    updated: int  # keys already there: new version current, old one in history
    unchanged: int = 0  # already current from the same file row (a dataset gated again unchanged)


@dataclass(frozen=True)
class ProvinceRows:
    """Rows to promote as one SELECT over a province file (``incoming_columns`` order):
    ``sql(catalog)`` names the province's tables with ``catalog`` ("" or "prov.") before them;
    ``params`` are named (``$name``). Read only: the gate has closed its writer."""

    path: Path
    sql: Callable[[str], str]
    params: dict[str, Any]
    config: dict[str, str] | None = None
    # The gate's open province connection (``NationalStore.province_session``): read through it,
    # since a second connection to a file open for writing in this process is refused.
    con: Any = None

    def arrow(self) -> pa.Table:
        from ddss.store.province import connect_readonly

        if self.con is not None:
            return self.con.sql(self.sql(""), params=self.params).to_arrow_table()
        con = connect_readonly(self.path, self.config)
        try:
            return con.sql(self.sql(""), params=self.params).to_arrow_table()
        finally:
            con.close()


class RevertBlocked(RuntimeError):
    """A later gate replaced records of the run to revert; revert that one first."""


class NationalStore(ABC):
    """What the gate needs from a national database. Write methods require ``transaction()``."""

    @abstractmethod
    def transaction(self) -> Iterator[None]:
        """Context manager: everything inside commits together or not at all."""

    @contextmanager
    def province_session(self, path: Path, busy_timeout_s: float = 30.0, config: dict[str, str] | None = None) -> Iterator[Any]:
        """The province file's one read-write connection for a whole gate (schema ensured);
        the caller holds the province lock. Its own transactions never span the national
        one. This default is the province writer; a backend that can read the province file
        in its own connection (DuckDB) attaches it instead, so one gate opens it once."""
        from ddss.store.province import writer

        with writer(path, busy_timeout_s, config) as con:
            yield con

    @abstractmethod
    def promote(self, dataset: str, rows: pa.Table | ProvinceRows, run_id: str) -> PromoteCounts:
        """Upsert ``rows`` (``incoming_columns(dataset)``) as promoted by ``run_id``; a row already
        current from the same file row (same key, ``_file_sha256``, ``_source_row``) is left
        as it is (``unchanged``), so gating an unchanged file again makes no new versions."""

    @abstractmethod
    def revert(self, run_id: str) -> dict[str, tuple[int, int]]:
        """Undo ``run_id``'s promotions: per dataset (rows removed, previous versions restored)."""

    @abstractmethod
    def current(self, dataset: str) -> pl.DataFrame:
        """The current rows of a dataset, with ``_key`` first: the key as a readable string
        (``key_string``, computed when read, not stored)."""

    @abstractmethod
    def history(self, dataset: str) -> pl.DataFrame:
        """The superseded versions of a dataset (``_key`` first, as in ``current``)."""

    @abstractmethod
    def promoted_by(self, dataset: str, run_id: str) -> int:
        """Current rows of ``dataset`` promoted by ``run_id``."""

    @abstractmethod
    def duplicate_keys(self, dataset: str) -> int:
        """Keys with more than one current row (the invariant says 0)."""

    def invariant_counts(self, dataset: str, run_id: str) -> tuple[int, int]:
        """(current rows promoted by ``run_id``, current rows beyond one per key): what the
        gate's invariants read, in one pass where the backend can."""
        return self.promoted_by(dataset, run_id), self.duplicate_keys(dataset)

    def invariant_counts_all(self, datasets: list[str], run_id: str) -> dict[str, tuple[int, int]]:
        """``invariant_counts`` per dataset of ``datasets``; in one statement where the backend can."""
        return {d: self.invariant_counts(d, run_id) for d in datasets}

    @abstractmethod
    def append_audit(self, entry: dict) -> None:
        """Append one audit row (AUDIT_COLUMNS); never update or delete."""

    @abstractmethod
    def audit_rows(self, province: str | None = None, kinds: tuple[str, ...] = (), run_id: str | None = None) -> list[dict]:
        """Audit rows by ``seq``: every one, or those of a province, of some kinds, of a run."""

    @abstractmethod
    def close(self) -> None: ...

    def last_audit(self) -> dict | None:
        rows = self.audit_rows()
        return rows[-1] if rows else None

    def __enter__(self) -> NationalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SqlNationalStore(NationalStore):
    """What every SQL backend writes the same way; a backend gives ``con`` (a connection
    whose ``execute`` returns a cursor-like object), ``PARAM`` (its placeholder) and
    ``_need_tx`` (refuse a write outside ``transaction``)."""

    PARAM = "?"
    con: Any

    def _promotion_id(self, run_id: str) -> int:
        """The run's promotion id, -1 when it promoted nothing (bound, not a subquery: the
        invariants' scans then compare with a constant)."""
        rows = self.con.execute(f"SELECT promotion FROM {PROMOTIONS_TABLE} WHERE run_id = {self.PARAM}", [run_id]).fetchall()  # noqa: S608
        return int(rows[0][0]) if rows else -1

    def _promotion(self, run_id: str, now: object) -> int:
        """The run's promotion id (``nat_promotions``), made at its first promote."""
        q = self.PARAM
        for _ in range(2):
            if (promotion := self._promotion_id(run_id)) >= 0:
                return promotion
            self._changed(
                self.con.execute(
                    f"INSERT INTO {PROMOTIONS_TABLE} (promotion, run_id, promoted_at)"  # noqa: S608 - fixed name
                    f" SELECT coalesce(max(promotion), 0) + 1, {q}, {q} FROM {PROMOTIONS_TABLE}",
                    [run_id, now],
                )
            )
        raise RuntimeError(f"no promotion recorded for {run_id}")

    def _history_insert(self, dataset: str) -> str:
        """INSERT INTO the history table … SELECT of a current row ``n`` and its two superseded
        values (placeholders), by column name: a file migrated in place orders its columns otherwise."""
        names = [n for n, _ in national_columns(dataset)]
        cols = ", ".join(ident(n) for n in [*names, *(n for n, _ in SUPERSEDED)])
        return (
            f"INSERT INTO {ident(history_table(dataset))} ({cols}) "  # noqa: S608 - identifiers only
            f"SELECT {', '.join('n.' + ident(n) for n in names)}, {self.PARAM}, {self.PARAM}"
        )

    def _key_hash(self, dataset: str) -> str:
        """An expression equal for equal keys, counted distinct first by the invariants (a
        backend with a cheap hash of several values returns that)."""
        return f"ROW({', '.join(key_parts(dataset))})"

    def _surplus(self, dataset: str) -> int:
        """Current rows beyond one per key, counted exactly (NULL parts grouped together)."""
        table, parts = ident(national_table(dataset)), ", ".join(key_parts(dataset))
        sql = f"SELECT (SELECT count(*) FROM {table}) - (SELECT count(*) FROM (SELECT DISTINCT {parts} FROM {table}) d)"  # noqa: S608
        return int(self.con.execute(sql).fetchall()[0][0])

    @abstractmethod
    def _need_tx(self) -> None: ...

    @abstractmethod
    def _changed(self, cursor: Any) -> int:
        """Rows an INSERT or DELETE changed, as the driver reports it."""

    def revert(self, run_id: str) -> dict[str, tuple[int, int]]:
        self._need_tx()
        q = self.PARAM
        promotion = self._promotion_id(run_id)  # -1 (no row) when the run promoted nothing
        later: set[str] = set()
        for d in PROMOTED_DATASETS:
            sql = f"SELECT DISTINCT _superseded_by FROM {ident(history_table(d))} WHERE _promotion = {q}"  # noqa: S608
            later |= {r[0] for r in self.con.execute(sql, [promotion]).fetchall()}
        if later:
            shown = ", ".join(sorted(later))
            raise RevertBlocked(
                f"Không hoàn tác được lượt {run_id}: các lượt sau đã thay bản ghi của nó ({shown}); hãy hoàn tác các lượt đó"
                f" trước. / Cannot revert {run_id}: later runs replaced its records ({shown}); revert them first."
            )
        out = {}
        for d in PROMOTED_DATASETS:
            nat, hist = ident(national_table(d)), ident(history_table(d))
            cols = ", ".join(ident(n) for n, _ in national_columns(d))
            removed = self._changed(self.con.execute(f"DELETE FROM {nat} WHERE _promotion = {q}", [promotion]))  # noqa: S608
            restored = self._changed(
                self.con.execute(f"INSERT INTO {nat} ({cols}) SELECT {cols} FROM {hist} WHERE _superseded_by = {q}", [run_id])  # noqa: S608
            )
            self.con.execute(f"DELETE FROM {hist} WHERE _superseded_by = {q}", [run_id])  # noqa: S608
            out[d] = (removed, restored)
        # No row refers to the run's promotion any more (a later run's history would have blocked the revert).
        self.con.execute(f"DELETE FROM {PROMOTIONS_TABLE} WHERE run_id = {q}", [run_id])  # noqa: S608
        return out

    def promoted_by(self, dataset: str, run_id: str) -> int:
        sql = f"SELECT count(*) FROM {ident(national_table(dataset))} WHERE _promotion = {self.PARAM}"  # noqa: S608
        return int(self.con.execute(sql, [self._promotion_id(run_id)]).fetchall()[0][0])

    def duplicate_keys(self, dataset: str) -> int:
        parts = ", ".join(key_parts(dataset))
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {ident(national_table(dataset))} GROUP BY {parts} HAVING count(*) > 1) d"  # noqa: S608
        return int(self.con.execute(sql).fetchall()[0][0])

    def invariant_counts(self, dataset: str, run_id: str) -> tuple[int, int]:
        return self.invariant_counts_all([dataset], run_id)[dataset]

    def invariant_counts_all(self, datasets: list[str], run_id: str) -> dict[str, tuple[int, int]]:
        """``invariant_counts`` of several datasets in one statement (one round trip, one
        plan; the gate's invariants). Distinct hashes of the keys first (cheaper than the key
        columns): as many hashes as rows proves every key distinct; fewer (a repeated key, or a
        hash collision) is counted exactly."""
        if not datasets:
            return {}
        q = self.PARAM
        parts = [
            f"SELECT {i} AS k, count(*) FILTER (WHERE _promotion = {q}), count(*) - count(DISTINCT {self._key_hash(d)})"  # noqa: S608
            f" FROM {ident(national_table(d))}"
            for i, d in enumerate(datasets)
        ]
        rows = self.con.execute(" UNION ALL ".join(parts), [self._promotion_id(run_id)] * len(datasets)).fetchall()
        out = {}
        for k, promoted, surplus in rows:
            d = datasets[int(k)]
            out[d] = (int(promoted), self._surplus(d) if surplus else 0)
        return out

    def append_audit(self, entry: dict) -> None:
        self._need_tx()
        names = [n for n, _ in AUDIT_COLUMNS]
        self.con.execute(
            f"INSERT INTO audit_log ({', '.join(ident(n) for n in names)}) VALUES ({', '.join([self.PARAM] * len(names))})",  # noqa: S608
            [entry[n] for n in names],
        )

    def audit_rows(self, province: str | None = None, kinds: tuple[str, ...] = (), run_id: str | None = None) -> list[dict]:
        # Filtered in SQL: a gate reads its province's few entries, not the whole national chain.
        names, q = [n for n, _ in AUDIT_COLUMNS], self.PARAM
        where, params = ["TRUE"], []
        for column, value in (("province", province), ("run_id", run_id)):
            if value is not None:
                where.append(f"{column} = {q}")
                params.append(value)
        if kinds:
            where.append(f"kind IN ({', '.join([q] * len(kinds))})")
            params += list(kinds)
        sql = f"SELECT {', '.join(ident(n) for n in names)} FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq"  # noqa: S608
        return [dict(zip(names, r, strict=True)) for r in self.con.execute(sql, params).fetchall()]

    def last_audit(self) -> dict | None:
        names = [n for n, _ in AUDIT_COLUMNS]
        sql = f"SELECT {', '.join(ident(n) for n in names)} FROM audit_log ORDER BY seq DESC LIMIT 1"  # noqa: S608
        rows = self.con.execute(sql).fetchall()
        return dict(zip(names, rows[0], strict=True)) if rows else None

    def close(self) -> None:
        self.con.close()


def open_national(settings: Settings) -> NationalStore:
    """The national store a run is configured for: ``[tool.ddss] national_db`` (default
    ``<data_dir>/national.duckdb``), or PostgreSQL when ``national_dsn`` is set (provinces
    gating from separate machines into one server; ddss.store.national_pg)."""
    if settings.national_dsn:
        from ddss.store.national_pg import PostgresNationalStore

        return PostgresNationalStore(settings.national_dsn, settings.national_password)
    from ddss.store.national_duckdb import DuckDBNationalStore

    path = settings.national_db or settings.data_dir / "national.duckdb"
    return DuckDBNationalStore(path, settings.duckdb_config(), settings.busy_timeout_s)
