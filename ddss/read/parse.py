"""Text cells -> typed columns, exactly, in DuckDB (batch-format.md): a cell that cannot
be read is never guessed; its row is marked with the first such column and goes to
quarantine with the column and the reason.

Dates: ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (two-digit day and month), the day must exist.
Timestamps: a date as above, optionally followed by ``HH:MM[:SS]``.
Numbers: per column, the decimal convention of the majority of its values wins —
decimal comma with dot thousands (``1.234,5``) or a plain dot (``1234.5``); a value
written the other way is ambiguous and rejected (never reinterpreted).
Text: kept as sent, except that empty or blank cells are NULL and values are composed
to NFC; ``_nfc_fixed`` records that a row needed it (NFD input is itself a finding).
"""

from __future__ import annotations

import duckdb

from ddss.read.nfc_quick import maybe_not_nfc as _maybe_not_nfc
from ddss.schema import DUCKDB_TYPES, Dataset
from ddss.sql import ident, str_literal

__all__ = ["CHECK_OF", "PARSED", "TYPED", "parse_cells", "typed_select"]

TYPED = "_ddss_typed"  # [_source_row,] the dataset's columns typed, _nfc_fixed, _bad_column
PARSED = "_ddss_parsed"  # view: TYPED with _source_row first, whichever way it was numbered
CHECK_OF = {"date": "ingest.bad_date", "timestamp": "ingest.bad_date", "int": "ingest.bad_number", "float": "ingest.bad_number"}

_WHITESPACE = str_literal(" \t\r\n\u00a0")
_ISO = r"\d{4}-\d{2}-\d{2}"
_VN = r"\d{2}/\d{2}/\d{4}"
_TIME = r"(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"
_COMMA_NUM = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_DOT_NUM = r"-?\d+(?:\.\d+)?"
_INT = r"-?\d+"
# A dot followed by other than exactly three digits can only be a decimal point.
_DOT_DECIMAL = r"\.\d{1,2}$|\.\d{4,}$"


def _date(s: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({s}, {str_literal(_ISO)}) THEN try_strptime({s}, '%Y-%m-%d')::DATE "
        f"WHEN regexp_full_match({s}, {str_literal(_VN)}) THEN try_strptime({s}, '%d/%m/%Y')::DATE END"
    )


def _timestamp(s: str) -> str:
    iso = [f"%Y-%m-%d{sep}{t}" for t in ("%H:%M:%S", "%H:%M") for sep in (" ", "T")] + ["%Y-%m-%d"]
    vn = [f.replace("%Y-%m-%d", "%d/%m/%Y") for f in iso]
    return (
        f"CASE WHEN regexp_full_match({s}, {str_literal(_ISO + _TIME)}) THEN try_strptime({s}, {_list(iso)}) "
        f"WHEN regexp_full_match({s}, {str_literal(_VN + _TIME)}) THEN try_strptime({s}, {_list(vn)}) END"
    )


def _list(items: list[str]) -> str:
    return "[" + ", ".join(str_literal(i) for i in items) + "]"


def _int(s: str) -> str:
    return f"CASE WHEN regexp_full_match({s}, {str_literal(_INT)}) THEN TRY_CAST({s} AS BIGINT) END"


def _float(s: str, comma: bool) -> str:
    if comma:
        plain = f"replace(replace({s}, '.', ''), ',', '.')"
        return f"CASE WHEN regexp_full_match({s}, {str_literal(_COMMA_NUM)}) THEN TRY_CAST({plain} AS DOUBLE) END"
    return f"CASE WHEN regexp_full_match({s}, {str_literal(_DOT_NUM)}) THEN TRY_CAST({s} AS DOUBLE) END"


def _comma_columns(con: duckdb.DuckDBPyConnection, cells: str, columns: list[str]) -> set[str]:
    """The float columns whose values mostly use the decimal comma."""
    if not columns:
        return set()
    counts = []
    for c in columns:
        s = f"trim({ident(c)}::VARCHAR, {_WHITESPACE})"
        counts += [f"count_if(contains({s}, ','))", f"count_if(regexp_matches({s}, {str_literal(_DOT_DECIMAL)}))"]
    row = con.execute(f"SELECT {', '.join(counts)} FROM {ident(cells)}").fetchall()[0]
    return {c for i, c in enumerate(columns) if row[2 * i] > row[2 * i + 1]}


def parse_cells(
    con: duckdb.DuckDBPyConnection, cells: str, ds: Dataset, *, padded: bool = True, maybe_not_nfc: bool = True
) -> None:
    """Create ``TYPED`` and its view ``PARSED`` from the relation ``cells``: ``_source_row``
    (if absent, the cells are in file order, which TYPED keeps: source row = rowid + 1),
    and the canonical columns, text or already typed; missing optional columns become NULL.
    ``padded=False`` / ``maybe_not_nfc=False``: the file's bytes proved that no cell begins
    or ends with whitespace / that no character can change under NFC (text_bytes.py); the
    checks they make moot are left out, with the same result."""
    types = _types(con, cells)
    query = _select(con, cells, ds, types, padded=padded, maybe_not_nfc=maybe_not_nfc)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TYPED} AS {query}")
    number = "" if "_source_row" in types else "rowid + 1 AS _source_row, "
    con.execute(f"CREATE OR REPLACE TEMP VIEW {PARSED} AS SELECT {number}* FROM {TYPED}")


def _types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {name: dtype for (name, dtype, *_) in con.execute(f"DESCRIBE {ident(relation)}").fetchall()}


def typed_select(
    con: duckdb.DuckDBPyConnection, cells: str, ds: Dataset, *, padded: bool = True, maybe_not_nfc: bool = True
) -> str:
    """The query that types ``cells`` (see parse_cells): [``_source_row``,] the dataset's
    columns, ``_nfc_fixed`` and ``_bad_column``."""
    return _select(con, cells, ds, _types(con, cells), padded=padded, maybe_not_nfc=maybe_not_nfc)


def _select(
    con: duckdb.DuckDBPyConnection,
    cells: str,
    ds: Dataset,
    types: dict[str, str],
    *,
    padded: bool = True,
    maybe_not_nfc: bool = True,
) -> str:
    """``types``: the column types of ``cells``. ``_maybe_nfd`` is false when no text value
    of the row can change under NFC (see nfc_quick): only the other rows are normalised.

    Three levels, so each expression is computed once: text (blank -> NULL), values,
    then the flags that compare them."""
    floats = [c.name for c in ds.columns if c.dtype == "float" and c.name in types and types[c.name] != "DOUBLE"]
    comma = _comma_columns(con, cells, floats)
    row = ["_source_row"] if "_source_row" in types else []
    texts_in = [ident(c.name) for c in ds.columns if c.dtype == "str" and c.name in types]
    hint = _maybe_not_nfc(texts_in) if maybe_not_nfc else "false"
    # Without padding, a blank cell can only be empty, and trim() has nothing to remove.
    blank_is_null, trimmed = (_blank_is_null, _trimmed) if padded else (_empty_is_null, _empty_is_null)
    texts, values, outer, nfc, bad = [*row, f"{hint} AS _maybe_nfd"], [*row, "_maybe_nfd"], row.copy(), [], []
    for c in ds.columns:
        col, target = ident(c.name), DUCKDB_TYPES[c.dtype]
        if c.name not in types:
            outer.append(f"NULL::{target} AS {col}")
            continue
        if types[c.name] == target and c.dtype != "str":
            texts.append(col)  # already typed (Parquet)
            values.append(col)
            outer.append(col)
            continue
        t, v = ident(f"_t_{c.name}"), ident(f"_v_{c.name}")
        text = f"{col}::VARCHAR"
        texts.append(f"{blank_is_null(text) if c.dtype == 'str' else trimmed(text)} AS {t}")
        values.append(t)
        if c.dtype == "str" and not maybe_not_nfc:
            outer.append(f"{t} AS {col}")
            continue
        if c.dtype == "str":
            # nfc_normalize is slow: it runs only on rows holding a character that can change.
            values.append(f"CASE WHEN _maybe_nfd THEN nfc_normalize({t}) ELSE {t} END AS {v}")
            outer.append(f"{v} AS {col}")
            nfc.append(f"coalesce(_maybe_nfd AND {v} <> {t}, false)")
            continue
        if c.dtype == "float":
            value = _float(t, c.name in comma)
        else:
            value = {"date": _date, "timestamp": _timestamp, "int": _int}[c.dtype](t)
        values.append(f"{value} AS {v}")
        outer.append(f"{v} AS {col}")
        bad.append(f"WHEN {t} IS NOT NULL AND {v} IS NULL THEN {str_literal(c.name)}")
    outer.append(f"{' OR '.join(nfc) if nfc else 'false'} AS _nfc_fixed")
    outer.append(f"CASE {' '.join(bad)} END AS _bad_column" if bad else "NULL::VARCHAR AS _bad_column")
    return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(values)} FROM (SELECT {', '.join(texts)} FROM {ident(cells)}))"


def _empty_is_null(x: str) -> str:
    return f"nullif({x}, '')"


def _blank_is_null(x: str) -> str:
    """Empty or whitespace-only cells are "no value"; other spaces are kept as sent."""
    return f"CASE WHEN {_starts_blank(x)} AND trim({x}, {_WHITESPACE}) = '' THEN NULL ELSE {x} END"


def _trimmed(x: str) -> str:
    """A date or number cell without surrounding whitespace; NULL when nothing is left."""
    ends_blank = f"ord(right({x}, 1)) IN (9, 10, 13, 32, 160)"
    return f"CASE WHEN {_starts_blank(x)} OR {ends_blank} THEN nullif(trim({x}, {_WHITESPACE}), '') ELSE nullif({x}, '') END"


def _starts_blank(x: str) -> str:
    """trim() with a character list is slow, so it runs only on cells that start with
    whitespace (or, for dates and numbers, end with it). Byte-order comparisons find them
    cheaply: a string below '!' starts with a control or space (or is empty); NBSP is the
    range [U+00A0, U+00A1)."""
    return f"({x} < '!' OR ({x} >= '\u00a0' AND {x} < '\u00a1'))"
