"""What a file really is: its format from its bytes (not its name) and its text encoding."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ddss.read.errors import FileRejected

__all__ = ["binary_content", "decode_text", "detect_format"]

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


def decode_text(data: bytes) -> tuple[str, str]:
    """(text in NFC, encoding): UTF-8 with or without BOM, else Windows-1258. The caller
    has already refused files with NUL bytes (csv_text.read_lines)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise _undecodable("UTF-8 (BOM)", e) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError as e:
        raise _undecodable("UTF-8 / Windows-1258", e) from None
    # Windows-1258 stores tone marks as combining characters by design: compose them here,
    # so only genuinely decomposed (NFD) input is later reported as such.
    text = unicodedata.normalize("NFC", text)
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > 8:
        raise binary_content()
    return text, "cp1258"


def _undecodable(tried: str, e: UnicodeDecodeError) -> FileRejected:
    return FileRejected(
        f"Không giải mã được tệp theo bảng mã {tried} (byte lỗi ở vị trí {e.start}); hãy lưu lại dưới dạng UTF-8",
        f"cannot decode the file as {tried} (bad byte at offset {e.start})",
        kind="encoding",
    )
