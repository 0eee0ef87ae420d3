"""An inbox of agency files -> the province's staging tables, with lineage and quarantine.

What a batch is, and how its files count, is written in docs/batches.md. Per file (per
sheet of a workbook), in one transaction (ddss.ingest_file): staged rows (with batch id,
agency, file name, SHA-256, 1-based source row, load time, NFC flag), quarantined rows
(raw text + reason) and one ``batches`` row whose counts must balance (rows read = staged
+ quarantined).

Every inbox file is first copied into ddss's own folder while it is hashed: the copy is
what is read, so the SHA-256 recorded is that of the bytes loaded, and the agency's file
name never reaches a reader as a pattern. Entries that are not plain files of the inbox
(links, FIFOs, folders) are listed as skipped and never opened. A file already loaded
(same SHA-256) adds nothing. A rejected file's copy is kept, with its reason, in the
province's quarantine folder; the rest of the batch still loads. An agency manifest
(``manifest.csv``) is reconciled against what was read; every difference is a note.

A batch in units, for a flow that shows each file (flows/pipeline.py): ``plan_batch``
lists the inbox, ``load_entry`` loads one entry (its own transaction, as above) and
``finish_batch`` reconciles the manifest and records the notes. ``ingest_inbox`` is the
same three with one connection for the whole batch, copying the next file while DuckDB
loads the current one. The caller of the units holds the province lock
(``store.province_lock``) across them, as ``ingest_inbox`` does, so nothing reads half a
batch.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ddss import store
from ddss.ingest_file import FileOutcome, load_file, skip_file
from ddss.read import FileScan, Limits, NotRegularFile, snapshot_file
from ddss.read.manifest import MANIFEST_NAME, Note, reconcile
from ddss.schema import AGENCIES
from ddss.settings import Settings

__all__ = [
    "BatchPlan",
    "FileLoad",
    "FileOutcome",
    "InboxEntry",
    "IngestResult",
    "Note",
    "OutOfMemory",
    "finish_batch",
    "ingest_inbox",
    "load_entry",
    "new_batch_id",
    "plan_batch",
]


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
class InboxEntry:
    path: Path
    skipped: tuple[str, str] | None = None  # (vi, en) reason when not read at all

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class BatchPlan:
    """One batch before any file is read: its id and the inbox's entries in name order."""

    settings: Settings
    province: str
    batch_id: str
    inbox: Path
    agency: str | None
    entries: tuple[InboxEntry, ...]
    manifest: Path | None
    started: dt.datetime  # recorded for skipped entries and notes

    @property
    def limits(self) -> Limits:
        s = self.settings
        return Limits(s.max_expanded_bytes, s.max_rows, s.max_cells)


@dataclass(frozen=True)
class FileLoad:
    """What one inbox entry added: an outcome per part (sheet) and any notes."""

    entry: InboxEntry
    outcomes: tuple[FileOutcome, ...]
    notes: tuple[Note, ...] = ()


def plan_batch(settings: Settings, province: str, inbox: Path, agency: str | None = None) -> BatchPlan:
    if agency is not None and agency not in AGENCIES:
        raise ValueError(f"cơ quan không hợp lệ {agency!r}; hợp lệ: {', '.join(AGENCIES)}")
    entries, manifest = _inbox_entries(Path(inbox))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return BatchPlan(settings, province, new_batch_id(province), Path(inbox), agency, tuple(entries), manifest, now)


def load_entry(plan: BatchPlan, entry: InboxEntry) -> FileLoad:
    """Copy (hashing) and load one entry of the plan with its own connection."""
    settings = plan.settings
    with store.writer(settings.province_db(plan.province), settings.busy_timeout_s, settings.duckdb_config()) as con:
        if entry.skipped is not None:
            return _load(con, plan, entry, None, None)
        with tempfile.TemporaryDirectory(prefix=".ddss-ingest-", dir=settings.data_dir) as snapshots:
            copy = Path(snapshots) / f"f00000{_safe_suffix(entry.name)}"
            try:
                scan = snapshot_file(entry.path, copy)
            except NotRegularFile as e:
                return _skipped(con, plan, entry, e.reason_vi, e.reason_en)
            return _load(con, plan, entry, copy, scan)


def finish_batch(plan: BatchPlan, loads: Iterable[FileLoad]) -> IngestResult:
    """The batch's result: every file's outcomes, the manifest reconciled, notes recorded."""
    settings = plan.settings
    with store.writer(settings.province_db(plan.province), settings.busy_timeout_s, settings.duckdb_config()) as con:
        return _finish(con, plan, loads)


def ingest_inbox(settings: Settings, province: str, inbox: Path, agency: str | None = None) -> IngestResult:
    plan = plan_batch(settings, province, inbox, agency)
    loads: list[FileLoad] = []
    with store.writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
        with tempfile.TemporaryDirectory(prefix=".ddss-ingest-", dir=settings.data_dir) as snapshots:
            readable = [e for e in plan.entries if e.skipped is None]
            copies = [Path(snapshots) / f"f{i:05d}{_safe_suffix(e.name)}" for i, e in enumerate(readable)]
            # Copy + hash (+ count lines) on a second thread while DuckDB loads the previous files.
            with ThreadPoolExecutor(max_workers=1) as scanner:
                scans = iter([scanner.submit(snapshot_file, e.path, c) for e, c in zip(readable, copies, strict=True)])
                copy_of = dict(zip((e.path for e in readable), copies, strict=True))
                for entry in plan.entries:
                    if entry.skipped is not None:
                        loads.append(_load(con, plan, entry, None, None))
                        continue
                    try:
                        scan = next(scans).result()
                    except NotRegularFile as e:
                        loads.append(_skipped(con, plan, entry, e.reason_vi, e.reason_en))
                        continue
                    loads.append(_load(con, plan, entry, copy_of[entry.path], scan))
        return _finish(con, plan, loads)


def _load(con, plan: BatchPlan, entry: InboxEntry, copy: Path | None, scan: FileScan | None) -> FileLoad:
    if entry.skipped is not None:
        return _skipped(con, plan, entry, *entry.skipped)
    try:
        outcomes, notes = load_file(con, plan.settings, plan, copy, entry.name, scan, plan.agency, plan.limits)
    except (duckdb.OutOfMemoryException, MemoryError) as e:
        raise OutOfMemory(entry.name, plan.settings.duckdb_memory_limit) from e
    finally:
        copy.unlink(missing_ok=True)  # the next copies are being written: free the space now
    return FileLoad(entry, tuple(outcomes), tuple(notes))


def _skipped(con, plan: BatchPlan, entry: InboxEntry, vi: str, en: str) -> FileLoad:
    return FileLoad(entry, (skip_file(con, plan, entry.name, vi, en, plan.started),))


def _finish(con, plan: BatchPlan, loads: Iterable[FileLoad]) -> IngestResult:
    result = IngestResult(plan.batch_id, plan.province)
    for load in loads:
        result.files.extend(load.outcomes)
        result.notes.extend(load.notes)
    if plan.manifest is not None:
        result.notes.extend(reconcile(con, plan.manifest, plan.batch_id, [e.name for e in plan.entries]))
    _record_notes(con, result, plan.started)
    return result


def _inbox_entries(inbox: Path) -> tuple[list[InboxEntry], Path | None]:
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
            entries.append(InboxEntry(p, ("là liên kết tượng trưng (symlink), không đọc", "a symbolic link, not followed")))
        elif p.is_dir():
            entries.append(InboxEntry(p, ("là thư mục, không đọc thư mục con", "a folder; sub-folders are not read")))
        elif not p.is_file():
            entries.append(InboxEntry(p, ("không phải tệp thông thường (FIFO, thiết bị, socket)", "not a regular file")))
        else:
            entries.append(InboxEntry(p))
    return entries, manifest


def _safe_suffix(name: str) -> str:
    """The extension of ddss's copy: the sent one if it is plain letters and digits."""
    suffix = Path(name).suffix
    return suffix if suffix[1:].isalnum() and suffix[1:].isascii() else ".bin"


def _record_notes(con, result: IngestResult, now: dt.datetime) -> None:
    store.insert_rows(
        con,
        "batch_notes",
        ["batch_id", "province", "source_file", "kind", "reason_vi", "reason_en", "noted_at"],
        [(result.batch_id, result.province, n.source_file, n.kind, n.reason_vi, n.reason_en, now) for n in result.notes],
    )
