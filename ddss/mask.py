"""The one place personal data is masked, for every way out of the system.

Python functions for values that leave through Python (logs, messages, reports)
and SQL builders for values that leave through DuckDB (findings, GX results).
Both produce the same forms:

- personal ID ``079123456345`` -> ``079*********`` (at most the province code; CMND
  ``123456789`` -> ``123******``)
- full name ``Nguyễn Thị Mai`` -> ``Nguyễn T. M.``, split on every Unicode space
  (U+00A0, U+202F, U+3000 …, not only ASCII)
- date of birth ``1990-05-17`` -> ``1990-**-**``
- a person's record key -> ``P1-`` + HMAC-SHA-256 under the deployment's secret (ddss.keys)

Masking is by the column's role, and each form is safe whatever the cell holds: an ID
typed into a name column loses its digits, a name typed into an ID column is starred,
and ID-like digit runs (9 or more) in any other text keep only their first 3 digits.
``excel_safe`` neutralises spreadsheet formulas in exported text (OWASP CSV injection).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ddss.keys import PseudonymKey

__all__ = [
    "SPACES",
    "excel_safe",
    "excel_safe_frame",
    "mask_date",
    "mask_id",
    "mask_name",
    "mask_text",
    "mask_value",
    "pseudonym",
    "sql_mask",
    "sql_mask_date",
    "sql_mask_id",
    "sql_mask_name",
    "sql_mask_text",
    "sql_pseudonym",
]

# Every character that separates words: Unicode's separators (Zs, Zl, Zp), ASCII
# whitespace, and the invisible ones a keyboard or a converter leaves between names.
SPACES = (
    "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):04X}}}" for c in SPACES) + "]"  # RE2 form, for DuckDB
_PY_SPACES = re.compile("[" + re.escape(SPACES) + "]+")
_PY_EDGE = re.compile(f"^[{re.escape(SPACES)}]+|[{re.escape(SPACES)}]+$")
_ID_RUN = re.compile(r"([0-9]{3})[0-9]{6,}")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _strip(value: str) -> str:
    return _PY_EDGE.sub("", value)


def mask_id(value: str | None) -> str | None:
    if value is None:
        return None
    v = _strip(str(value))
    if len(v) > 3 and re.fullmatch("[0-9]{3}", v[:3]):
        return v[:3] + "*" * (len(v) - 3)
    return "*" * len(v)


def mask_name(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [p for p in _PY_SPACES.split(_strip(str(value))) if p]
    if not parts:
        return ""
    return re.sub("[0-9]", "*", " ".join([parts[0]] + [p[0] + "." for p in parts[1:]]))


def mask_date(value: object) -> str | None:
    if value is None:
        return None
    s = str(value)
    m = re.search(r"(\d{4})", s)
    return f"{m.group(1)}-**-**" if m else re.sub(r"\d", "*", s)


def mask_text(value: str | None) -> str | None:
    """Any other text: an ID-like run of 9 or more digits keeps its first 3."""
    return None if value is None else _ID_RUN.sub(r"\1*********", str(value))


def mask_value(value: object, kind: str | None) -> object:
    """Mask by the column's personal kind (schema.Column.personal); other text by mask_text."""
    if kind == "id":
        return mask_id(None if value is None else str(value))
    if kind == "name":
        return mask_name(None if value is None else str(value))
    if kind == "date":
        return mask_date(value)
    return mask_text(value) if isinstance(value, str) else value


def pseudonym(person_id: str, key: PseudonymKey) -> str:
    """Stable, keyed, non-reversible key for a person-keyed record (record_key of population)."""
    return f"P{key.kid}-" + hmac.new(key.secret, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def excel_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def excel_safe_frame(df: pl.DataFrame) -> pl.DataFrame:
    """``excel_safe`` on every text column: use before writing any CSV/XLSX a person opens."""
    starts = "^[" + re.escape("".join(_FORMULA_START)) + "]"
    return df.with_columns(
        pl.when(pl.col(c).str.contains(starts)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in df.schema.items()
        if t == pl.Utf8
    )


# ---- SQL (DuckDB) forms: same output as the Python functions above ----


def _sql_strip(expr: str) -> str:
    return f"regexp_replace(CAST({expr} AS VARCHAR), '^{_SPACE_CLASS}+|{_SPACE_CLASS}+$', '', 'g')"


def sql_mask_id(expr: str) -> str:
    e = _sql_strip(expr)
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL "
        f"WHEN length({e}) > 3 AND regexp_full_match(left({e}, 3), '[0-9]{{3}}') "
        f"THEN left({e}, 3) || repeat('*', length({e}) - 3) "
        f"ELSE repeat('*', length({e})) END"
    )


def sql_mask_name(expr: str) -> str:
    parts = f"string_split(regexp_replace({_sql_strip(expr)}, '{_SPACE_CLASS}+', ' ', 'g'), ' ')"
    joined = f"array_to_string(list_concat([{parts}[1]], list_transform({parts}[2:], lambda x: left(x, 1) || '.')), ' ')"
    return f"CASE WHEN {expr} IS NULL THEN NULL ELSE regexp_replace({joined}, '[0-9]', '*', 'g') END"


def sql_mask_date(expr: str) -> str:
    return f"CASE WHEN {expr} IS NULL THEN NULL ELSE CAST(year({expr}) AS VARCHAR) || '-**-**' END"


def sql_mask_text(expr: str) -> str:
    return f"regexp_replace(CAST({expr} AS VARCHAR), '([0-9]{{3}})[0-9]{{6,}}', '\\1*********', 'g')"


def sql_mask(expr: str, kind: str | None) -> str:
    if kind == "id":
        return sql_mask_id(expr)
    if kind == "name":
        return sql_mask_name(expr)
    if kind == "date":
        return sql_mask_date(expr)
    return sql_mask_text(expr)


def sql_pseudonym(expr: str, key: PseudonymKey) -> str:
    """HMAC-SHA-256 in DuckDB SQL: sha256((K ^ opad) || sha256((K ^ ipad) || message)), the
    key's pads precomputed here (RFC 2104). Equal to ``pseudonym`` (tested)."""
    k = key.secret if len(key.secret) <= 64 else hashlib.sha256(key.secret).digest()
    k = k.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in k).hex()
    opad = bytes(b ^ 0x5C for b in k).hex()
    inner = f"unhex(sha256(unhex('{ipad}') || encode(CAST({expr} AS VARCHAR))))"
    return f"CASE WHEN {expr} IS NULL THEN NULL ELSE 'P{key.kid}-' || left(sha256(unhex('{opad}') || {inner}), 16) END"
