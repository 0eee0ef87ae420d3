"""Batch files -> typed rows and quarantined rows, inside DuckDB: one entry point, ``read_file``.

``read_file`` leaves two temp relations on the connection it is given: ``STAGED``
(canonical typed columns + ``_source_row`` + ``_nfc_fixed``) and ``QUARANTINED``
(every row that could not be read: raw text, column, check and reason). The caller
inserts them, with lineage, in its own transaction. ``FileRejected`` is raised when the
file as a whole is unusable. ``preview_file`` returns the same as polars frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from ddss.read.binary import RAW, binary_cells, sheet_names
from ddss.read.csv_text import (
    BAD_LINES,
    LINE_LIMIT,
    LINES,
    CsvText,
    csv_view,
    load_lines,
    no_bad_lines,
    peek_csv,
    read_lines,
    split_lines,
)
from ddss.read.csv_text import TABLES as CSV_TABLES
from ddss.read.detect import detect_format
from ddss.read.errors import FileRejected
from ddss.read.headers import match_headers
from ddss.read.limits import Limits
from ddss.read.line_text import BAD_RAW, load_bad_raw
from ddss.read.parse import CHECK_OF, PARSED, TYPED, parse_cells, typed_select
from ddss.read.scan import FileScan, NotRegularFile, scan_file, snapshot_file
from ddss.schema import DATASETS, Dataset
from ddss.sql import ident

__all__ = [
    "QUARANTINED",
    "STAGED",
    "FilePreview",
    "FileRejected",
    "FileScan",
    "Limits",
    "NotRegularFile",
    "ReadResult",
    "csv_dataset",
    "drop_temp",
    "scan_file",
    "preview_file",
    "read_file",
    "sheet_names",
    "snapshot_file",
]

STAGED = "_ddss_staged"
QUARANTINED = "_ddss_quarantined"
_CELLS = "_ddss_cells"
_REASONS = "_ddss_reasons"
_NFC_ROWS = "_ddss_nfc_rows"  # r: the rows whose text may change under NFC (behind STAGED)
_NFC_LISTED = "_ddss_nfc_listed"  # view: those rows as typed, before NFC
_NFC_DONE = "_ddss_nfc_done"  # those rows as staged, composed to NFC (behind STAGED)
# What a read builds on the way; only TYPED (behind STAGED) and QUARANTINED outlive it.
_WORK_TABLES = (*CSV_TABLES, RAW, _REASONS, BAD_RAW)
_ROW_REASON_VI = "Dòng có {} cột, tiêu đề có {} cột (hoặc dấu ngoặc kép không đóng)"
_ROW_REASON_EN = "row has {} fields, the header has {} (or an unclosed quote)"


@dataclass(frozen=True)
class ReadResult:
    dataset: str
    file_format: str
    encoding: str | None
    rows_read: int
    rows_staged: int
    rows_quarantined: int
    exact_path: bool = False  # a CSV file split line by line in SQL, not by DuckDB's CSV reader


def read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    max_bytes: int,
    *,
    scan: FileScan | None = None,
    exact_csv: bool = False,
    name: str | None = None,
    sheet: str | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """``scan``: the file's scan, if the caller has made it (ingest does, on another thread).
    ``exact_csv`` forces the SQL line splitter even where DuckDB's reader would do.
    ``name``: the file's name as sent (``path`` may be ddss's copy of it); its extension
    must match the content. ``sheet``: the XLSX sheet to read (default the first).
    ``limits``: how far an XLSX or Parquet file may expand (default ``Limits()``)."""
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("Tệp rỗng (0 byte)", "empty file (0 bytes)", kind="empty")
    if size > max_bytes:
        raise FileRejected(
            f"Tệp quá lớn: {size / 2**20:.0f} MB, giới hạn {max_bytes / 2**20:.0f} MB",
            f"file too large: {size / 2**20:.0f} MB, limit {max_bytes / 2**20:.0f} MB",
            kind="too_large",
        )
    with path.open("rb") as f:
        head = f.read(8)
    fmt = detect_format(Path(name), head)
    drop_temp(con)
    if fmt == "csv":
        dataset, text, exact, nfc_rows = _read_csv(con, path, name, scan, exact_csv)
        encoding, header_fields, rows_read = text.encoding, len(text.header), text.rows_read
        raw = (f"{BAD_RAW} x ON x._source_row = t._source_row", "x.line")
    else:
        headers = binary_cells(con, path, fmt, limits or Limits(), sheet)
        dataset, mapping = match_headers(headers, name)
        picks = ", ".join(f"{ident(h)} AS {ident(c)}" for h, c in mapping.items())
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_CELLS} AS SELECT _source_row, {picks} FROM {RAW}")
        rows_read = con.execute(f"SELECT count(*) FROM {RAW}").fetchall()[0][0]
        encoding, header_fields, exact, nfc_rows = None, 0, False, None
        parse_cells(con, _CELLS, DATASETS[dataset])
        no_bad_lines(con)
        raw = (f"{RAW} x ON x._source_row = t._source_row", _joined_cells(mapping))
    good = f"SELECT * EXCLUDE (_bad_column) FROM {PARSED} WHERE _bad_column IS NULL"
    if nfc_rows is not None:
        # Typed without the NFC pre-check: the rows the scan listed go through the typing
        # query once more with it (their typed columns pass through, their text is composed and
        # _nfc_fixed set as for any other row); the other rows cannot change.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_NFC_ROWS} AS SELECT unnest($r)::BIGINT AS r", {"r": nfc_rows})
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_NFC_LISTED} AS {good} AND _source_row IN (SELECT r FROM {_NFC_ROWS})")
        nfc = typed_select(con, _NFC_LISTED, DATASETS[dataset], padded=False)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_NFC_DONE} AS SELECT * EXCLUDE (_bad_column) FROM ({nfc})")
        good += f" AND _source_row NOT IN (SELECT r FROM {_NFC_ROWS}) UNION ALL BY NAME SELECT * FROM {_NFC_DONE}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {STAGED} AS {good}")
    _quarantine(con, DATASETS[dataset], header_fields, raw)
    staged, quarantined = con.execute(f"SELECT (SELECT count(*) FROM {STAGED}), (SELECT count(*) FROM {QUARANTINED})").fetchall()[
        0
    ]
    _drop(con, (_CELLS,), _WORK_TABLES)  # the lines and cells are no longer needed: free the memory
    return ReadResult(dataset, fmt, encoding, rows_read, staged, quarantined, exact)


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, file_name: str, scan: FileScan | None, exact: bool
) -> tuple[str, CsvText, bool, list[int] | None]:
    """TYPED, BAD_LINES and BAD_RAW (the raw text of the rows typing set aside);
    returns the dataset, the text, whether the exact path read it and, when TYPED was
    typed without the NFC pre-check, the only rows that may need it (else None)."""
    # DuckDB's two readers split mixed line endings differently: only the exact path may
    # read them; a NUL byte's row is set aside, which only the exact path does.
    scan = None if exact else (scan or scan_file(path))
    fast = scan is not None and scan.line_endings != "mixed" and not scan.nul_bytes
    text = peek_csv(path, scan.lines) if fast else None
    if text is not None:
        name, columns = csv_dataset(text, Path(file_name))
        # The scan's proofs hold for these bytes; DuckDB reads them as they are. The rows
        # it lists as holding a character NFC may change get the pre-check later (read_file).
        listed = scan.nfc_lines is not None
        proofs = {"padded": scan.padded_cells, "maybe_not_nfc": scan.maybe_not_nfc and not listed}
        if _read_fast(con, text, columns, DATASETS[name], proofs):
            bad = [r for (r,) in con.execute(f"SELECT _source_row FROM {PARSED} WHERE _bad_column IS NOT NULL").fetchall()]
            # Only the bad rows' lines are read for their text, not the whole file again.
            if not load_bad_raw(con, text.source, bad, scan.line_endings):
                load_lines(con, text.source, longest=LINE_LIMIT)  # DuckDB's reader took every line
                _bad_raw_from_lines(con)
            return name, text, False, (scan.nfc_lines.tolist() if listed and scan.maybe_not_nfc else None)
    with read_lines(con, path) as text:
        name, columns = csv_dataset(text, Path(file_name))
        # A transcoded copy is new to the fast path (the original failed it for its encoding).
        if fast and text.source != path and not text.flagged and _read_fast(con, text, columns, DATASETS[name]):
            _bad_raw_from_lines(con)
            return name, text, False, None
        split_lines(con, text, columns, _CELLS)
        parse_cells(con, _CELLS, DATASETS[name])
        _bad_raw_from_lines(con)
    return name, text, True, None


def _bad_raw_from_lines(con: duckdb.DuckDBPyConnection) -> None:
    """``BAD_RAW`` from ``LINES`` (rowid = line number), for the rows typing set aside."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {BAD_RAW} AS SELECT rowid AS _source_row, line FROM {LINES}
        WHERE rowid IN (SELECT _source_row FROM {PARSED} WHERE _bad_column IS NOT NULL)"""
    )


def csv_dataset(text: CsvText, path: Path) -> tuple[str, dict[int, str]]:
    """The file's dataset and its columns: field position -> canonical name."""
    name, mapping = match_headers(text.header, path.name)
    return name, {i: mapping[h] for i, h in enumerate(text.header) if h in mapping}


def _read_fast(
    con: duckdb.DuckDBPyConnection, text: CsvText, columns: dict[int, str], ds: Dataset, proofs: dict[str, bool] | None = None
) -> bool:
    """TYPED straight from DuckDB's strict reader, if it reads one record per line.
    ``proofs``: what the scan of exactly ``text.source`` proved (parse_cells' keywords)."""
    csv_view(con, text, columns, _CELLS)
    try:
        parse_cells(con, _CELLS, ds, **(proofs or {}))
    except duckdb.Error:
        return False  # any irregular line: the exact path says which and why
    if con.execute(f"SELECT count(*) FROM {TYPED}").fetchall()[0][0] != text.rows_read:
        return False
    no_bad_lines(con)
    return True


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    """Free what a read left on this connection."""
    _drop(con, (_CELLS, STAGED, PARSED, _NFC_LISTED), (*_WORK_TABLES, TYPED, QUARANTINED, _NFC_ROWS, _NFC_DONE))


def _drop(con: duckdb.DuckDBPyConnection, views: tuple[str, ...], tables: tuple[str, ...]) -> None:
    for view in views:
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _joined_cells(mapping: dict[str, str]) -> str:
    """A binary file's row as text (its raw line, for the steward), from the file's own columns."""
    parts = ", ".join(f"coalesce(x.{ident(h)}::VARCHAR, '')" for h in mapping)
    return f"concat_ws(',', {parts})"


def _quarantine(con: duckdb.DuckDBPyConnection, ds: Dataset, header_fields: int, raw: tuple[str, str]) -> None:
    """``raw``: the join that finds a row's source (``x``) and the expression of its text."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_REASONS} (column_name VARCHAR, check_id VARCHAR, reason_vi VARCHAR, reason_en VARCHAR)"
    )
    reasons = [
        (c.name, CHECK_OF[c.dtype], _cell_reason_vi(c.dtype, c.header_vi, c.name), _cell_reason_en(c.dtype, c.name))
        for c in ds.columns
        if c.dtype in CHECK_OF
    ]
    if reasons:
        con.executemany(f"INSERT INTO {_REASONS} VALUES (?, ?, ?, ?)", reasons)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {QUARANTINED} AS
        SELECT _source_row, 'ingest.bad_row' AS check_id, NULL::VARCHAR AS column_name,
               coalesce(reason_vi, format($vi, fields, $n)) AS reason_vi,
               coalesce(reason_en, format($en, fields, $n)) AS reason_en,
               raw_line
        FROM {BAD_LINES}
        UNION ALL
        SELECT t._source_row, r.check_id, r.column_name, r.reason_vi, r.reason_en, {raw[1]} AS raw_line
        FROM {PARSED} t JOIN {_REASONS} r ON r.column_name = t._bad_column JOIN {raw[0]}
        ORDER BY _source_row""",
        {"n": header_fields, "vi": _ROW_REASON_VI, "en": _ROW_REASON_EN},
    )


def _cell_reason_vi(dtype: str, header_vi: str, column: str) -> str:
    if dtype in ("date", "timestamp"):
        return f"Cột '{header_vi}' ({column}): ngày không hợp lệ, cần YYYY-MM-DD hoặc DD/MM/YYYY và ngày phải tồn tại"
    return f"Cột '{header_vi}' ({column}): số không hợp lệ hoặc sai dấu thập phân (ví dụ đúng: 1.234,5)"


def _cell_reason_en(dtype: str, column: str) -> str:
    if dtype in ("date", "timestamp"):
        return f"column {column}: invalid or impossible date (expected YYYY-MM-DD or DD/MM/YYYY)"
    return f"column {column}: not a number in the file's decimal convention"


@dataclass(frozen=True)
class FilePreview:
    result: ReadResult
    staged: pl.DataFrame
    quarantined: pl.DataFrame

    @property
    def dataset(self) -> str:
        return self.result.dataset


def preview_file(path: Path, max_bytes: int, *, exact_csv: bool = False) -> FilePreview:
    """What ``read_file`` makes of a file, as frames, in a throwaway in-memory database."""
    from ddss.store import fetch_frame

    with duckdb.connect() as con:
        result = read_file(con, path, max_bytes, exact_csv=exact_csv)
        staged = fetch_frame(con, f"SELECT * FROM {STAGED} ORDER BY _source_row")
        quarantined = fetch_frame(con, f"SELECT * FROM {QUARANTINED} ORDER BY _source_row")
    return FilePreview(result, staged, quarantined)
