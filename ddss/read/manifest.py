"""The agency's control totals: ``manifest.csv`` in the inbox (docs/batches.md).

One line per file the agency sent: its name, its number of data rows (the header not
counted; a workbook's rows over all its dataset sheets) and the SHA-256 of its bytes.
Headers ``file,rows,sha256`` or ``tệp,số dòng,sha256`` (any case, ``,`` or ``;``); the
rows and the hash may be left empty when the agency does not have them.

Reconciling compares it with what the ingest read and reports every difference as a
note: a listed file missing from the inbox, a row count or a hash that differs, a file
in the inbox the manifest does not list. Messages name files and counts, never a value.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ddss.read.csv_text import header_fields
from ddss.read.headers import header_key

__all__ = ["MANIFEST_NAME", "Note", "reconcile"]

MANIFEST_NAME = "manifest.csv"
_FILE = {"file", "tệp", "tên tệp", "ten tep", "tep"}
_ROWS = {"rows", "số dòng", "so dong", "dòng"}
_SHA = {"sha256", "sha 256", "sha-256", "mã băm", "ma bam"}


@dataclass(frozen=True)
class Note:
    """Something an ingest run noticed beyond its files' rows (also: a workbook sheet that
    matches no dataset, ``sheet_unmatched``)."""

    source_file: str
    # manifest_missing | manifest_rows | manifest_sha256 | manifest_unlisted | manifest_unreadable | sheet_unmatched
    kind: str
    reason_vi: str
    reason_en: str


@dataclass(frozen=True)
class _Line:
    name: str
    rows: int | None
    sha256: str | None


def _parse(path: Path) -> list[_Line] | Note:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _unreadable("không phải UTF-8", "not UTF-8")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return _unreadable("tệp rỗng", "empty")
    header, delimiter = header_fields(lines[0])
    keys = [header_key(h) for h in header]
    pos = {
        what: next((i for i, k in enumerate(keys) if k in names), None)
        for what, names in (("file", _FILE), ("rows", _ROWS), ("sha", _SHA))
    }
    if pos["file"] is None:
        return _unreadable("thiếu cột 'file' (tên tệp)", "no 'file' column")
    out = []
    for n, fields in enumerate(csv.reader(lines[1:], delimiter=delimiter), start=2):
        cell = {w: fields[i].strip() if i is not None and i < len(fields) else "" for w, i in pos.items()}
        rows = re.sub(r"[\s.,]", "", cell["rows"])
        if rows and not rows.isdigit():
            return _unreadable(f"số dòng không phải số ở dòng {n}", f"rows is not a number on line {n}")
        out.append(_Line(cell["file"], int(rows) if rows else None, cell["sha"].lower() or None))
    return out


def _unreadable(vi: str, en: str) -> Note:
    return Note(
        MANIFEST_NAME,
        "manifest_unreadable",
        f"Không đọc được bảng kê {MANIFEST_NAME}: {vi}",
        f"cannot read {MANIFEST_NAME}: {en}",
    )


def reconcile(con: duckdb.DuckDBPyConnection, manifest: Path, batch_id: str, inbox_names: list[str]) -> list[Note]:
    """Compare the manifest with the ``batches`` rows of ``batch_id`` (this run)."""
    parsed = _parse(manifest)
    if isinstance(parsed, Note):
        return [parsed]
    notes = []
    listed = {line.name for line in parsed}
    for line in parsed:
        if line.name not in inbox_names:
            notes.append(
                Note(
                    line.name,
                    "manifest_missing",
                    "Bảng kê có tệp này nhưng inbox không có",
                    "listed in the manifest but not in the inbox",
                )
            )
            continue
        sha, rows, status = _actual(con, batch_id, line.name)
        if line.sha256 is not None and sha is not None and line.sha256 != sha:
            notes.append(
                Note(
                    line.name,
                    "manifest_sha256",
                    "SHA-256 của tệp khác bảng kê: tệp đã bị thay đổi hoặc không phải tệp cơ quan gửi",
                    "the file's SHA-256 differs from the manifest",
                )
            )
        if line.rows is not None and rows is not None and line.rows != rows:
            notes.append(
                Note(
                    line.name,
                    "manifest_rows",
                    f"Bảng kê ghi {line.rows} dòng dữ liệu, tệp có {rows} dòng",
                    f"the manifest says {line.rows} data rows, the file has {rows}",
                )
            )
        if status == "skipped":
            notes.append(
                Note(
                    line.name,
                    "manifest_missing",
                    "Tệp trong bảng kê bị bỏ qua (không phải tệp thông thường)",
                    "listed but skipped (not a regular file)",
                )
            )
    for name in inbox_names:
        if name not in listed:
            notes.append(
                Note(
                    name,
                    "manifest_unlisted",
                    "Tệp có trong inbox nhưng không có trong bảng kê",
                    "in the inbox but not in the manifest",
                )
            )
    return notes


def _actual(con: duckdb.DuckDBPyConnection, batch_id: str, name: str) -> tuple[str | None, int | None, str]:
    """(SHA-256, data rows or None when unknown, status) of an inbox file in this batch."""
    parts = con.execute(
        "SELECT status, file_sha256, rows_read FROM batches "
        "WHERE batch_id = ? AND (source_file = ? OR starts_with(source_file, ?))",
        [batch_id, name, name + "#"],
    ).fetchall()
    if not parts:
        return None, None, "absent"
    statuses = {s for s, _, _ in parts}
    sha = parts[0][1]
    if "skipped" in statuses:
        return None, None, "skipped"
    if statuses == {"duplicate"}:
        ((rows,),) = con.execute(
            "SELECT sum(rows_read) FROM batches WHERE file_sha256 = ? AND status = 'loaded' "
            "AND batch_id = (SELECT min(batch_id) FROM batches WHERE file_sha256 = ? AND status = 'loaded')",
            [sha, sha],
        ).fetchall()
        return sha, rows, "duplicate"
    if "loaded" not in statuses:
        return sha, None, "rejected"
    return sha, sum(r for s, _, r in parts if s == "loaded"), "loaded"
