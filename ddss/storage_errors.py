"""Storage faults: a folder or file that cannot be written (disk full, read-only, no
permission), named with its cause in Vietnamese and English, whatever raised it (an
OSError or DuckDB's IO error text). Every command maps StorageError to exit STORAGE."""

from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = ["StorageError", "storage_error"]


class StorageError(OSError):
    """A folder or file cannot be written: disk full, read-only, no permission (exit STORAGE)."""

    def __init__(self, path: Path | str, cause: OSError | str) -> None:
        self.path = str(path)
        self.cause = cause
        super().__init__(self.path, str(cause))

    def __str__(self) -> str:
        vi, en = _CAUSES.get(getattr(self.cause, "errno", None), ("lỗi ghi", "write error"))
        detail = self.cause.strerror if isinstance(self.cause, OSError) and self.cause.strerror else str(self.cause)
        return f"Không ghi được vào {self.path}: {vi}. / Cannot write to {self.path}: {en} ({detail})."


_CAUSES = {
    errno.ENOSPC: ("đĩa đã đầy", "the disk is full"),
    errno.EDQUOT: ("hết hạn mức đĩa", "disk quota exceeded"),
    errno.EROFS: ("hệ thống tệp chỉ đọc", "the file system is read-only"),
    errno.EACCES: ("không có quyền ghi", "permission denied"),
    errno.EPERM: ("không có quyền ghi", "operation not permitted"),
    errno.ENOTDIR: ("không phải thư mục", "not a folder"),
}
_STORAGE_ERRNOS = frozenset(_CAUSES) | {errno.EIO, errno.EFBIG}
_STORAGE_TEXT = {
    "no space left": errno.ENOSPC,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
    "disk quota": errno.EDQUOT,
}


def storage_error(exc: BaseException, path: Path | str) -> StorageError | None:
    """``exc`` as a StorageError about ``path`` if it is a storage fault (an OSError with a
    storage errno, or a DuckDB IO error saying so), else None."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        return StorageError(exc.filename or path, exc)
    text = str(exc).lower()
    for needle, code in _STORAGE_TEXT.items():
        if needle in text:
            return StorageError(path, OSError(code, os.strerror(code)))
    return None
