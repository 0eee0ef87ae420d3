"""What a UTF-8 CSV file's bytes prove about its cells, so typing may skip two per-cell checks.

parse.py runs two checks on every cell that cost about a quarter of typing a text-heavy
file (population.csv at 1 M persons: ~0.6 of 2.5 CPU s), and that change nothing in a
file whose bytes show they cannot apply:

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
    whitespace (``padded``) and whether a character may change under NFC (``maybe_not_nfc``)."""

    def __init__(self) -> None:
        self.padded = False
        self.maybe_not_nfc = False
        self._last = -1  # the previous chunk's last byte; -1: the file's start (a field boundary)
        self._head: bytes | None = b""  # the first bytes, until a byte-order mark can be told
        self._done = False

    def feed(self, chunk: bytes) -> None:
        if self._head is not None:  # a byte-order mark is not a cell's character: skipped
            self._head += chunk
            if len(self._head) < len(_BOM):
                return
            chunk, self._head = self._head.removeprefix(_BOM), None
        self._feed(chunk)

    def _feed(self, chunk: bytes) -> None:
        if not chunk or (self.padded and self.maybe_not_nfc):
            return
        a = np.frombuffer(chunk, np.uint8)
        if not self.maybe_not_nfc:
            self.maybe_not_nfc = self._not_nfc(a)
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
                self.maybe_not_nfc = True
        return self

    def _not_nfc(self, a: np.ndarray) -> bool:
        # Counting is cheap; positions are taken only of the E1 bytes, once all high bytes are E1.
        if self._last == _E1 and not 0xB8 <= a[0] <= 0xBB:
            return True
        e1 = a == _E1
        if np.count_nonzero(a >= 0xCC) != np.count_nonzero(e1):
            return True
        lead = np.flatnonzero(e1[:-1])  # an E1 ending the chunk is checked with the next one
        return bool(np.any((a[lead + 1] - np.uint8(0xB8)) > 3))

    def _padded(self, chunk: bytes, a: np.ndarray) -> bool:
        if np.count_nonzero(a == 0x09) or (np.count_nonzero(a == 0xC2) and _NBSP in chunk):
            return True  # tabs and NBSP are rare: any at all counts as padding
        if self._last == 0xC2 and a[0] == 0xA0:
            return True
        before = _EDGE if self._last < 0 else _CLASS[self._last]
        if before ^ _CLASS[a[0]] == _WS ^ _EDGE:
            return True
        # A space beside a field boundary; positions are taken only of the spaces.
        spaces = np.flatnonzero(a == 0x20)
        if not len(spaces):
            return False
        left = spaces[spaces > 0] - 1  # a space first in the chunk was checked against the last one above
        right = spaces[spaces < len(a) - 1] + 1  # a space last in the chunk: with the next chunk's first byte
        return bool(np.any(_CLASS[a[left]] == _EDGE) or np.any(_CLASS[a[right]] == _EDGE))
