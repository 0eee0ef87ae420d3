"""How big a compressed file will be once read, judged before it is read.

An XLSX file is a ZIP of XML, and the reader (calamine, through polars) holds a sheet as
a dense grid from its first to its last cell: a few KB with one cell in A1 and one in
XFD1048576 ask for 17 billion cells, far beyond any DuckDB memory limit (it is not
DuckDB's memory). A Parquet file declares its rows and uncompressed size in its footer.
Both are checked against ``Limits`` (settings ``max_expanded_mb``, ``max_rows``, and for
XLSX ``max_cells``: calamine's grid costs ~32 bytes a cell) and refused with the figure
that is too large; the XLSX check streams the XML (never holding it) and stops as soon
as a limit is passed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ddss.read.errors import FileRejected
from ddss.read.paths import literal_path

__all__ = ["Limits", "check_parquet", "check_xlsx"]

_CHUNK = 1 << 20
_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Limits:
    expanded_bytes: int = 4096 * 2**20
    rows: int = 20_000_000
    cells: int = 50_000_000


def _too_big(what_vi: str, what_en: str, found: int | str, limit: int, key: str) -> FileRejected:
    return FileRejected(
        f"Tệp quá lớn khi giải nén: {what_vi} {found} vượt giới hạn {limit} ({key} trong [tool.ddss])",
        f"file expands beyond the limit: {what_en} {found} > {limit} ({key} in [tool.ddss])",
        kind="too_large_expanded",
    )


def check_parquet(con: duckdb.DuckDBPyConnection, path: Path, limits: Limits) -> list[str]:
    """Rows, cells and uncompressed bytes from the footer; returns the column names."""
    p = literal_path(path)
    try:
        ((rows,),) = con.execute("SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(?)", [p]).fetchall()
        ((expanded,),) = con.execute("SELECT coalesce(sum(total_uncompressed_size), 0) FROM parquet_metadata(?)", [p]).fetchall()
        names = [n for (n,) in con.execute("SELECT name FROM parquet_schema(?) WHERE num_children IS NULL", [p]).fetchall()]
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as e:
        raise FileRejected(
            f"Tệp PARQUET hỏng hoặc bị cắt cụt, không đọc được ({type(e).__name__})",
            f"corrupt or truncated parquet file ({type(e).__name__})",
            kind="corrupt",
        ) from None
    _check_counts(int(rows), 0, limits)  # DuckDB holds columns, not a grid: cells are an XLSX limit
    if expanded > limits.expanded_bytes:
        raise _too_big("dữ liệu", "data bytes", f"{expanded / 2**20:.0f} MB", limits.expanded_bytes // 2**20, "max_expanded_mb")
    return names


def _check_counts(rows: int, cells: int, limits: Limits) -> None:
    if rows > limits.rows:
        raise _too_big("số dòng", "rows", rows, limits.rows, "max_rows")
    if cells > limits.cells:
        raise _too_big("số ô", "cells", cells, limits.cells, "max_cells")


def check_xlsx(path: Path, limits: Limits) -> None:
    """Every ZIP entry's bytes as they inflate, and each sheet's extent (its declared
    dimension and the cells it really addresses)."""
    try:
        with zipfile.ZipFile(path) as z:
            entries = z.infolist()
            if len(entries) > _MAX_ENTRIES:
                raise _too_big("số mục trong ZIP", "ZIP entries", len(entries), _MAX_ENTRIES, "max_cells")
            total = 0
            for info in entries:
                sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                total = _inflate(z, info, total, limits, sheet)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise FileRejected(
            f"Tệp XLSX hỏng hoặc bị cắt cụt, không đọc được ({type(e).__name__})",
            f"corrupt or truncated xlsx file ({type(e).__name__})",
            kind="corrupt",
        ) from None


def _inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, limits: Limits, sheet: bool) -> int:
    max_row = max_col = cells = 0
    tail = b""
    with z.open(info) as f:
        while chunk := f.read(_CHUNK):
            total += len(chunk)
            if total > limits.expanded_bytes:
                mb = limits.expanded_bytes // 2**20
                raise _too_big("dữ liệu", "data bytes", f"> {mb} MB", mb, "max_expanded_mb")
            if not sheet:
                continue
            # An element cut at the chunk's end is read again with the next chunk.
            cut = chunk.rfind(b"<")
            cut = len(chunk) if cut < 0 else cut
            text, tail = tail + chunk[:cut], chunk[cut:]
            max_row, max_col, cells = _extent(text, max_row, max_col, cells, limits)
    if sheet and tail:
        _extent(tail, max_row, max_col, cells, limits)
    return total


def _extent(text: bytes, max_row: int, max_col: int, cells: int, limits: Limits) -> tuple[int, int, int]:
    for m in _DIMENSION.finditer(text):
        last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
        _check_counts(int(last_row), int(last_row) * _column_number(last_col), limits)
    rows = _ROW.findall(text)
    if rows:
        max_row = max(max_row, max(map(int, rows)))
    refs = _CELL.findall(text)
    if refs:
        max_col = max(max_col, max(_column_number(c) for c in {c for c, _ in refs}))
        max_row = max(max_row, max(int(r) for r in {r for _, r in refs}))
    cells += len(_CELL_TAG.findall(text))
    _check_counts(max_row, max(cells, max_row * max_col), limits)
    return max_row, max_col, cells


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n
