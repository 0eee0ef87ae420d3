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
UTF-8 copy first; DuckDB reads only UTF-8. A line in another encoding than the rest
(encodings.py) is blanked in that copy and set aside with its reason (``FLAGGED``), as is
a line holding a NUL byte or longer than ``LINE_LIMIT``: the row, never the file.

The separator is the header line's: ``,`` or ``;`` (Excel under Vietnamese regional
settings, where the comma is the decimal sign).
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

from ddss.read.detect import binary_content
from ddss.read.encodings import decode_lines
from ddss.read.errors import FileRejected
from ddss.read.paths import literal_path
from ddss.sql import ident, str_literal

__all__ = [
    "BAD_LINES",
    "LINES",
    "LINE_LIMIT",
    "TABLES",
    "FLAGGED",
    "CsvText",
    "csv_view",
    "header_fields",
    "load_lines",
    "no_bad_lines",
    "peek_csv",
    "read_lines",
    "split_lines",
]

LINES = "_ddss_lines"  # line; one row per physical line, rowid = line index (0 = header)
BAD_LINES = "_ddss_bad_lines"  # _source_row, fields, raw_line, reason_vi, reason_en (NULL: wrong field count)
FLAGGED = "_ddss_flagged"  # _source_row, reason_vi, reason_en, raw_line: lines set aside while decoding
_SPLIT = "_ddss_split"
TABLES = (LINES, BAD_LINES, FLAGGED, _SPLIT)  # every temp table this module makes
# DuckDB's CSV reader refuses longer lines by default (max_line_size); ddss reads them
# whole and sets that one line aside.
LINE_LIMIT = 2_097_152
# A line's fields: separator-prefixed so no match is empty; RFC 4180 quoting ("" inside quotes).
_FIELD = r'{d}("(?:[^"]|"")*"|[^{d}"]*)'
_TOKENS = r'(?:{d}(?:"(?:[^"]|"")*"|[^{d}"]*))*'
_QUOTED = r'"(?:[^"]|"")*"'
_NUL_VI, _NUL_EN = "Dòng chứa byte NUL (dữ liệu nhị phân)", "line holds a NUL byte (binary data)"
_LONG_VI = f"Dòng dài hơn giới hạn {LINE_LIMIT // 2**20} MB của trình đọc CSV"
_LONG_EN = f"line longer than the CSV reader's {LINE_LIMIT // 2**20} MB limit"
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
    delimiter: str = ","
    flagged: int = 0  # lines set aside while decoding (another encoding than the file's)


def header_fields(line: str) -> tuple[list[str], str]:
    """The header's fields and the file's separator: ``;`` when the header holds more
    semicolons than commas (no header of the contract holds either)."""
    delimiter = ";" if line.count(";") > line.count(",") else ","
    return next(csv.reader([line], delimiter=delimiter)), delimiter


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
    header, delimiter = header_fields(first)
    return CsvText(header, encoding, lines - 1, path, delimiter)


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
        FROM read_csv({str_literal(literal_path(text.source))}, columns = {fields}, header = true, quote = '"',
                      delim = {str_literal(text.delimiter)}, escape = '"', auto_detect = false, strict_mode = true,
                      null_padding = false)"""
    )


@contextmanager
def read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[CsvText]:
    """Load the file's lines into ``LINES`` (and ``FLAGGED``); yields the header fields
    and the row count."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    transcoded, flagged = None, {}
    try:
        try:
            load_lines(con, path)
        except duckdb.InvalidInputException as e:
            if "unicode" not in str(e).lower():
                raise _unreadable(e) from None
            decoded = decode_lines(path.read_bytes())  # raises the encoding rejections
            encoding, flagged, text = decoded.encoding, decoded.flagged, decoded.text()
            if sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t\x00") > 8:
                raise binary_content() from None
            fd, name = tempfile.mkstemp(suffix=".csv", prefix="ddss-")
            transcoded = Path(name)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            load_lines(con, transcoded)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {FLAGGED} (_source_row BIGINT, reason_vi VARCHAR, reason_en VARCHAR, raw_line VARCHAR)"
        )
        if flagged:
            con.executemany(f"INSERT INTO {FLAGGED} VALUES (?, ?, ?, ?)", [(i, *r) for i, r in flagged.items()])
        first = con.execute(f"SELECT line FROM {LINES} WHERE rowid = 0").fetchall()
        if not first or first[0][0] is None or not first[0][0].strip():
            raise FileRejected("Tệp không có dòng tiêu đề", "no header row", kind="empty")
        if "\x00" in first[0][0]:
            raise binary_content()
        header, delimiter = header_fields(first[0][0])
        total = con.execute(f"SELECT count(*) FROM {LINES}").fetchall()[0][0]
        yield CsvText(header, encoding, total - 1, transcoded or path, delimiter, len(flagged))
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)


def split_lines(con: duckdb.DuckDBPyConnection, text: CsvText, columns: dict[int, str], cells: str) -> None:
    """The exact path: the view ``cells`` (``_source_row`` and the canonical
    columns named in ``columns``) from ``LINES``, and ``BAD_LINES`` (lines set aside)."""
    n, d = len(text.header), text.delimiter
    # A line set aside while decoding, holding a NUL byte or too long is not split at all.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {_SPLIT} AS
        WITH s AS (
            SELECT l.rowid AS _source_row, coalesce(l.line, '') AS line, contains(l.line, '"') AS q,
                CASE WHEN g._source_row IS NOT NULL THEN g.reason_vi
                     WHEN contains(l.line, chr(0)) THEN $nul_vi
                     WHEN strlen(l.line) > $limit THEN $long_vi END AS reason_vi,
                CASE WHEN g._source_row IS NOT NULL THEN g.reason_en
                     WHEN contains(l.line, chr(0)) THEN $nul_en
                     WHEN strlen(l.line) > $limit THEN $long_en END AS reason_en,
                CASE WHEN g._source_row IS NOT NULL THEN g.raw_line ELSE replace(coalesce(l.line, ''), chr(0), '␀') END AS raw
            FROM {LINES} l LEFT JOIN {FLAGGED} g ON g._source_row = l.rowid WHERE l.rowid > 0
        )
        SELECT _source_row, line, reason_vi, reason_en, raw,
            CASE WHEN reason_vi IS NOT NULL THEN false WHEN q THEN regexp_full_match($d || line, $tokens) ELSE true END
                AS tokenised,
            CASE WHEN reason_vi IS NOT NULL THEN []
                 WHEN q THEN list_transform(regexp_extract_all($d || line, $field, 1),
                                            lambda x: CASE WHEN starts_with(x, '"') THEN replace(x[2:-2], '""', '"') ELSE x END)
                 ELSE string_split(line, $d) END AS f
        FROM s""",
        {
            "tokens": _TOKENS.replace("{d}", d),
            "field": _FIELD.replace("{d}", d),
            "d": d,
            "limit": LINE_LIMIT,
            "nul_vi": _NUL_VI,
            "nul_en": _NUL_EN,
            "long_vi": _LONG_VI,
            "long_en": _LONG_EN,
        },
    )
    ok = f"tokenised AND len(f) = {int(n)}"
    picks = ", ".join(f"f[{int(i) + 1}] AS {ident(name)}" for i, name in columns.items())
    con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(cells)} AS SELECT _source_row, {picks} FROM {_SPLIT} WHERE {ok}")
    # A line that cannot be tokenised still gets a field count for its reason: separators
    # outside balanced quotes, plus one.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {BAD_LINES} AS
        SELECT _source_row,
            CASE WHEN tokenised THEN len(f) ELSE length(u) - length(replace(u, $d, '')) + 1 END AS fields,
            raw AS raw_line, reason_vi, reason_en
        FROM (SELECT *, CASE WHEN reason_vi IS NULL THEN regexp_replace(line, $quoted, '', 'g') ELSE '' END AS u FROM {_SPLIT})
        WHERE NOT ({ok})""",
        {"quoted": _QUOTED, "d": d},
    )


def no_bad_lines(con: duckdb.DuckDBPyConnection) -> None:
    """An empty ``BAD_LINES``: every line (or row, in a binary file) is a record."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BAD_LINES} "
        "(_source_row BIGINT, fields BIGINT, raw_line VARCHAR, reason_vi VARCHAR, reason_en VARCHAR)"
    )


def load_lines(con: duckdb.DuckDBPyConnection, path: Path, longest: int | None = None) -> None:
    """``LINES`` from the file, each whole line one value (however long: a line over
    ``LINE_LIMIT`` is set aside by split_lines, not refused by the reader). ``longest``: a
    bound already proven on the file's lines (the fast path read them with DuckDB's default
    ``max_line_size``, LINE_LIMIT); without it the reader's buffer is the file's size, one
    allocation of the whole file (a 14 M-person population file: gigabytes)."""
    sep = _absent_byte(path)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {LINES} AS
            SELECT line FROM read_csv(?, columns = {{'line': 'VARCHAR'}},
            header = false, delim = ?, quote = '', escape = '', auto_detect = false, strict_mode = false,
            max_line_size = ?)""",
        [literal_path(path), sep.decode("ascii"), longest or max(path.stat().st_size + 1, LINE_LIMIT)],
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
