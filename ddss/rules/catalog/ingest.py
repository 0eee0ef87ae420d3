"""Checks decided at ingestion: a row or a file that cannot be read as the contract says."""

from __future__ import annotations

from ddss.rules.catalog import Check

__all__ = ["CHECKS"]

_BF = "batch-format.md"


def _ingest(check_id: str, dimension: str, title: str, desc: str) -> Check:
    return Check(check_id, "*", dimension, "blocking", _BF, title, desc, None, None, "ingest")  # type: ignore[arg-type]


CHECKS = (
    _ingest("ingest.file_rejected", "du", "Tệp bị từ chối", "Cả tệp không đọc được theo quy cách nên không được nạp."),
    _ingest(
        "ingest.bad_date",
        "dung",
        "Ngày không hợp lệ",
        "Giá trị ngày không đọc được hoặc không tồn tại (YYYY-MM-DD hoặc DD/MM/YYYY).",
    ),
    _ingest(
        "ingest.bad_number",
        "dung",
        "Số không hợp lệ",
        "Giá trị số không đọc được hoặc dấu thập phân sai quy cách (ví dụ 1.234,5).",
    ),
    _ingest("ingest.bad_row", "dung", "Dòng sai cấu trúc", "Dòng có số cột khác với tiêu đề hoặc không đọc được."),
)
