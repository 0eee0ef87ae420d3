"""One pass over a file's bytes: its SHA-256 (identity, idempotency) and its physical line
count (which lets the CSV fast path prove one record per line without loading the lines)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileScan", "scan_file"]

_CHUNK = 1 << 22


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int
    lines: int  # LF, CRLF and a lone CR each end a line; a last line without an ending counts too
    line_endings: str  # lf | crlf | cr | none | mixed (readers disagree on mixed ones: only the exact path takes them)


def scan_file(path: Path, chunk_size: int = _CHUNK) -> FileScan:
    """Hashing and counting release the GIL, so this runs well on a second thread."""
    h = hashlib.sha256()
    size = lf = cr = crlf = 0
    prev_cr, last = False, b""
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
            size += len(chunk)
            lf += chunk.count(b"\n")
            if b"\r" in chunk:  # counting pairs is slow; most files have no CR at all
                cr, crlf = cr + chunk.count(b"\r"), crlf + chunk.count(b"\r\n")
            crlf += prev_cr and chunk.startswith(b"\n")
            prev_cr, last = chunk.endswith(b"\r"), chunk[-1:]
    lines = lf + cr - crlf + (size > 0 and last not in (b"\n", b"\r"))
    return FileScan(h.hexdigest(), size, lines, _endings(lf - crlf, cr - crlf, crlf))


def _endings(lf: int, cr: int, crlf: int) -> str:
    """From the counts of lone LF, lone CR and CRLF."""
    kinds = [name for name, n in (("lf", lf), ("cr", cr), ("crlf", crlf)) if n]
    return kinds[0] if len(kinds) == 1 else ("none" if not kinds else "mixed")
