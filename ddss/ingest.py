"""An inbox of agency files -> the province's staging tables, with lineage and quarantine.

Per file, in one transaction: staged rows (with batch id, agency, file name, SHA-256,
1-based source row, load time, NFC flag), quarantined rows (raw text + reason) and one
``batches`` row whose counts must balance (rows read = staged + quarantined). A file
already loaded (same SHA-256) adds nothing. A rejected file is copied, with its reason,
to the province's quarantine folder; the rest of the batch still loads.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ddss import store
from ddss.read import QUARANTINED, STAGED, FileRejected, FileScan, drop_temp, read_file, scan_file
from ddss.schema import AGENCIES, DATASETS, staging_table
from ddss.settings import Settings

__all__ = ["FileOutcome", "IngestResult", "OutOfMemory", "ingest_inbox", "new_batch_id"]


@dataclass(frozen=True)
class FileOutcome:
    source_file: str
    dataset: str | None
    status: str  # loaded | rejected | duplicate
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

    @property
    def rejected(self) -> int:
        return sum(f.status == "rejected" for f in self.files)

    @property
    def rows_staged(self) -> int:
        return sum(f.rows_staged for f in self.files)


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


def _inbox_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        raise FileNotFoundError(f"Không tìm thấy thư mục inbox: {inbox} / inbox folder not found")
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def ingest_inbox(settings: Settings, province: str, inbox: Path, agency: str | None = None) -> IngestResult:
    if agency is not None and agency not in AGENCIES:
        raise ValueError(f"cơ quan không hợp lệ {agency!r}; hợp lệ: {', '.join(AGENCIES)}")
    result = IngestResult(new_batch_id(province), province)
    with store.writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
        files = _inbox_files(Path(inbox))
        # Scan (hash, count lines) on a second thread while DuckDB loads the previous files.
        with ThreadPoolExecutor(max_workers=1) as scanner:
            scans = [scanner.submit(scan_file, path) for path in files]
            for path, scan in zip(files, scans, strict=True):
                try:
                    outcome = _ingest_file(con, settings, result.batch_id, province, path, scan.result(), agency)
                except duckdb.OutOfMemoryException as e:
                    raise OutOfMemory(path.name, settings.duckdb_memory_limit) from e
                result.files.append(outcome)
    return result


def _ingest_file(
    con, settings: Settings, batch_id: str, province: str, path: Path, scan: FileScan, agency: str | None
) -> FileOutcome:
    now, sha = dt.datetime.now(dt.UTC).replace(tzinfo=None), scan.sha256
    base = {
        "batch_id": batch_id,
        "province": province,
        "source_file": path.name,
        "file_sha256": sha,
        "file_bytes": scan.size,
        "loaded_at": now,
    }
    seen = con.execute(
        "SELECT dataset, batch_id FROM batches WHERE province = ? AND file_sha256 = ? AND status = 'loaded' LIMIT 1",
        [province, sha],
    ).fetchall()
    seen = seen[0] if seen else None
    if seen:
        outcome = FileOutcome(
            path.name,
            seen[0],
            "duplicate",
            reason_vi=f"Tệp đã được nạp trong lô {seen[1]} (cùng SHA-256); không nạp lại",
            reason_en=f"already loaded in batch {seen[1]} (same SHA-256); nothing added",
        )
        _record(con, base, outcome, agency or DATASETS[seen[0]].agency, None, None)
        return outcome
    try:
        read = read_file(con, path, settings.max_file_bytes, scan=scan)
        owner = DATASETS[read.dataset].agency
        if agency is not None and owner != agency:
            raise FileRejected(
                f"Tệp thuộc tập '{read.dataset}' của {AGENCIES[owner]}, không phải của {AGENCIES[agency]}",
                f"dataset '{read.dataset}' belongs to agency {owner}, not {agency}",
                kind="wrong_agency",
            )
    except FileRejected as e:
        drop_temp(con)
        outcome = FileOutcome(path.name, None, "rejected", reason_vi=e.reason_vi, reason_en=e.reason_en)
        _keep_rejected(settings, province, batch_id, path, e)
        _record(con, base, outcome, agency, None, None)
        return outcome

    outcome = FileOutcome(path.name, read.dataset, "loaded", read.rows_read, read.rows_staged, read.rows_quarantined)
    con.execute("BEGIN TRANSACTION")
    try:
        columns = [*DATASETS[read.dataset].column_names, "_source_row", "_nfc_fixed"]
        lineage = {"_batch_id": batch_id, "_agency": owner, "_source_file": path.name, "_file_sha256": sha, "_loaded_at": now}
        store.insert_select(con, staging_table(read.dataset), STAGED, {c: c for c in columns}, lineage)
        kept = ["check_id", "column_name", "reason_vi", "reason_en", "raw_line"]
        context = {"batch_id": batch_id, "dataset": read.dataset, "source_file": path.name, "file_sha256": sha, "loaded_at": now}
        store.insert_select(con, "quarantine_rows", QUARANTINED, {"source_row": "_source_row", **{c: c for c in kept}}, context)
        _record(con, base, outcome, owner, read.encoding, read.file_format)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        drop_temp(con)
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


def _keep_rejected(settings: Settings, province: str, batch_id: str, path: Path, e: FileRejected) -> None:
    target = settings.quarantine_dir(province) / batch_id
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target / path.name)
    (target / f"{path.name}.reason.txt").write_text(
        f"Tệp / file: {path.name}\nLô / batch: {batch_id}\nLý do: {e.reason_vi}\nReason: {e.reason_en}\n", encoding="utf-8"
    )
