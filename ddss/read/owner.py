"""Whose records a file holds: a file of another province is refused whole.

Judged by the column that says whose record it is — residence (population), registering
commune (civil registry), parcel commune (land) — never by places of events (birth,
death, home town), which may lawfully be anywhere. Every commune code, pre- or
post-reform, resolves to its province of today through the 63 -> 34 crosswalk (a code of
a merged province belongs to the new one). Codes that resolve nowhere are row findings,
not a vote. A file whose resolved rows are mostly of another province is refused; a few
such rows are left to the row-level checks.
"""

from __future__ import annotations

from functools import cache

import duckdb

from ddss.admin_units import communes_2025, communes_pre2025, provinces_2025
from ddss.read.errors import FileRejected
from ddss.schema import DATASETS
from ddss.sql import ident

__all__ = ["OWNER_COLUMN", "refuse_foreign"]

OWNER_COLUMN = {
    "population": "residence_commune_code",
    "birth": "registering_commune_code",
    "death": "registering_commune_code",
    "marriage": "registering_commune_code",
    "parcel": "commune_code",
    "certificate": "commune_code",
    "book_closure": "registering_commune_code",
}


@cache
def _commune_provinces() -> dict[str, str]:
    """(commune code, province of today) for every code of both lists."""
    old_to_new = {old: p.code for p in provinces_2025().values() for old in p.old_codes}
    out = {c.code: c.province_code for c in communes_2025().values()}
    for c in communes_pre2025().values():
        if c.code not in out and c.province_code in old_to_new:
            out[c.code] = old_to_new[c.province_code]
    return out


def refuse_foreign(con: duckdb.DuckDBPyConnection, relation: str, dataset: str, province: str) -> None:
    """Raise FileRejected when most rows of ``relation`` (with a known owner commune)
    belong to another province than ``province``."""
    column = OWNER_COLUMN[dataset]
    # A few thousand distinct codes at most: resolved in Python, not joined in SQL.
    codes = con.execute(f"SELECT {ident(column)}, count(*) FROM {ident(relation)} GROUP BY 1").fetchall()  # noqa: S608
    resolve = _commune_provinces()
    by_province: dict[str, int] = {}
    for code, n in codes:
        if (p := resolve.get(code)) is not None:
            by_province[p] = by_province.get(p, 0) + n
    counts = list(by_province.items())
    known = sum(n for _, n in counts)
    foreign = [(n, p) for p, n in counts if p != province]
    if not known or 2 * sum(n for n, _ in foreign) <= known:
        return
    n, other = max(foreign)
    header = DATASETS[dataset].column(column).header_vi
    name, ours = provinces_2025()[other].name, provinces_2025()[province].name
    raise FileRejected(
        f"Tệp của tỉnh khác: {n}/{known} dòng có cột '{header}' ({column}) thuộc {name} (mã {other}), "
        f"không phải {ours} (mã {province}); không nạp tệp này",
        f"file of another province: {n} of {known} rows have {column} in province {other}, not {province}",
        kind="other_province",
    )
