"""Findings of one run, filtered, sorted and paged, from its ``findings.parquet``.

The province database is never opened: a scheduled ingest holding it read-write is not
blocked, and the browser shows exactly what the run wrote. The first request for a run
copies its Parquet file into a table of one in-memory DuckDB connection (``warm`` does
it ahead of time); a run folder never changes once published, so the copy stays valid,
and the few most recent runs are kept. The default order is the file's own, which
``validate`` writes sorted by dataset, row and check; the table keeps it as ``rowid``.
Each query runs on its own cursor; filter values travel as bound parameters, the sort
column only from ``SORTABLE`` through ``ddss.sql.ident``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ddss.schema import DATASETS
from ddss.sql import ident, str_literal
from ddss.store import fetch_frame

__all__ = ["FILTERS", "SORTABLE", "FindingsQuery", "Page", "facets", "page", "run_dir", "select_all", "warm"]

FILTERS = ("agency", "dataset", "dimension", "severity", "check_id")
SORTABLE = ("dataset", "source_file", "source_row", "record_key", "check_id", "dimension", "severity", "value", "agency")
COLUMNS = ("agency", *SORTABLE[:-1], "message_vi")
MAX_SIZE = 1000
KEPT_RUNS = 3  # runs whose findings stay in memory (1 M findings ≈ 0.1-0.2 GB each)
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

_CON: list[duckdb.DuckDBPyConnection] = []  # one in-memory connection, made on first use
_LOCK = threading.Lock()
_TABLES: OrderedDict[tuple[str, int, int], tuple[str, dict]] = OrderedDict()  # file -> (table, facets)


@dataclass(frozen=True)
class FindingsQuery:
    filters: dict[str, str] = field(default_factory=dict)  # column -> exact value
    sort: str = "dataset"
    descending: bool = False
    page: int = 1
    size: int = 100

    def normalised(self) -> FindingsQuery:
        return FindingsQuery(
            {k: v for k, v in self.filters.items() if k in FILTERS and v},
            self.sort if self.sort in SORTABLE else "dataset",
            self.descending,
            max(1, self.page),
            min(max(1, self.size), MAX_SIZE),
        )


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    total: int  # rows matching the filters
    query: FindingsQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


def run_dir(reports_dir: Path, run_id: str) -> Path:
    """The run's folder; ``ValueError`` unless ``run_id`` is a plain name of a run with findings."""
    if not _RUN_ID.fullmatch(run_id) or ".." in run_id:
        raise ValueError(run_id)
    folder = reports_dir / run_id
    if not (folder / "findings.parquet").is_file():
        raise FileNotFoundError(run_id)
    return folder


def _connection() -> duckdb.DuckDBPyConnection:
    if not _CON:
        _CON.append(duckdb.connect(":memory:"))
    return _CON[0]


def _load(con: duckdb.DuckDBPyConnection, parquet: Path, table: str) -> dict[str, list[tuple[str, int]]]:
    """Copy the file into ``table`` (agency derived from the dataset when absent); its facets."""
    if "agency" in pl.read_parquet_schema(parquet):
        agency = "coalesce(agency, 'khac')"
    else:  # our own schema constants, not user data
        arms = " ".join(f"WHEN {str_literal(d)} THEN {str_literal(s.agency)}" for d, s in DATASETS.items())
        agency = f"CASE dataset {arms} ELSE 'khac' END"
    cols = ", ".join(ident(c) for c in COLUMNS if c != "agency")
    con.execute(  # insertion order is kept (DuckDB's default): rowid = position in the file
        f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT {agency} AS agency, {cols} FROM read_parquet(?)",  # noqa: S608
        [str(parquet)],
    )
    sets = ", ".join(f"({ident(c)})" for c in FILTERS)
    rows = con.execute(
        f"SELECT {', '.join(ident(c) for c in FILTERS)}, count(*) FROM {ident(table)} GROUP BY GROUPING SETS ({sets})"  # noqa: S608
    ).fetchall()
    out: dict[str, list[tuple[str, int]]] = {c: [] for c in FILTERS}
    for row in rows:
        for c, v in zip(FILTERS, row[:-1], strict=True):
            if v is not None:
                out[c].append((v, row[-1]))
    return {c: sorted(v) for c, v in out.items()}


def _table(parquet: Path) -> tuple[str, dict]:
    """The in-memory table of a run's findings (loaded on first use) and its facets."""
    st = parquet.stat()
    key = (str(parquet.resolve()), st.st_mtime_ns, st.st_size)
    with _LOCK:
        if key in _TABLES:
            _TABLES.move_to_end(key)
            return _TABLES[key]
        con = _connection()
        table = "f_" + hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        facets_of = _load(con, parquet, table)
        _TABLES[key] = (table, facets_of)
        while len(_TABLES) > KEPT_RUNS:
            old, _ = _TABLES.popitem(last=False)[1]
            con.execute(f"DROP TABLE IF EXISTS {ident(old)}")
        return _TABLES[key]


def _where(q: FindingsQuery) -> tuple[str, list]:
    if not q.filters:
        return "", []
    return " WHERE " + " AND ".join(f"{ident(k)} = ?" for k in q.filters), list(q.filters.values())


def _order(q: FindingsQuery) -> str:
    direction = "DESC" if q.descending else "ASC"
    if q.sort == "dataset":  # the default order: the file's
        return f"rowid {direction}"
    return f"{ident(q.sort)} {direction} NULLS LAST, rowid"


def page(parquet: Path, query: FindingsQuery) -> Page:
    q = query.normalised()
    table, _ = _table(parquet)
    where, params = _where(q)
    offset = (q.page - 1) * q.size
    cur = _connection().cursor()
    try:
        total = cur.execute(f"SELECT count(*) FROM {ident(table)}{where}", params).fetchone()[0]  # noqa: S608
        if not q.filters and q.sort == "dataset" and not q.descending:  # a range of rowid: no sort at all
            sql = f"SELECT * FROM {ident(table)} WHERE rowid >= ? AND rowid < ? ORDER BY rowid"  # noqa: S608
            result = cur.execute(sql, [offset, offset + q.size])
        elif q.sort == "dataset":  # the file's order: a top-N over rowid
            sql = f"SELECT * FROM {ident(table)}{where} ORDER BY {_order(q)} LIMIT ? OFFSET ?"  # noqa: S608
            result = cur.execute(sql, [*params, q.size, offset])
        else:  # sort only the row ids and the sort column, then fetch the page's rows (a third of the time at 1 M)
            order = _order(q)
            sql = (
                f"SELECT * FROM {ident(table)} WHERE rowid IN "  # noqa: S608
                f"(SELECT rowid FROM {ident(table)}{where} ORDER BY {order} LIMIT ? OFFSET ?) ORDER BY {order}"
            )
            result = cur.execute(sql, [*params, q.size, offset])
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    finally:
        cur.close()
    return Page(rows, total, q)


def select_all(parquet: Path, query: FindingsQuery) -> pl.DataFrame:
    """Every row matching the filters, in the page's order (the download)."""
    q = query.normalised()
    table, _ = _table(parquet)
    where, params = _where(q)
    cur = _connection().cursor()
    try:
        return fetch_frame(cur, f"SELECT * FROM {ident(table)}{where} ORDER BY {_order(q)}", params)  # noqa: S608
    finally:
        cur.close()


def facets(parquet: Path) -> dict[str, list[tuple[str, int]]]:
    """Distinct values (with counts) of every filter column, for the filter menus."""
    return _table(parquet)[1]


def warm(parquet: Path) -> None:
    """Load a run's findings ahead of its first request (the server does it for the newest run)."""
    _table(parquet)
