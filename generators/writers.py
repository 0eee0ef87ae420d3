"""Batch files as agencies send them: CSV / Parquet / XLSX in realistic forms.

Forms (batch-format.md "Files"): canonical or Vietnamese headers, ISO or DD/MM/YYYY
dates, decimal comma with dot thousands, UTF-8, UTF-8 with BOM or Windows-1258.
Whole columns are formatted with polars expressions; output is byte-identical for the
same input (no timestamps inside the files).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.schema import dataset as dataset_schema
from generators.defects import RawOverride

__all__ = ["FileForm", "encode_cp1258", "write_dataset"]

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # cp1258 keeps these as combining marks


@dataclass(frozen=True)
class FileForm:
    fmt: str = "csv"  # csv | parquet | xlsx
    headers: str = "canonical"  # canonical | vi
    dates: str = "iso"  # iso | vn
    decimal_comma: bool = False
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1258

    @property
    def ext(self) -> str:
        return self.fmt


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 has precomposed base letters (â ê ô ơ ư ă đ) but tone marks only as
    combining characters, so Vietnamese NFC text is re-split before encoding."""
    out = []
    for cluster in _clusters(unicodedata.normalize("NFD", text)):
        base = "".join(ch for ch in cluster if ch not in _TONES)
        tones = "".join(ch for ch in cluster if ch in _TONES)
        out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out).encode("cp1258")


def _clusters(s: str):
    cur = ""
    for ch in s:
        if cur and not unicodedata.combining(ch):
            yield cur
            cur = ""
        cur += ch
    if cur:
        yield cur


def _area_text(col: str, decimal_comma: bool) -> pl.Expr:
    cents = (pl.col(col) * 100).round(0).cast(pl.Int64)
    whole, frac = cents.abs() // 100, (cents.abs() % 100).cast(pl.Utf8).str.zfill(2)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    if not decimal_comma:
        return pl.concat_str([sign, whole.cast(pl.Utf8), pl.lit("."), frac])
    groups = pl.concat_str(
        [
            pl.when(whole >= 1_000_000)
            .then(pl.concat_str([(whole // 1_000_000).cast(pl.Utf8), pl.lit(".")]))
            .otherwise(pl.lit("")),
            pl.when(whole >= 1_000_000)
            .then(((whole // 1000) % 1000).cast(pl.Utf8).str.zfill(3) + pl.lit("."))
            .when(whole >= 1000)
            .then((whole // 1000).cast(pl.Utf8) + pl.lit("."))
            .otherwise(pl.lit("")),
            pl.when(whole >= 1000).then((whole % 1000).cast(pl.Utf8).str.zfill(3)).otherwise(whole.cast(pl.Utf8)),
        ]
    )
    return pl.concat_str([sign, groups, pl.lit(","), frac])


def as_text(df: pl.DataFrame, name: str, form: FileForm) -> pl.DataFrame:
    """Every column as the text an agency export would contain (NULL stays empty)."""
    ds = dataset_schema(name)
    date_fmt = "%d/%m/%Y" if form.dates == "vn" else "%Y-%m-%d"
    exprs = []
    for c in (c for c in ds.columns if c.name in df.columns):
        col = pl.col(c.name)
        if c.dtype == "date":
            e = col.dt.strftime(date_fmt)
        elif c.dtype == "timestamp":
            e = col.dt.strftime(date_fmt + " %H:%M:%S")
        elif c.dtype == "float":
            e = _area_text(c.name, form.decimal_comma)
        else:
            e = col.cast(pl.Utf8)
        exprs.append(e.alias(c.name))
    return df.select(exprs)


def _apply_overrides(text: pl.DataFrame, overrides: list[RawOverride]) -> pl.DataFrame:
    for column in sorted({o.column for o in overrides}):
        rows = [o for o in overrides if o.column == column]
        patch = pl.DataFrame(
            {"_i": [o.row_index for o in rows], "_v": [o.raw_text for o in rows]}, schema={"_i": pl.UInt32, "_v": pl.Utf8}
        )
        text = (
            text.with_row_index("_i")
            .join(patch, on="_i", how="left")
            .with_columns(pl.coalesce("_v", column).alias(column))
            .sort("_i")
            .drop("_i", "_v")
        )
    return text


# The frame type of each contract type, for columns a tiny province leaves without a value
# (no marriage at 60 persons: polars infers the dtype Null, which has no date formatting).
_FRAME_TYPES = {"str": pl.Utf8, "date": pl.Date, "timestamp": pl.Datetime("us"), "int": pl.Int64, "float": pl.Float64}


def write_dataset(df: pl.DataFrame, name: str, form: FileForm, out_dir: Path, overrides: list[RawOverride]) -> Path:
    ds = dataset_schema(name)
    df = df.with_columns(
        pl.col(c.name).cast(_FRAME_TYPES[c.dtype]) for c in ds.columns if c.name in df.columns and df.schema[c.name] == pl.Null
    )
    path = out_dir / f"{name}.{form.ext}"
    # Optional columns the frame does not carry are left out of the file (docs/batch-format.md).
    headers = {c.name: (c.header_vi if form.headers == "vi" else c.name) for c in ds.columns if c.name in df.columns}
    own = [o for o in overrides if o.dataset == name]
    if form.fmt == "parquet" and not own:
        typed = df.select(list(headers)).rename(headers)
        typed.write_parquet(path, compression="zstd", statistics=False)
        return path
    text = _apply_overrides(as_text(df, name, form), own).rename(headers)
    if form.fmt == "parquet":  # a raw text defect: the affected file carries strings
        text.write_parquet(path, compression="zstd", statistics=False)
    elif form.fmt == "xlsx":
        _write_xlsx(text, path)
    else:
        body = text.write_csv(null_value="")
        if form.encoding == "cp1258":
            path.write_bytes(encode_cp1258(body))
        else:
            path.write_bytes(("\ufeff" if form.encoding == "utf-8-sig" else "").encode() + body.encode("utf-8"))
    return path


def _write_xlsx(text: pl.DataFrame, path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": dt.datetime(2000, 1, 1)})  # a fixed date: identical bytes per run
    ws = wb.add_worksheet("data")
    ws.write_row(0, 0, text.columns)
    for r, row in enumerate(text.iter_rows(), start=1):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v)
    wb.close()
