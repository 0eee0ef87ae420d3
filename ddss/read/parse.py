"""Text cells -> typed columns, exactly (batch-format.md): a cell that cannot be read is
never guessed; its row is sent to quarantine with the column and the reason.

Dates: ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (two-digit day and month), the day must exist.
Timestamps: a date as above, optionally followed by ``HH:MM[:SS]``.
Numbers: per column, the decimal convention of the majority of its values wins —
decimal comma with dot thousands (``1.234,5``) or a plain dot (``1234.5``); a value
written the other way is ambiguous and rejected (never reinterpreted).
"""

from __future__ import annotations

import polars as pl

from ddss.schema import Dataset

__all__ = ["ParsedColumns", "parse_columns"]

_ISO = r"^\d{4}-\d{2}-\d{2}$"
_VN = r"^\d{2}/\d{2}/\d{4}$"
_TIME = r"(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"
_COMMA_NUM = r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"
_DOT_NUM = r"^-?\d+(?:\.\d+)?$"
_INT = r"^-?\d+$"


class ParsedColumns:
    """Typed frame plus, per row, the first unreadable column (None when all read)."""

    def __init__(self, frame: pl.DataFrame, bad: pl.DataFrame) -> None:
        self.frame = frame
        self.bad = bad  # columns: _row (0-based), check_id, column_name


def _date(col: str) -> tuple[pl.Expr, pl.Expr]:
    s = pl.col(col).str.strip_chars()
    value = (
        pl.when(s.str.contains(_ISO))
        .then(s.str.to_date("%Y-%m-%d", strict=False))
        .when(s.str.contains(_VN))
        .then(s.str.to_date("%d/%m/%Y", strict=False))
    )
    return value, s.is_not_null() & value.is_null()


def _timestamp(col: str) -> tuple[pl.Expr, pl.Expr]:
    s = pl.col(col).str.strip_chars()
    date_part = s.str.slice(0, 10)
    time_part = s.str.slice(10).str.strip_chars_start(" T")
    hms = pl.when(time_part.str.len_chars() == 5).then(time_part + ":00").otherwise(time_part)
    hms = pl.when(time_part == "").then(pl.lit("00:00:00")).otherwise(hms)
    iso_ok = s.str.contains(_ISO[:-1] + _TIME)
    vn_ok = s.str.contains(_VN[:-1] + _TIME)
    value = (
        pl.when(iso_ok)
        .then((date_part + " " + hms).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"))
        .when(vn_ok)
        .then((date_part + " " + hms).str.to_datetime("%d/%m/%Y %H:%M:%S", strict=False, time_unit="us"))
    )
    return value, s.is_not_null() & value.is_null()


def _int(col: str) -> tuple[pl.Expr, pl.Expr]:
    s = pl.col(col).str.strip_chars()
    value = pl.when(s.str.contains(_INT)).then(s.cast(pl.Int64, strict=False))
    return value, s.is_not_null() & value.is_null()


def _float(col: str, comma_column: bool) -> tuple[pl.Expr, pl.Expr]:
    s = pl.col(col).str.strip_chars()
    if comma_column:
        value = pl.when(s.str.contains(_COMMA_NUM)).then(
            s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        )
    else:
        value = pl.when(s.str.contains(_DOT_NUM)).then(s.cast(pl.Float64, strict=False))
    return value, s.is_not_null() & value.is_null()


def _comma_majority(text: pl.DataFrame, col: str) -> bool:
    s = text[col].drop_nulls().str.strip_chars()
    commas = int(s.str.contains(",", literal=True).sum())
    # A dot followed by other than exactly three digits can only be a decimal point.
    dots = int(s.str.contains(r"\.\d{1,2}$|\.\d{4,}$").sum())
    return commas > dots


def parse_columns(text: pl.DataFrame, ds: Dataset) -> ParsedColumns:
    """``text``: canonical column names, Utf8 cells (NULL = empty). Missing optional
    columns become NULL. Strings keep their spaces; empty or blank cells are NULL."""
    exprs, flags = [], []
    for c in ds.columns:
        if c.name not in text.columns:
            exprs.append(pl.lit(None, dtype=_POLARS[c.dtype]).alias(c.name))
            continue
        if text.schema[c.name] == _POLARS[c.dtype] and c.dtype != "str":
            exprs.append(pl.col(c.name))  # already typed (Parquet)
            continue
        if c.dtype == "str":
            exprs.append(pl.col(c.name))
            continue
        if c.dtype == "date":
            value, bad = _date(c.name)
            check = "ingest.bad_date"
        elif c.dtype == "timestamp":
            value, bad = _timestamp(c.name)
            check = "ingest.bad_date"
        elif c.dtype == "int":
            value, bad = _int(c.name)
            check = "ingest.bad_number"
        else:
            value, bad = _float(c.name, _comma_majority(text, c.name))
            check = "ingest.bad_number"
        exprs.append(value.alias(c.name))
        flags.append((c.name, check, bad))
    typed_text = text.with_columns(
        pl.col(c).cast(pl.Utf8) for c in text.columns if text.schema[c] not in (pl.Utf8,) and _needs_text(ds, c, text)
    ).with_columns(
        # Empty or whitespace-only cells are "no value"; other spaces are kept as sent.
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in text.columns
        if text.schema[c] == pl.Utf8
    )
    frame = typed_text.select(exprs)
    if flags:
        bad = typed_text.with_row_index("_row").select("_row", *(b.alias(f"_bad_{name}") for name, _, b in flags))
        first = pl.coalesce(*(pl.when(pl.col(f"_bad_{name}")).then(pl.lit(name)) for name, _, _ in flags))
        check_of = {name: check for name, check, _ in flags}
        bad = bad.select("_row", first.alias("column_name")).filter(pl.col("column_name").is_not_null())
        bad = bad.with_columns(pl.col("column_name").replace_strict(check_of, return_dtype=pl.Utf8).alias("check_id"))
    else:
        bad = pl.DataFrame(schema={"_row": pl.UInt32, "column_name": pl.Utf8, "check_id": pl.Utf8})
    return ParsedColumns(frame, bad)


def _needs_text(ds: Dataset, col: str, text: pl.DataFrame) -> bool:
    c = next((x for x in ds.columns if x.name == col), None)
    return c is not None and text.schema[col] != _POLARS[c.dtype]


_POLARS = {"str": pl.Utf8, "date": pl.Date, "timestamp": pl.Datetime("us"), "int": pl.Int64, "float": pl.Float64}
