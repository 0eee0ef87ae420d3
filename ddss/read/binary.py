"""Parquet and XLSX files -> a DuckDB temp table of cells, rows numbered 1..n in file order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ddss.read.errors import FileRejected

__all__ = ["RAW", "binary_cells"]

RAW = "_ddss_raw"  # the file's own columns, plus _source_row


def binary_cells(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> list[str]:
    """Load the file into ``RAW``; returns its column headers in file order."""
    try:
        if fmt == "parquet":
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _source_row "
                "FROM read_parquet(?, file_row_number = true)",
                [str(path)],
            )
        else:
            sheet = pl.read_excel(path, engine="calamine", infer_schema_length=0, raise_if_empty=False, drop_empty_rows=False)
            con.register("_ddss_sheet", sheet.with_row_index("_source_row", offset=1).to_arrow())
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM _ddss_sheet")
            finally:
                con.unregister("_ddss_sheet")
    except Exception as e:  # the readers raise many types for a damaged file
        raise FileRejected(
            f"Tệp {fmt.upper()} hỏng hoặc bị cắt cụt, không đọc được ({type(e).__name__})",
            f"corrupt or truncated {fmt} file ({type(e).__name__})",
            kind="corrupt",
        ) from None
    return [name for (name, *_) in con.execute(f"DESCRIBE {RAW}").fetchall() if name != "_source_row"]
