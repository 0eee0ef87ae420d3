"""One pass over a file's bytes: its SHA-256 (identity, idempotency), its physical line
count (which lets the CSV fast path prove one record per line without loading the lines),
whether it holds NUL bytes, and what its bytes prove about its cells (text_bytes.py:
no cell padded with whitespace, no character NFC could change).

``snapshot_file`` makes that pass while copying an inbox file into ddss's own folder:
everything after it reads the copy, so the hash recorded is the hash of the bytes loaded
even if the agency's file changes during the ingest, and the inbox name (which may hold
``[``, ``*`` or ``?``) never reaches a reader that would take it for a pattern.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ddss.read.text_bytes import TextBytes

__all__ = ["FileScan", "NotRegularFile", "scan_file", "snapshot_file"]

_CHUNK = 1 << 22


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int
    lines: int  # LF, CRLF and a lone CR each end a line; a last line without an ending counts too
    line_endings: str  # lf | crlf | cr | none | mixed (readers disagree on mixed ones: only the exact path takes them)
    nul_bytes: int = 0  # a NUL byte's row is quarantined: only the exact path sees rows by line
    # Read as UTF-8 by DuckDB's reader (never a transcoded copy), see text_bytes.py; True: not proven.
    padded_cells: bool = True  # a cell may begin or end with whitespace
    maybe_not_nfc: bool = True  # a character may change under NFC
    # On which lines only (0 = the header; LF or CRLF files); None: not listed. Not compared
    # (nor hashed): an array has no single truth value.
    nfc_lines: np.ndarray | None = field(default=None, compare=False)


class NotRegularFile(Exception):
    """An inbox entry that is not a plain file of the inbox (a link, a FIFO, a folder…)."""

    def __init__(self, reason_vi: str, reason_en: str) -> None:
        super().__init__(f"{reason_vi} / {reason_en}")
        self.reason_vi, self.reason_en = reason_vi, reason_en


def scan_file(path: Path, chunk_size: int = _CHUNK) -> FileScan:
    """Hashing and counting release the GIL, so this runs well on a second thread."""
    with Path(path).open("rb") as f:
        return _scan(f.fileno(), None, chunk_size)


def snapshot_file(path: Path, dest: Path, chunk_size: int = _CHUNK) -> FileScan:
    """Copy ``path`` to ``dest`` and scan the bytes copied. A symbolic link, FIFO, device or
    folder is refused (``NotRegularFile``) without reading it: opened with O_NOFOLLOW and
    O_NONBLOCK, then checked on the open descriptor, so swapping the entry for a link
    between listing and copying changes nothing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        if os.path.islink(path):
            raise NotRegularFile("là liên kết tượng trưng (symlink), không đọc", "a symbolic link, not followed") from None
        raise NotRegularFile(f"không mở được ({e.strerror})", f"cannot be opened ({e.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(*_kind(mode))
        with open(dest, "wb") as out:
            return _scan(fd, out, chunk_size)
    finally:
        os.close(fd)


def _kind(mode: int) -> tuple[str, str]:
    if stat.S_ISDIR(mode):
        return "là thư mục, không đọc thư mục con", "a folder; sub-folders are not read"
    if stat.S_ISFIFO(mode):
        return "là FIFO (ống dẫn), không phải tệp", "a FIFO (named pipe), not a file"
    return "không phải tệp thông thường (thiết bị hoặc socket)", "not a regular file (device or socket)"


def _scan(fd: int, out, chunk_size: int) -> FileScan:
    h = hashlib.sha256()
    size = lf = cr = crlf = nul = 0
    prev_cr, last = False, b""
    text = TextBytes()
    while chunk := os.read(fd, chunk_size):
        h.update(chunk)
        n_lf = chunk.count(b"\n")
        text.feed(chunk, n_lf)
        if out is not None:
            out.write(chunk)
        size += len(chunk)
        lf += n_lf
        nul += chunk.count(b"\x00")
        if b"\r" in chunk:  # counting pairs is slow; most files have no CR at all
            cr, crlf = cr + chunk.count(b"\r"), crlf + chunk.count(b"\r\n")
        crlf += prev_cr and chunk.startswith(b"\n")
        prev_cr, last = chunk.endswith(b"\r"), chunk[-1:]
    lines = lf + cr - crlf + (size > 0 and last not in (b"\n", b"\r"))
    text.finish()
    endings = _endings(lf - crlf, cr - crlf, crlf)
    nfc_lines = text.nfc_lines if endings in ("lf", "crlf") else None  # counted by LF
    return FileScan(h.hexdigest(), size, lines, endings, nul, text.padded, text.maybe_not_nfc, nfc_lines)


def _endings(lf: int, cr: int, crlf: int) -> str:
    """From the counts of lone LF, lone CR and CRLF."""
    kinds = [name for name, n in (("lf", lf), ("cr", cr), ("crlf", crlf)) if n]
    return kinds[0] if len(kinds) == 1 else ("none" if not kinds else "mixed")
