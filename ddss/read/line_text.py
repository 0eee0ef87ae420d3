"""The raw text of a few physical lines of a CSV file, for quarantined rows' reasons.

The fast path (csv_text.csv_view) has proven one record per physical line, so a bad
record's source row is its line number. About 1 % of rows are bad: loading every line
of the file into DuckDB again only to keep 1 % of them was a second full pass (0.4 s of
a 1 M-person population file). Here the file is read once more in blocks, line ends
found with numpy, and only the wanted lines are decoded; the rest never leave the block.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

__all__ = ["BAD_RAW", "line_texts", "load_bad_raw"]

BAD_RAW = "_ddss_bad_raw"  # _source_row, line: the raw text of the rows set aside
_BLOCK = 1 << 24


def line_texts(path: Path, rows: list[int], endings: str, block: int = _BLOCK) -> dict[int, str | None]:
    """``rows``: 0-based physical line numbers (0 = the header). ``endings``: the file's
    line endings as scan.py found them (lf, crlf or cr; never mixed here). A line's text
    is without its ending, as DuckDB's line reader gives it. Rows past the end are absent.
    ``block``: bytes read at a time (a line may span blocks)."""
    want = sorted(set(rows))
    sep = 13 if endings == "cr" else 10  # CR or LF; CRLF lines end with LF, the CR is cut below
    out: dict[int, bytes] = {}
    i, base, carry = 0, 0, b""  # base: the number of the first line starting in buf
    with Path(path).open("rb") as f:
        while i < len(want):
            chunk = f.read(block)
            buf = carry + chunk if carry else chunk
            if not chunk:  # the last line, without an ending
                if buf and want[i] == base:
                    out[base] = buf
                break
            ends = np.flatnonzero(np.frombuffer(buf, np.uint8) == sep)
            while i < len(want) and want[i] < base + len(ends):
                k = want[i] - base
                out[want[i]] = buf[(ends[k - 1] + 1 if k else 0) : ends[k]]
                i += 1
            carry = buf[ends[-1] + 1 :] if len(ends) else buf
            base += len(ends)
    cut = endings == "crlf"
    texts = {r: (b[:-1] if cut and b.endswith(b"\r") else b).decode("utf-8", "replace") or None for r, b in out.items()}
    if texts.get(0):  # as DuckDB reads it: the header without its byte-order mark, a blank line NULL
        texts[0] = texts[0].removeprefix("\ufeff") or None
    return texts


def load_bad_raw(con: duckdb.DuckDBPyConnection, path: Path, rows: list[int], endings: str) -> bool:
    """``BAD_RAW`` with the text of ``rows``; False (and nothing made) when a row was not
    found, which the proof of one record per line rules out: the caller then loads every line."""
    texts = line_texts(path, rows, endings)
    if len(texts) != len(set(rows)):
        return False
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BAD_RAW} AS SELECT unnest($r)::BIGINT AS _source_row, unnest($t)::VARCHAR AS line",
        {"r": list(texts), "t": list(texts.values())},
    )
    return True
