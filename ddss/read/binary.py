"""Parquet and XLSX files -> a DuckDB temp table of cells, rows numbered 1..n in file order.

Each is first checked against the decompression limits (limits.py) and for column names
that would collide with ddss's own (headers.RESERVED). Running out of memory is not the
file's fault: it propagates (ingest exits with its own code) instead of "corrupt".
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ddss.read.errors import FileRejected
from ddss.read.headers import refuse_reserved
from ddss.read.limits import Limits, check_parquet, check_xlsx
from ddss.read.paths import literal_path

__all__ = ["RAW", "binary_cells", "sheet_names"]

RAW = "_ddss_raw"  # the file's own columns, plus _source_row


def sheet_names(path: Path, limits: Limits) -> list[str]:
    """A workbook's sheets in order, after its limits are checked."""
    check_xlsx(path, limits)
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as e:  # the reader raises its own types for a damaged file
        raise _corrupt("xlsx", e) from None


def binary_cells(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, limits: Limits, sheet: str | None = None) -> list[str]:
    """Load the file (an XLSX file: ``sheet``, else its first) into ``RAW``; returns its
    column headers in file order."""
    if fmt == "parquet":
        refuse_reserved(check_parquet(con, path, limits))
    else:
        check_xlsx(path, limits)
    try:
        if fmt == "parquet":
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _source_row "
                "FROM read_parquet(?, file_row_number = true)",
                [literal_path(path)],
            )
        else:
            kept = {"sheet_name": sheet} if sheet is not None else {}
            frame = pl.read_excel(
                path, engine="calamine", infer_schema_length=0, raise_if_empty=False, drop_empty_rows=False, **kept
            )
            refuse_reserved(frame.columns)
            con.register("_ddss_sheet", frame.with_row_index("_source_row", offset=1).to_arrow())
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM _ddss_sheet")
            finally:
                con.unregister("_ddss_sheet")
    except (FileRejected, duckdb.OutOfMemoryException, MemoryError):
        raise
    except Exception as e:  # the readers raise many types for a damaged file
        raise _corrupt(fmt, e) from None
    return [name for (name, *_) in con.execute(f"DESCRIBE {RAW}").fetchall() if name != "_source_row"]


def _corrupt(fmt: str, e: Exception) -> FileRejected:
    return FileRejected(
        f"Tệp {fmt.upper()} hỏng hoặc bị cắt cụt, không đọc được ({type(e).__name__})",
        f"corrupt or truncated {fmt} file ({type(e).__name__})",
        kind="corrupt",
    )
