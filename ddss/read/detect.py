"""What a file really is: its format from its bytes (not its name). Text encodings: encodings.py."""

from __future__ import annotations

from pathlib import Path

from ddss.read.errors import FileRejected

__all__ = ["binary_content", "detect_format"]

_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}


def detect_format(path: Path, head: bytes) -> str:
    """csv | parquet | xlsx, from the magic bytes, checked against the extension."""
    ext = path.suffix.lower()
    if ext not in _EXTENSIONS:
        raise FileRejected(
            f"Phần mở rộng '{ext or '(không có)'}' không được hỗ trợ; chỉ nhận .csv, .parquet, .xlsx",
            f"unsupported extension '{ext or '(none)'}'; expected .csv, .parquet or .xlsx",
            kind="extension",
        )
    if head.startswith(b"PAR1"):
        actual = "parquet"
    elif head.startswith(b"PK\x03\x04"):
        actual = "xlsx"
    else:
        actual = "csv"
    if actual != _EXTENSIONS[ext]:
        raise FileRejected(
            f"Nội dung tệp là {actual.upper()} nhưng phần mở rộng là '{ext}' (sai phần mở rộng)",
            f"content is {actual} but the extension is '{ext}' (wrong extension)",
            kind="wrong_extension",
        )
    return actual


def binary_content() -> FileRejected:
    return FileRejected("Tệp chứa dữ liệu nhị phân, không phải văn bản CSV", "binary content, not CSV text", kind="binary")
