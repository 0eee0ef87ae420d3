"""The one place personal data is masked, for every way out of the system.

Python functions for values that leave through Python (logs, messages, reports)
and SQL builders for values that leave through DuckDB (findings, GX results).
Both produce the same forms:

- personal ID ``079123456345`` -> ``079******345`` (9-digit CMND ``123******``)
- full name ``Nguyễn Thị Mai`` -> ``Nguyễn T. M.``
- date of birth ``1990-05-17`` -> ``1990-**-**``
"""

from __future__ import annotations

import hashlib
import re

__all__ = [
    "mask_id",
    "mask_name",
    "mask_date",
    "mask_value",
    "pseudonym",
    "sql_mask_id",
    "sql_mask_name",
    "sql_mask_date",
    "sql_mask",
    "sql_pseudonym",
]

_DIGITS = re.compile(r"\d")


def mask_id(value: str | None) -> str | None:
    if value is None:
        return None
    v = str(value).strip()
    if len(v) >= 12:
        return v[:3] + "*" * (len(v) - 6) + v[-3:]
    if len(v) > 3:
        return v[:3] + "*" * (len(v) - 3)
    return "*" * len(v)


def mask_name(value: str | None) -> str | None:
    if value is None:
        return None
    parts = str(value).split()
    if not parts:
        return ""
    return " ".join([parts[0]] + [p[0] + "." for p in parts[1:]])


def mask_date(value: object) -> str | None:
    if value is None:
        return None
    s = str(value)
    m = re.search(r"(\d{4})", s)
    return f"{m.group(1)}-**-**" if m else _DIGITS.sub("*", s)


def mask_value(value: object, kind: str | None) -> object:
    """Mask by the column's personal kind (schema.Column.personal); others pass."""
    if kind == "id":
        return mask_id(None if value is None else str(value))
    if kind == "name":
        return mask_name(None if value is None else str(value))
    if kind == "date":
        return mask_date(value)
    return value


def pseudonym(person_id: str) -> str:
    """Stable, non-reversible key for a person-keyed record (record_key of population)."""
    return "P-" + hashlib.sha256(person_id.encode("utf-8")).hexdigest()[:12]


# ---- SQL (DuckDB) forms: same output as the Python functions above ----


def sql_mask_id(expr: str) -> str:
    e = f"trim(CAST({expr} AS VARCHAR))"
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL "
        f"WHEN length({e}) >= 12 THEN substr({e}, 1, 3) || repeat('*', length({e}) - 6) || right({e}, 3) "
        f"WHEN length({e}) > 3 THEN substr({e}, 1, 3) || repeat('*', length({e}) - 3) "
        f"ELSE repeat('*', length({e})) END"
    )


def sql_mask_name(expr: str) -> str:
    parts = f"string_split(trim(regexp_replace(CAST({expr} AS VARCHAR), '\\s+', ' ', 'g')), ' ')"
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL ELSE array_to_string("
        f"list_concat([{parts}[1]], list_transform({parts}[2:], lambda x: left(x, 1) || '.')), ' ') END"
    )


def sql_mask_date(expr: str) -> str:
    return f"CASE WHEN {expr} IS NULL THEN NULL ELSE CAST(year({expr}) AS VARCHAR) || '-**-**' END"


def sql_mask(expr: str, kind: str | None) -> str:
    if kind == "id":
        return sql_mask_id(expr)
    if kind == "name":
        return sql_mask_name(expr)
    if kind == "date":
        return sql_mask_date(expr)
    return f"CAST({expr} AS VARCHAR)"


def sql_pseudonym(expr: str) -> str:
    return f"'P-' || left(sha256(CAST({expr} AS VARCHAR)), 12)"
