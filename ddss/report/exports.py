"""Findings as files a steward sends back to an agency: XLSX and CSV (UTF-8 with BOM).

Vietnamese column names (Excel on Windows opens a BOM-marked CSV in the right encoding),
values already masked by the findings step, and every text cell that Excel or
LibreOffice would read as a formula (it begins with ``=``, ``+``, ``-``, ``@``, tab or
CR) prefixed with an apostrophe, so a hostile batch cell cannot run when the agency
opens the file (``ddss.mask.excel_safe_frame``). The findings browser's download uses
the same writers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

import polars as pl

from ddss.mask import excel_safe_frame
from ddss.report.xlsx import write_table
from ddss.rules.catalog import DIMENSIONS, SEVERITIES, by_id
from ddss.schema import AGENCIES

__all__ = ["COLUMNS_VI", "XLSX_ROWS", "download_jobs", "export_frame", "to_csv_bytes", "write_csv", "write_xlsx"]

# Column of the findings contract -> the header an agency reads (Vietnamese / English).
COLUMNS_VI: dict[str, str] = {
    "agency": "Cơ quan / Agency",
    "dataset": "Tập dữ liệu / Dataset",
    "batch_id": "Lô / Batch",
    "source_file": "Tệp nguồn / File",
    "source_row": "Dòng trong tệp / Row",
    "record_key": "Khoá bản ghi / Record key",
    "check_id": "Mã kiểm tra / Check",
    "check_title": "Tên kiểm tra / Check name",
    "dimension": "Chiều chất lượng / Dimension",
    "severity": "Mức độ / Severity",
    "value": "Giá trị (đã che) / Value (masked)",
    "message_vi": "Mô tả / Message",
    "run_id": "Lượt kiểm tra / Run",
}


XLSX_ROWS = 1_048_575  # Excel's rows per sheet, less the header


def _titles(check_ids: list[str]) -> dict[str, str]:
    out = {}
    for c in check_ids:
        try:
            out[c] = by_id(c).title_vi
        except KeyError:
            out[c] = ""
    return out


def export_frame(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings in the exported shape: readable labels, Vietnamese headers, formula-safe text."""
    df = findings
    titles = _titles(df["check_id"].unique().to_list()) if df.height else {}
    df = df.with_columns(pl.col("check_id").replace_strict(titles, default="").alias("check_title"))
    if "agency" in df.columns:
        df = df.with_columns(pl.col("agency").replace_strict(AGENCIES, default=pl.col("agency")))
    df = df.with_columns(
        pl.col("dimension").replace_strict(DIMENSIONS, default=pl.col("dimension")),
        pl.col("severity").replace_strict(SEVERITIES, default=pl.col("severity")),
    )
    keep = [c for c in COLUMNS_VI if c in df.columns]
    return excel_safe_frame(df.select(keep)).rename({c: COLUMNS_VI[c] for c in keep})


def to_csv_bytes(findings: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, every field quoted (a cell beginning with a tab or CR stays one cell)."""
    buf = io.BytesIO()
    export_frame(findings).write_csv(buf, include_bom=True, quote_style="always", line_terminator="\r\n")
    return buf.getvalue()


def write_csv(findings: pl.DataFrame, path: Path) -> Path:
    """As ``to_csv_bytes``, written straight to ``path`` (millions of findings are not held
    as one more copy in memory)."""
    export_frame(findings).write_csv(path, include_bom=True, quote_style="always", line_terminator="\r\n")
    return path


def download_jobs(findings: pl.DataFrame, folder: Path, stem: str) -> list[Callable[[], Path]]:
    """Writing ``<stem>.xlsx`` and ``<stem>.csv`` of ``findings`` under ``folder``: one call
    each, so a caller may run them on threads (polars and zlib release the GIL)."""
    return [partial(write_xlsx, findings, folder / f"{stem}.xlsx"), partial(write_csv, findings, folder / f"{stem}.csv")]


def write_xlsx(findings: pl.DataFrame, path: Path | io.BytesIO, sheet: str = "Phát hiện") -> Path | io.BytesIO:
    """One sheet (``ddss.report.xlsx``: rows built by polars, streamed into the zip). Every
    text cell is an inline string, never a formula or a number read from text, on top of
    ``excel_safe``. Beyond Excel's 1 048 575 data rows the sheet stops and a second sheet
    says so (the CSV holds all)."""
    out = export_frame(findings)
    shown = out.head(XLSX_ROWS)
    note = None
    if out.height > shown.height:
        note = (
            "Ghi chú",
            f"Chỉ {shown.height} / {out.height} dòng đầu (giới hạn của Excel); tệp CSV có đủ. "
            f"First {shown.height} of {out.height} rows (Excel's limit); the CSV holds all.",
        )
    widths = [22.0] + [14.0] * (len(out.columns) - 1)
    write_table(shown, path, sheet, widths, note)
    return path
