"""An inbox of agency files -> the province's staging tables, with lineage and quarantine.

What a batch is, and how its files count, is written in docs/batches.md. Per file (per
sheet of a workbook), in one transaction: staged rows (with batch id, agency, file name,
SHA-256, 1-based source row, load time, NFC flag), quarantined rows (raw text + reason)
and one ``batches`` row whose counts must balance (rows read = staged + quarantined).

Every inbox file is first copied into ddss's own folder while it is hashed: the copy is
what is read, so the SHA-256 recorded is that of the bytes loaded, and the agency's file
name never reaches a reader as a pattern. Entries that are not plain files of the inbox
(links, FIFOs, folders) are listed as skipped and never opened. A file already loaded
(same SHA-256) adds nothing. A rejected file's copy is kept, with its reason, in the
province's quarantine folder; the rest of the batch still loads. An agency manifest
(``manifest.csv``) is reconciled against what was read; every difference is a note.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ddss import store
from ddss.read import (
    QUARANTINED,
    STAGED,
    FileRejected,
    FileScan,
    Limits,
    NotRegularFile,
    drop_temp,
    read_file,
    sheet_names,
    snapshot_file,
)
from ddss.read.detect import detect_format
from ddss.read.manifest import MANIFEST_NAME, Note, reconcile
from ddss.read.owner import refuse_foreign
from ddss.schema import AGENCIES, DATASETS, staging_table
from ddss.settings import Settings

__all__ = ["FileOutcome", "IngestResult", "Note", "OutOfMemory", "ingest_inbox", "new_batch_id"]


@dataclass(frozen=True)
class FileOutcome:
    source_file: str  # the file's name; a sheet of a workbook with several: "name.xlsx#Sheet"
    dataset: str | None
    status: str  # loaded | rejected | duplicate | skipped
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    reason_vi: str | None = None
    reason_en: str | None = None


@dataclass
class IngestResult:
    batch_id: str
    province: str
    files: list[FileOutcome] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(f.status == "rejected" for f in self.files)

    @property
    def rows_staged(self) -> int:
        return sum(f.rows_staged for f in self.files)

    @property
    def manifest_differences(self) -> int:
        return sum(n.kind.startswith("manifest_") for n in self.notes)

    @property
    def nothing_new(self) -> bool:
        """No file loaded or rejected: the inbox held only files loaded before, or none."""
        return not any(f.status in ("loaded", "rejected") for f in self.files)


class OutOfMemory(RuntimeError):
    """DuckDB ran out of its memory on a file: the machine's fault, not the file's. Nothing
    of that file is written (its read, and its transaction if begun, are undone); the files
    before it stay loaded, and a rerun skips them."""

    def __init__(self, source_file: str, limit: str | None) -> None:
        super().__init__(source_file, limit)  # args rebuild the error when it is pickled (Prefect states)
        self.source_file, self.limit = source_file, limit

    def __str__(self) -> str:
        shown = self.limit or "80 % RAM"
        return (
            f"Hết bộ nhớ khi nạp tệp {self.source_file} (giới hạn của DuckDB: {shown}); tệp này không được ghi gì, "
            "các tệp trước nó đã nạp xong. Hãy tăng duckdb_memory_limit trong [tool.ddss] của pyproject.toml "
            f"rồi chạy lại: tệp đã nạp được bỏ qua. / out of memory loading {self.source_file} (DuckDB limit {shown}); "
            "nothing of this file was written; raise duckdb_memory_limit and run again."
        )


def new_batch_id(province: str) -> str:
    """Unique and sortable by time."""
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{now}-{province}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class _Entry:
    path: Path
    skipped: tuple[str, str] | None = None  # (vi, en) reason when not read at all


def _inbox_entries(inbox: Path) -> tuple[list[_Entry], Path | None]:
    """The inbox's entries in name order (hidden names ignored) and its manifest, if any.
    Judged without following links: ``lstat`` says what the entry itself is."""
    if not inbox.is_dir():
        raise FileNotFoundError(f"Không tìm thấy thư mục inbox: {inbox} / inbox folder not found")
    entries, manifest = [], None
    for p in sorted(inbox.iterdir(), key=lambda p: p.name):
        if p.name.startswith("."):
            continue
        if p.name.lower() == MANIFEST_NAME and p.is_file() and not p.is_symlink():
            manifest = p
            continue
        if p.is_symlink():
            entries.append(_Entry(p, ("là liên kết tượng trưng (symlink), không đọc", "a symbolic link, not followed")))
        elif p.is_dir():
            entries.append(_Entry(p, ("là thư mục, không đọc thư mục con", "a folder; sub-folders are not read")))
        elif not p.is_file():
            entries.append(_Entry(p, ("không phải tệp thông thường (FIFO, thiết bị, socket)", "not a regular file")))
        else:
            entries.append(_Entry(p))
    return entries, manifest


def ingest_inbox(settings: Settings, province: str, inbox: Path, agency: str | None = None) -> IngestResult:
    if agency is not None and agency not in AGENCIES:
        raise ValueError(f"cơ quan không hợp lệ {agency!r}; hợp lệ: {', '.join(AGENCIES)}")
    result = IngestResult(new_batch_id(province), province)
    limits = Limits(settings.max_expanded_bytes, settings.max_rows, settings.max_cells)
    with store.writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
        entries, manifest = _inbox_entries(Path(inbox))
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with tempfile.TemporaryDirectory(prefix=".ddss-ingest-", dir=settings.data_dir) as snapshots:
            readable = [e for e in entries if e.skipped is None]
            copies = [Path(snapshots) / f"f{i:05d}{_safe_suffix(e.path.name)}" for i, e in enumerate(readable)]
            # Copy + hash (+ count lines) on a second thread while DuckDB loads the previous files.
            with ThreadPoolExecutor(max_workers=1) as scanner:
                scans = iter([scanner.submit(snapshot_file, e.path, c) for e, c in zip(readable, copies, strict=True)])
                copy_of = dict(zip((e.path for e in readable), copies, strict=True))
                for entry in entries:
                    name = entry.path.name
                    if entry.skipped is not None:
                        result.files.append(_skip(con, result, name, *entry.skipped, now))
                        continue
                    try:
                        scan = next(scans).result()
                    except NotRegularFile as e:
                        result.files.append(_skip(con, result, name, e.reason_vi, e.reason_en, now))
                        continue
                    try:
                        outcomes, notes = _ingest_file(con, settings, result, copy_of[entry.path], name, scan, agency, limits)
                    except (duckdb.OutOfMemoryException, MemoryError) as e:
                        raise OutOfMemory(name, settings.duckdb_memory_limit) from e
                    finally:
                        copy_of[entry.path].unlink(missing_ok=True)  # the next copies are being written
                    result.files.extend(outcomes)
                    result.notes.extend(notes)
            if manifest is not None:
                result.notes.extend(reconcile(con, manifest, result.batch_id, [e.path.name for e in entries]))
        _record_notes(con, result, now)
    return result


def _safe_suffix(name: str) -> str:
    """The extension of ddss's copy: the sent one if it is plain letters and digits."""
    suffix = Path(name).suffix
    return suffix if suffix[1:].isalnum() and suffix[1:].isascii() else ".bin"


def _skip(con, result: IngestResult, name: str, vi: str, en: str, now: dt.datetime) -> FileOutcome:
    outcome = FileOutcome(name, None, "skipped", reason_vi=f"Bỏ qua: {vi}", reason_en=f"skipped: {en}")
    base = {"batch_id": result.batch_id, "province": result.province, "file_sha256": None, "file_bytes": None, "loaded_at": now}
    _record(con, base, outcome, None, None, None)
    return outcome


def _ingest_file(
    con,
    settings: Settings,
    result: IngestResult,
    path: Path,
    name: str,
    scan: FileScan,
    agency: str | None,
    limits: Limits,
) -> tuple[list[FileOutcome], list[Note]]:
    """``path``: ddss's copy of the inbox file ``name``."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    base = {
        "batch_id": result.batch_id,
        "province": result.province,
        "file_sha256": scan.sha256,
        "file_bytes": scan.size,
        "loaded_at": now,
    }
    seen = con.execute(
        "SELECT dataset, batch_id, source_file, rows_read FROM batches "
        "WHERE province = ? AND file_sha256 = ? AND status = 'loaded' ORDER BY batch_id, source_file",
        [result.province, scan.sha256],
    ).fetchall()
    if seen:
        first_batch = seen[0][1]
        outcomes = []
        for dataset, batch, part, _ in (s for s in seen if s[1] == first_batch):
            o = FileOutcome(
                _renamed(part, name),
                dataset,
                "duplicate",
                reason_vi=f"Tệp đã được nạp trong lô {batch} (cùng SHA-256); không nạp lại",
                reason_en=f"already loaded in batch {batch} (same SHA-256); nothing added",
            )
            _record(con, base, o, agency or DATASETS[dataset].agency, None, None)
            outcomes.append(o)
        return outcomes, []
    parts, notes = [None], []
    try:
        with path.open("rb") as f:
            fmt = detect_format(Path(name), f.read(8))
        if fmt == "xlsx":
            sheets = sheet_names(path, limits)
            parts = sheets if len(sheets) > 1 else [None]
    except FileRejected as e:
        return [_reject(con, settings, base, path, name, e, agency)], []
    outcomes = []
    for sheet in parts:
        part = name if sheet is None else f"{name}#{sheet}"
        try:
            outcomes.append(_ingest_part(con, settings, result, base, path, name, part, scan, agency, limits, sheet))
        except FileRejected as e:
            drop_temp(con)
            if sheet is not None and e.kind == "unknown_dataset":
                notes.append(
                    Note(
                        part,
                        "sheet_unmatched",
                        f"Trang tính '{sheet}' không khớp tập dữ liệu nào; không đọc",
                        "sheet matches no dataset; not read",
                    )
                )
                continue
            outcomes.append(_reject(con, settings, {**base}, path, part, e, agency, kept_as=name))
    if not outcomes:  # a workbook none of whose sheets is a dataset
        e = FileRejected(
            "Không trang tính nào của tệp khớp một tập dữ liệu (dân cư, khai sinh, khai tử, kết hôn, thửa đất, giấy chứng nhận)",
            "no sheet of the workbook matches a dataset",
            kind="unknown_dataset",
        )
        outcomes.append(_reject(con, settings, base, path, name, e, agency))
    return outcomes, notes


def _renamed(part: str, name: str) -> str:
    """A part of a file loaded before under another name, named after today's file."""
    sheet = part.partition("#")[2]
    return f"{name}#{sheet}" if sheet else name


def _ingest_part(
    con,
    settings: Settings,
    result: IngestResult,
    base: dict,
    path: Path,
    name: str,
    part: str,
    scan: FileScan,
    agency: str | None,
    limits: Limits,
    sheet: str | None,
) -> FileOutcome:
    read = read_file(con, path, settings.max_file_bytes, scan=scan, name=name, sheet=sheet, limits=limits)
    owner = DATASETS[read.dataset].agency
    if agency is not None and owner != agency:
        raise FileRejected(
            f"Tệp thuộc tập '{read.dataset}' của {AGENCIES[owner]}, không phải của {AGENCIES[agency]}",
            f"dataset '{read.dataset}' belongs to agency {owner}, not {agency}",
            kind="wrong_agency",
        )
    refuse_foreign(con, STAGED, read.dataset, result.province)
    empty = read.rows_read == 0
    outcome = FileOutcome(
        part,
        read.dataset,
        "loaded",
        read.rows_read,
        read.rows_staged,
        read.rows_quarantined,
        reason_vi="Chỉ có dòng tiêu đề: tập rỗng hợp lệ, nạp 0 dòng" if empty else None,
        reason_en="header only: a valid empty delta, 0 rows loaded" if empty else None,
    )
    sha, now = base["file_sha256"], base["loaded_at"]
    con.execute("BEGIN TRANSACTION")
    try:
        columns = [*DATASETS[read.dataset].column_names, "_source_row", "_nfc_fixed"]
        lineage = {"_batch_id": result.batch_id, "_agency": owner, "_source_file": part, "_file_sha256": sha, "_loaded_at": now}
        store.insert_select(con, staging_table(read.dataset), STAGED, {c: c for c in columns}, lineage)
        kept = ["check_id", "column_name", "reason_vi", "reason_en", "raw_line"]
        context = {
            "batch_id": result.batch_id,
            "dataset": read.dataset,
            "source_file": part,
            "file_sha256": sha,
            "loaded_at": now,
        }
        store.insert_select(con, "quarantine_rows", QUARANTINED, {"source_row": "_source_row", **{c: c for c in kept}}, context)
        _record(con, base, outcome, owner, read.encoding, read.file_format)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        drop_temp(con)
    return outcome


def _reject(
    con, settings: Settings, base: dict, path: Path, part: str, e: FileRejected, agency: str | None, kept_as: str | None = None
) -> FileOutcome:
    drop_temp(con)
    outcome = FileOutcome(part, None, "rejected", reason_vi=e.reason_vi, reason_en=e.reason_en)
    _keep_rejected(settings, base["province"], base["batch_id"], path, kept_as or part, part, e)
    _record(con, base, outcome, agency, None, None)
    return outcome


def _record(con, base: dict, o: FileOutcome, agency: str | None, encoding: str | None, fmt: str | None) -> None:
    balanced = o.rows_read == o.rows_staged + o.rows_quarantined
    con.execute(
        "INSERT INTO batches (batch_id, province, agency, dataset, source_file, file_sha256, file_bytes, encoding, "
        "file_format, rows_read, rows_staged, rows_quarantined, balanced, status, reason_vi, reason_en, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            base["batch_id"],
            base["province"],
            agency,
            o.dataset,
            o.source_file,
            base["file_sha256"],
            base["file_bytes"],
            encoding,
            fmt,
            o.rows_read,
            o.rows_staged,
            o.rows_quarantined,
            balanced,
            o.status,
            o.reason_vi,
            o.reason_en,
            base["loaded_at"],
        ],
    )
    if not balanced:  # the invariant of issue #4; recorded above, and loud here
        raise AssertionError(
            f"{o.source_file}: rows read {o.rows_read} != staged {o.rows_staged} + quarantined {o.rows_quarantined}"
        )


def _record_notes(con, result: IngestResult, now: dt.datetime) -> None:
    if result.notes:
        con.executemany(
            "INSERT INTO batch_notes VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(result.batch_id, result.province, n.source_file, n.kind, n.reason_vi, n.reason_en, now) for n in result.notes],
        )


def _keep_rejected(settings: Settings, province: str, batch_id: str, copy: Path, name: str, part: str, e: FileRejected) -> None:
    """The bytes judged (ddss's copy, never whatever the inbox entry points to now), under
    the file's name, with the reason beside it."""
    target = settings.quarantine_dir(province) / batch_id
    target.mkdir(parents=True, exist_ok=True)
    kept = target / name
    if not kept.exists():
        shutil.copyfile(copy, kept)
        os.chmod(kept, 0o600)
    reason = target / f"{name}.reason.txt"
    with reason.open("a", encoding="utf-8") as f:
        f.write(f"Tệp / file: {part}\nLô / batch: {batch_id}\nLý do: {e.reason_vi}\nReason: {e.reason_en}\n")
