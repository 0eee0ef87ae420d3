"""Batch files -> typed polars frames: one entry point, ``read_file``.

Returns the rows that could be read (canonical typed columns + ``_source_row`` +
``_nfc_fixed``) and, separately, every row that could not, with its raw text, the
column and the reason. Raises ``FileRejected`` when the file as a whole is unusable.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.read.detect import decode_text, detect_format
from ddss.read.errors import FileRejected
from ddss.read.headers import match_headers
from ddss.read.parse import parse_columns
from ddss.schema import DATASETS

__all__ = ["FileRejected", "ReadResult", "read_file"]

QUARANTINE_SCHEMA = {
    "_source_row": pl.Int64,
    "check_id": pl.Utf8,
    "column_name": pl.Utf8,
    "reason_vi": pl.Utf8,
    "reason_en": pl.Utf8,
    "raw_line": pl.Utf8,
}
_QUOTED = r'"(?:[^"]|"")*"'


@dataclass(frozen=True)
class ReadResult:
    dataset: str
    file_format: str
    encoding: str | None
    rows_read: int
    staged: pl.DataFrame
    quarantined: pl.DataFrame


def read_file(path: Path, max_bytes: int) -> ReadResult:
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("Tệp rỗng (0 byte)", "empty file (0 bytes)", kind="empty")
    if size > max_bytes:
        raise FileRejected(
            f"Tệp quá lớn: {size / 2**20:.0f} MB, giới hạn {max_bytes / 2**20:.0f} MB",
            f"file too large: {size / 2**20:.0f} MB, limit {max_bytes / 2**20:.0f} MB",
            kind="too_large",
        )
    with path.open("rb") as f:
        head = f.read(8)
    fmt = detect_format(path, head)
    if fmt == "csv":
        text, encoding = decode_text(path.read_bytes())
        cells, raw, bad_rows = _csv_cells(text, path.name)
    else:
        encoding = None
        cells = _binary_cells(path, fmt)
        raw = None
        bad_rows = pl.DataFrame(schema=QUARANTINE_SCHEMA)
    headers = list(cells.columns)
    name, mapping = match_headers(headers, path.name)
    ds = DATASETS[name]
    cells = cells.select(list(mapping)).rename(mapping)
    rows_read = cells.height + bad_rows.height
    if rows_read == 0:
        raise FileRejected("Tệp chỉ có dòng tiêu đề, không có dữ liệu", "header only, no data rows", kind="header_only")

    parsed = parse_columns(cells, ds)
    # CSV rows keep their line-based numbers (bad lines were set aside); other formats count 1..n.
    source_row = raw["_source_row"] if raw is not None else range(1, cells.height + 1)
    frame = parsed.frame.with_columns(pl.Series("_source_row", source_row, dtype=pl.Int64))
    text_cols = [c.name for c in ds.columns if c.dtype == "str" and c.name in frame.columns]
    # Normalise once; the flag records that a value had to change (NFD input is a finding).
    normal = frame.select(pl.col(c).str.normalize("NFC") for c in text_cols)
    changed = pl.any_horizontal([(frame[c] != normal[c]).fill_null(False) for c in text_cols]) if text_cols else pl.lit(False)
    frame = frame.with_columns(changed.alias("_nfc_fixed"), *normal.get_columns())

    bad = parsed.bad
    if bad.height:
        raw_text = raw["raw_line"] if raw is not None else _row_text(cells)
        headers_vi = {c.name: c.header_vi for c in ds.columns}
        # Reasons built in Python: few rows, and polars 2.1 panics formatting gathered string views.
        columns, kinds = bad["column_name"].to_list(), bad["check_id"].to_list()
        cell_bad = pl.DataFrame(
            {
                "_source_row": frame["_source_row"].gather(bad["_row"]),
                "check_id": kinds,
                "column_name": columns,
                "reason_vi": [_cell_reason_vi(k, headers_vi[c], c) for k, c in zip(kinds, columns, strict=True)],
                "reason_en": [_cell_reason_en(k, c) for k, c in zip(kinds, columns, strict=True)],
                "raw_line": raw_text.gather(bad["_row"]).to_list(),
            }
        )
        frame = frame.with_row_index("_r").filter(~pl.col("_r").is_in(bad["_row"].implode())).drop("_r")
        bad_rows = pl.concat([bad_rows, cell_bad.cast(QUARANTINE_SCHEMA)])
    return ReadResult(name, fmt, encoding, rows_read, frame, bad_rows.sort("_source_row"))


def _cell_reason_vi(check_id: str, header_vi: str, column: str) -> str:
    if check_id == "ingest.bad_date":
        return f"Cột '{header_vi}' ({column}): ngày không hợp lệ, cần YYYY-MM-DD hoặc DD/MM/YYYY và ngày phải tồn tại"
    return f"Cột '{header_vi}' ({column}): số không hợp lệ hoặc sai dấu thập phân (ví dụ đúng: 1.234,5)"


def _cell_reason_en(check_id: str, column: str) -> str:
    if check_id == "ingest.bad_date":
        return f"column {column}: invalid or impossible date (expected YYYY-MM-DD or DD/MM/YYYY)"
    return f"column {column}: not a number in the file's decimal convention"


def _csv_cells(text: str, file_name: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Split lines, set aside those whose field count differs from the header's, parse the rest."""
    lines = pl.Series("line", [text]).str.split("\n").explode().str.strip_suffix("\r")  # split in Rust
    if lines.len() and lines[-1] == "":
        lines = lines.head(-1)
    if lines.len() == 0 or lines[0].strip() == "":
        raise FileRejected("Tệp không có dòng tiêu đề", "no header row", kind="empty")
    header = next(csv.reader([lines[0]]))
    raw = pl.col("raw_line")
    body = (
        pl.DataFrame({"raw_line": lines.slice(1)})
        .with_row_index("_i")
        .with_columns((pl.col("_i").cast(pl.Int64) + 1).alias("_source_row"), raw.str.contains('"', literal=True).alias("_q"))
    )
    # Commas inside quotes are not separators; the (slow) regex runs only on quoted lines.
    quoted = body.filter("_q").with_columns(
        (raw.str.replace_all(_QUOTED, "").str.count_matches(",", literal=True) + 1).alias("_fields"),
        (raw.str.count_matches('"', literal=True) % 2 == 1).alias("_open_quote"),
    )
    plain = body.filter(~pl.col("_q")).with_columns(
        (raw.str.count_matches(",", literal=True) + 1).alias("_fields"), pl.lit(False).alias("_open_quote")
    )
    body = pl.concat([plain, quoted.cast(plain.schema)]).sort("_i") if quoted.height else plain
    ok = (pl.col("_fields") == len(header)) & ~pl.col("_open_quote")
    good, bad = body.filter(ok), body.filter(~ok)
    bad_rows = bad.select(
        "_source_row",
        pl.lit("ingest.bad_row").alias("check_id"),
        pl.lit(None, dtype=pl.Utf8).alias("column_name"),
        pl.format("Dòng có {} cột, tiêu đề có {} cột (hoặc dấu ngoặc kép không đóng)", "_fields", pl.lit(len(header))).alias(
            "reason_vi"
        ),
        pl.format("row has {} fields, the header has {} (or an unclosed quote)", "_fields", pl.lit(len(header))).alias(
            "reason_en"
        ),
        "raw_line",
    ).cast(QUARANTINE_SCHEMA)
    if good.height:
        # The text as it came when every line is fine; otherwise the good lines joined in Rust.
        data = text if bad.is_empty() else lines[0] + "\n" + good["raw_line"].str.join("\n").item()
        cells = pl.read_csv(data.encode("utf-8"), infer_schema=False, has_header=True)  # bytes: the fast reader
        if cells.height != good.height:
            raise FileRejected(f"Không đọc được {file_name} như CSV", f"cannot parse {file_name} as CSV", kind="corrupt")
    else:
        cells = pl.DataFrame({h: pl.Series([], dtype=pl.Utf8) for h in dict.fromkeys(header)})
    if len(set(header)) == len(header):
        cells.columns = header
    else:
        match_headers(header, file_name)  # raises the duplicate-header rejection
    return cells, good.select("_source_row", "raw_line"), bad_rows


def _binary_cells(path: Path, fmt: str) -> pl.DataFrame:
    try:
        if fmt == "parquet":
            return pl.read_parquet(path)
        return pl.read_excel(path, engine="calamine", infer_schema_length=0, raise_if_empty=False, drop_empty_rows=False)
    except Exception as e:  # the readers raise many types for a damaged file
        raise FileRejected(
            f"Tệp {fmt.upper()} hỏng hoặc bị cắt cụt, không đọc được ({type(e).__name__})",
            f"corrupt or truncated {fmt} file ({type(e).__name__})",
            kind="corrupt",
        ) from None


def _row_text(cells: pl.DataFrame) -> pl.Series:
    cols = [c for c in cells.columns if c != "_source_row"]
    return cells.select(pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in cols], separator=",")).to_series()
