"""Findings of one run, filtered, sorted and paged, straight from its ``findings.parquet``.

The province database is never opened: a scheduled ingest holding it read-write is not
blocked, and the browser shows exactly what the run wrote. Each query runs on its own
cursor of one in-memory DuckDB connection; filter values travel as bound parameters,
the sort column only from ``SORTABLE`` through ``ddss.sql.ident``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from ddss.schema import DATASETS
from ddss.sql import ident, str_literal
from ddss.store import fetch_frame

__all__ = ["FILTERS", "SORTABLE", "FindingsQuery", "Page", "facets", "page", "run_dir", "select_all"]

FILTERS = ("agency", "dataset", "dimension", "severity", "check_id")
SORTABLE = ("dataset", "source_file", "source_row", "record_key", "check_id", "dimension", "severity", "value", "agency")
COLUMNS = ("agency", *SORTABLE[:-1], "message_vi")
MAX_SIZE = 1000
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

_CON: list[duckdb.DuckDBPyConnection] = []  # one in-memory connection, made on first use
_LOCK = threading.Lock()


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


def _cursor() -> duckdb.DuckDBPyConnection:
    with _LOCK:
        if not _CON:
            _CON.append(duckdb.connect(":memory:"))
        return _CON[0].cursor()


def _source(parquet: Path, has_agency: bool) -> tuple[str, list]:
    """The run's findings as a subquery; ``agency`` derived from the dataset when absent."""
    if has_agency:
        agency = "coalesce(agency, 'khac')"
    else:  # our own schema constants, not user data
        arms = " ".join(f"WHEN {str_literal(d)} THEN {str_literal(s.agency)}" for d, s in DATASETS.items())
        agency = f"CASE dataset {arms} ELSE 'khac' END"
    cols = ", ".join(ident(c) for c in COLUMNS if c != "agency")
    return f"(SELECT {agency} AS agency, {cols} FROM read_parquet(?))", [str(parquet)]  # noqa: S608


@lru_cache(maxsize=64)
def _has_agency(parquet: str, _mtime: float) -> bool:
    return "agency" in pl.read_parquet_schema(parquet)


def _where(q: FindingsQuery) -> tuple[str, list]:
    if not q.filters:
        return "", []
    return " WHERE " + " AND ".join(f"{ident(k)} = ?" for k in q.filters), list(q.filters.values())


def _prepared(parquet: Path, q: FindingsQuery) -> tuple[str, list]:
    src, params = _source(parquet, _has_agency(str(parquet), parquet.stat().st_mtime))
    where, wparams = _where(q)
    return f"{src}{where}", params + wparams


def page(parquet: Path, query: FindingsQuery) -> Page:
    q = query.normalised()
    body, params = _prepared(parquet, q)
    direction = "DESC" if q.descending else "ASC"
    order = f"{ident(q.sort)} {direction} NULLS LAST, dataset, source_row, check_id"
    cur = _cursor()
    try:
        total = cur.execute(f"SELECT count(*) FROM {body}", params).fetchone()[0]  # noqa: S608 - see module doc
        result = cur.execute(
            f"SELECT * FROM {body} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
            [*params, q.size, (q.page - 1) * q.size],
        )
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    finally:
        cur.close()
    return Page(rows, total, q)


def select_all(parquet: Path, query: FindingsQuery) -> pl.DataFrame:
    """Every row matching the filters, in the page's order (the download)."""
    q = query.normalised()
    body, params = _prepared(parquet, q)
    direction = "DESC" if q.descending else "ASC"
    cur = _cursor()
    try:
        sql = f"SELECT * FROM {body} ORDER BY {ident(q.sort)} {direction} NULLS LAST, dataset, source_row, check_id"  # noqa: S608
        return fetch_frame(cur, sql, params)
    finally:
        cur.close()


@lru_cache(maxsize=32)
def _facets(parquet: str, _mtime: float) -> dict[str, list[tuple[str, int]]]:
    src, params = _source(Path(parquet), _has_agency(parquet, _mtime))
    cur = _cursor()
    try:
        sets = ", ".join(f"({ident(c)})" for c in FILTERS)
        rows = cur.execute(
            f"SELECT {', '.join(ident(c) for c in FILTERS)}, count(*) FROM {src} GROUP BY GROUPING SETS ({sets})",  # noqa: S608
            params,
        ).fetchall()
    finally:
        cur.close()
    out: dict[str, list[tuple[str, int]]] = {c: [] for c in FILTERS}
    for row in rows:
        values, n = row[: len(FILTERS)], row[-1]
        for c, v in zip(FILTERS, values, strict=True):
            if v is not None:
                out[c].append((v, n))
    return {c: sorted(v) for c, v in out.items()}


def facets(parquet: Path) -> dict[str, list[tuple[str, int]]]:
    """Distinct values (with counts) of every filter column, for the filter menus; cached per file."""
    return _facets(str(parquet), parquet.stat().st_mtime)
