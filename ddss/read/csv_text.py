"""CSV text -> DuckDB relations of text cells, one record per line (batch-format.md).

Every line after the header is one record; its 1-based number is its source row. Two
ways lead to the same cells, both inside DuckDB:

- fast (``csv_view``): DuckDB's strict CSV reader over the file itself, accepted only when
  it raises nothing and returns exactly one record per physical line (``scan_file``
  counts them), so the numbering cannot drift; the caller materialises it in file order;
- exact (``read_lines`` + ``split_lines``): otherwise (a short or long row, an unclosed
  quote, a blank line, a quoted line break, a file that is not UTF-8), the lines are
  loaded one value each and split in SQL, and every line whose fields cannot be tokenised
  or counted right is set aside with its field count, never dropped.

Files that are not UTF-8 are transcoded (Windows-1258, composed to NFC) to a temporary
UTF-8 copy first; DuckDB reads only UTF-8.
"""

from __future__ import annotations

import csv
import mmap
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ddss.read.detect import binary_content, decode_text
from ddss.read.errors import FileRejected
from ddss.sql import ident, str_literal

__all__ = [
    "BAD_LINES",
    "LINES",
    "TABLES",
    "CsvText",
    "csv_view",
    "load_lines",
    "no_bad_lines",
    "peek_csv",
    "read_lines",
    "split_lines",
]

LINES = "_ddss_lines"  # line; one row per physical line, rowid = line index (0 = header)
BAD_LINES = "_ddss_bad_lines"  # _source_row, fields, raw_line
_SPLIT = "_ddss_split"
TABLES = (LINES, BAD_LINES, _SPLIT)  # every temp table this module makes
# A line's fields: comma-prefixed so no match is empty; RFC 4180 quoting ("" inside quotes).
_FIELD = r',("(?:[^"]|"")*"|[^,"]*)'
_TOKENS = r'(?:,(?:"(?:[^"]|"")*"|[^,"]*))*'
_QUOTED = r'"(?:[^"]|"")*"'
# Bytes a text file practically never holds; the first one absent from the file separates
# "columns" when DuckDB reads each whole line as one value.
_SEPARATORS = (b"\x1e", b"\x1f", b"\x1d", b"\x1c", b"\x1a", b"\x19", b"\x18", b"\x17")
_HEAD = 1 << 16


@dataclass(frozen=True)
class CsvText:
    header: list[str]
    encoding: str
    rows_read: int
    source: Path  # the UTF-8 file DuckDB reads (the original, or a transcoded copy)


def peek_csv(path: Path, lines: int) -> CsvText | None:
    """Header and row count (``lines``: the file's physical lines, see scan.py) of a UTF-8
    file without loading it, or None when only the exact path can tell (not UTF-8, NUL
    bytes, no line break in the first 64 KiB, a blank first line)."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
    end = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0), default=-1)
    if b"\x00" in head or end < 0:
        return None
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        first = head[:end].decode(encoding)
    except UnicodeDecodeError:
        return None
    if not first.strip():
        return None
    return CsvText(next(csv.reader([first])), encoding, lines - 1, path)


def csv_view(con: duckdb.DuckDBPyConnection, text: CsvText, columns: dict[int, str], cells: str) -> None:
    """The view ``cells`` over DuckDB's strict reader: the canonical columns named in
    ``columns`` (field position -> name), in file order.
    Reading it raises duckdb.Error on most irregular lines; the others (a blank line, a
    quoted line break) show as fewer records than lines, which the caller checks."""
    fields = "{" + ", ".join(f"{str_literal(f'c{i}')}: 'VARCHAR'" for i in range(len(text.header))) + "}"
    picks = ", ".join(f"{ident(f'c{i}')} AS {ident(name)}" for i, name in columns.items())
    # A view cannot take bound parameters: the path goes in through the one literal quoter.
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {ident(cells)} AS SELECT {picks}
        FROM read_csv({str_literal(str(text.source))}, columns = {fields}, header = true, delim = ',', quote = '"',
                      escape = '"', auto_detect = false, strict_mode = true, null_padding = false)"""
    )


@contextmanager
def read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[CsvText]:
    """Load the file's lines into ``LINES``; yields the header fields and the row count."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
    if b"\x00" in head:
        raise binary_content()
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    transcoded = None
    try:
        try:
            load_lines(con, path)
        except duckdb.InvalidInputException as e:
            if "unicode" not in str(e).lower():
                raise _unreadable(e) from None
            text, encoding = decode_text(path.read_bytes())  # raises the encoding rejection
            fd, name = tempfile.mkstemp(suffix=".csv", prefix="ddss-")
            transcoded = Path(name)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            load_lines(con, transcoded)
        first = con.execute(f"SELECT line FROM {LINES} WHERE rowid = 0").fetchall()
        if not first or first[0][0] is None or not first[0][0].strip():
            raise FileRejected("Tệp không có dòng tiêu đề", "no header row", kind="empty")
        header = next(csv.reader([first[0][0]]))
        total = con.execute(f"SELECT count(*) FROM {LINES}").fetchall()[0][0]
        yield CsvText(header, encoding, total - 1, transcoded or path)
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)


def split_lines(con: duckdb.DuckDBPyConnection, text: CsvText, columns: dict[int, str], cells: str) -> None:
    """The exact path: the view ``cells`` (``_source_row`` and the canonical
    columns named in ``columns``) from ``LINES``, and ``BAD_LINES`` (lines set aside)."""
    n = len(text.header)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_SPLIT} AS
        WITH s AS (
            SELECT rowid AS _source_row, coalesce(line, '') AS line, contains(line, '"') AS q
            FROM {LINES} WHERE rowid > 0
        )
        SELECT _source_row, line,
            CASE WHEN q THEN regexp_full_match(',' || line, $tokens) ELSE true END AS tokenised,
            CASE WHEN q THEN list_transform(regexp_extract_all(',' || line, $field, 1),
                                            lambda x: CASE WHEN starts_with(x, '"') THEN replace(x[2:-2], '""', '"') ELSE x END)
                 ELSE string_split(line, ',') END AS f
        FROM s""",
        {"tokens": _TOKENS, "field": _FIELD},
    )
    ok = f"tokenised AND len(f) = {int(n)}"
    picks = ", ".join(f"f[{int(i) + 1}] AS {ident(name)}" for i, name in columns.items())
    con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(cells)} AS SELECT _source_row, {picks} FROM {_SPLIT} WHERE {ok}")
    # A line that cannot be tokenised still gets a field count for its reason: commas
    # outside balanced quotes, plus one.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {BAD_LINES} AS
        SELECT _source_row,
            CASE WHEN tokenised THEN len(f) ELSE length(u) - length(replace(u, ',', '')) + 1 END AS fields,
            line AS raw_line
        FROM (SELECT *, regexp_replace(line, $quoted, '', 'g') AS u FROM {_SPLIT})
        WHERE NOT ({ok})""",
        {"quoted": _QUOTED},
    )


def no_bad_lines(con: duckdb.DuckDBPyConnection) -> None:
    """An empty ``BAD_LINES``: every line (or row, in a binary file) is a record."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {BAD_LINES} (_source_row BIGINT, fields BIGINT, raw_line VARCHAR)")


def load_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """``LINES`` from the file, each whole line one value."""
    sep = _absent_byte(path)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {LINES} AS
            SELECT line FROM read_csv(?, columns = {{'line': 'VARCHAR'}},
            header = false, delim = ?, quote = '', escape = '', auto_detect = false, strict_mode = false)""",
        [str(path), sep.decode("ascii")],
    )


def _absent_byte(path: Path) -> bytes:
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        for b in _SEPARATORS:
            if m.find(b) < 0:
                return b
    raise binary_content()


def _unreadable(e: duckdb.Error) -> FileRejected:
    # DuckDB's message quotes the offending line (personal data): only its kind goes out.
    return FileRejected(
        f"Không đọc được tệp như văn bản CSV ({type(e).__name__})",
        f"cannot read the file as CSV text ({type(e).__name__})",
        kind="corrupt",
    )
