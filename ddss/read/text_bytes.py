"""What a UTF-8 CSV file's bytes prove about its cells, so typing may skip two per-cell checks.

parse.py runs two checks on every cell that cost over a third of typing a text-heavy
file (population.csv at 1 M persons: about 0.9 of 2.4 CPU s), and that change nothing in
a file whose bytes show they cannot apply:

- Padding: ``_blank_is_null`` and ``_trimmed`` differ from ``nullif(x, '')`` only for a
  cell that begins or ends with a character ``trim`` removes (space, tab, CR, LF, NBSP).
  A cell's first byte follows a field boundary (the file's start, a line end, a
  separator or an opening quote) and its last byte precedes one. So if no space or tab
  touches a ``,`` ``;`` ``"`` CR or LF or the file's ends, and the file holds no NBSP
  at all, no cell is padded. CR and LF are never inside a cell where this is used: the
  fast path (csv_text.csv_view) is taken only when every physical line is one record and
  the line endings are not mixed.
- NFC: the pre-check (nfc_quick) looks for characters of ``MAYBE_NOT_NFC``, all at or
  above U+0300 and none in U+1E00–U+1EFF (Vietnamese precomposed letters, tested). In
  UTF-8 every character from U+0300 on begins with a byte >= 0xCC, and U+1E00–U+1EFF are
  E1 B8..BB xx. A file with no byte >= 0xCC other than such an E1 holds no such character.

Both are proven on the thread that already reads the bytes for the SHA-256 (scan.py), and
only ever used for the file that was scanned (never a transcoded copy). They are
conservative: a false "maybe" costs speed, never a different result.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TextBytes"]

_WS, _EDGE = 1, 2
_CLASS = np.zeros(256, np.uint8)
_CLASS[[0x20, 0x09]] = _WS
_CLASS[[ord(","), ord(";"), ord('"'), 0x0A, 0x0D]] = _EDGE
_NBSP = b"\xc2\xa0"
_BOM = b"\xef\xbb\xbf"
_E1 = 0xE1


class TextBytes:
    """Fed a file's bytes chunk by chunk (any sizes): whether a cell may be padded with
    whitespace (``padded``), whether a character may change under NFC (``maybe_not_nfc``)
    and, if so, on which lines (``nfc_lines``: 0 = the header, counted by LF; None when
    more than ``max_lines`` lines would be listed)."""

    def __init__(self, max_lines: int = 1 << 18) -> None:
        self.padded = False
        self.maybe_not_nfc = False
        self.nfc_lines: np.ndarray | None = np.empty(0, np.int64)
        self._found: list[np.ndarray] = []
        self._max = max_lines
        self._lf = 0  # LF bytes before the current chunk: the line its first byte is on
        self._last = -1  # the previous chunk's last byte; -1: the file's start (a field boundary)
        self._head: bytes | None = b""  # the first bytes, until a byte-order mark can be told
        self._scratch: tuple[np.ndarray, ...] | None = None
        self._done = False

    def feed(self, chunk: bytes, lf: int | None = None) -> None:
        """``lf``: the chunk's LF bytes, when the caller counted them already (the scan does)."""
        if self._head is not None:  # a byte-order mark is not a cell's character: skipped
            self._head += chunk
            if len(self._head) < len(_BOM):
                return
            chunk, self._head, lf = self._head.removeprefix(_BOM), None, None  # other bytes than the caller's
        self._feed(chunk, lf)

    def _feed(self, chunk: bytes, lf: int | None = None) -> None:
        if not chunk:
            return
        listing = self._found is not None
        if self.padded and not listing:
            return
        a = np.frombuffer(chunk, np.uint8)
        if listing:
            self._nfc(chunk, a, lf)
        if not self.padded:
            self.padded = self._padded(chunk, a)
        self._last = chunk[-1]

    def finish(self) -> TextBytes:
        """The file's end is a field boundary; a lead byte E1 at the very end has no follower."""
        if not self._done:
            self._done = True
            if self._head is not None:  # fewer bytes than a byte-order mark
                self._feed(self._head)
                self._head = None
            if self._last >= 0 and _CLASS[self._last] == _WS:
                self.padded = True
            if self._last == _E1:
                self._add(np.array([self._lf], np.int64))
            if self._found is None:
                self.nfc_lines = None
            elif self._found:
                self.nfc_lines = np.unique(np.concatenate(self._found))
            self.maybe_not_nfc = self.nfc_lines is None or len(self.nfc_lines) > 0
        return self

    def _add(self, lines: np.ndarray) -> None:
        if self._found is not None:
            self._found.append(lines)
            if sum(len(f) for f in self._found) > self._max:
                self._found = None  # too many to list: every line may hold one

    def _work(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scratch arrays for a chunk of ``n`` bytes, kept between chunks: a fresh 4 MiB
        temporary per operation costs more in page faults than the operation itself."""
        if self._scratch is None or len(self._scratch[0]) < n:
            self._scratch = (np.empty(n, bool), np.empty(n, bool), np.empty(n, bool), np.empty(n, np.uint8))
        return tuple(x[:n] for x in self._scratch)

    def _nfc(self, chunk: bytes, a: np.ndarray, lf: int | None) -> None:
        """Lines holding a byte >= 0xCC other than an E1 followed by B8..BB. Whole-array
        operations; positions are taken only of such bytes, and of the line ends only in a
        chunk that holds one."""
        start, n = self._lf, len(a)
        if self._last == _E1 and not 0xB8 <= a[0] <= 0xBB:
            self._add(np.array([start], np.int64))  # the E1 ended the previous chunk, on this line
        high, ok, near, u = self._work(n)
        np.greater_equal(a, 0xCC, out=high)
        # E1 B8..BB: U+1E00-U+1EFF. An E1 ending the chunk is judged with the next chunk's first byte.
        np.equal(a[:-1], _E1, out=ok[:-1])
        np.less(np.subtract(a[1:], np.uint8(0xB8), out=u[:-1]), 4, out=near[:-1])
        np.logical_and(ok[:-1], near[:-1], out=ok[:-1])
        np.logical_xor(high[:-1], ok[:-1], out=high[:-1])  # such an E1 is itself a high byte
        high[-1] &= a[-1] != _E1
        if not np.count_nonzero(high):
            self._lf += chunk.count(b"\n") if lf is None else lf
            return
        ends = np.flatnonzero(a == 0x0A)
        self._lf += len(ends)
        self._add(start + np.searchsorted(ends, np.flatnonzero(high)))

    def _padded(self, chunk: bytes, a: np.ndarray) -> bool:
        is_ = self._work(len(a))[0]
        if np.count_nonzero(np.equal(a, 0x09, out=is_)):
            return True  # tabs and NBSP are rare: any at all counts as padding
        if np.count_nonzero(np.equal(a, 0xC2, out=is_)) and _NBSP in chunk:
            return True
        if self._last == 0xC2 and a[0] == 0xA0:
            return True
        before = _EDGE if self._last < 0 else _CLASS[self._last]
        if before ^ _CLASS[a[0]] == _WS ^ _EDGE:
            return True
        # A space beside a field boundary; positions are taken only of the spaces.
        spaces = np.flatnonzero(np.equal(a, 0x20, out=is_))
        if not len(spaces):
            return False
        left = spaces[spaces > 0] - 1  # a space first in the chunk was checked against the last one above
        right = spaces[spaces < len(a) - 1] + 1  # a space last in the chunk: with the next chunk's first byte
        return bool(np.any(_CLASS[a[left]] == _EDGE) or np.any(_CLASS[a[right]] == _EDGE))
