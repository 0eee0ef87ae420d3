"""One inbox file -> the province's staging tables, its quarantined rows and its ``batches`` row(s).

The unit of a batch (ddss.ingest walks a batch's files through it, one transaction per
file, per sheet of a workbook): a file already loaded (same SHA-256) is recorded as a
duplicate and adds nothing; a rejected file's copy is kept with its reason in the
province's quarantine folder; the counts of each row of ``batches`` must balance (rows
read = staged + quarantined).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ddss import store
from ddss.read import QUARANTINED, STAGED, FileRejected, FileScan, Limits, drop_temp, read_file, sheet_names
from ddss.read.detect import detect_format
from ddss.read.manifest import Note
from ddss.read.owner import refuse_foreign
from ddss.schema import AGENCIES, DATASETS, staging_table
from ddss.settings import Settings

__all__ = ["Batch", "FileOutcome", "load_file", "skip_file"]


class Batch(Protocol):
    """What a file needs to know of its batch."""

    batch_id: str
    province: str


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


def skip_file(con, batch: Batch, name: str, vi: str, en: str, now: dt.datetime) -> FileOutcome:
    """An inbox entry that is not read (a link, a folder, a FIFO), recorded with its reason."""
    outcome = FileOutcome(name, None, "skipped", reason_vi=f"Bỏ qua: {vi}", reason_en=f"skipped: {en}")
    base = {"batch_id": batch.batch_id, "province": batch.province, "file_sha256": None, "file_bytes": None, "loaded_at": now}
    _record(con, base, outcome, None, None, None)
    return outcome


def load_file(
    con,
    settings: Settings,
    batch: Batch,
    path: Path,
    name: str,
    scan: FileScan,
    agency: str | None,
    limits: Limits,
) -> tuple[list[FileOutcome], list[Note]]:
    """``path``: ddss's copy of the inbox file ``name``; every sheet of it, each committed
    in its own transaction with its ``batches`` row."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    base = {
        "batch_id": batch.batch_id,
        "province": batch.province,
        "file_sha256": scan.sha256,
        "file_bytes": scan.size,
        "loaded_at": now,
    }
    seen = con.execute(
        "SELECT dataset, batch_id, source_file, rows_read FROM batches "
        "WHERE province = ? AND file_sha256 = ? AND status = 'loaded' ORDER BY batch_id, source_file",
        [batch.province, scan.sha256],
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
            outcomes.append(_ingest_part(con, settings, batch, base, path, name, part, scan, agency, limits, sheet))
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
    batch: Batch,
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
    refuse_foreign(con, STAGED, read.dataset, batch.province)
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
        lineage = {"_batch_id": batch.batch_id, "_agency": owner, "_source_file": part, "_file_sha256": sha, "_loaded_at": now}
        store.insert_select(con, staging_table(read.dataset), STAGED, {c: c for c in columns}, lineage)
        kept = ["check_id", "column_name", "reason_vi", "reason_en", "raw_line"]
        context = {
            "batch_id": batch.batch_id,
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
    row = {
        "batch_id": base["batch_id"],
        "province": base["province"],
        "agency": agency,
        "dataset": o.dataset,
        "source_file": o.source_file,
        "file_sha256": base["file_sha256"],
        "file_bytes": base["file_bytes"],
        "encoding": encoding,
        "file_format": fmt,
        "rows_read": o.rows_read,
        "rows_staged": o.rows_staged,
        "rows_quarantined": o.rows_quarantined,
        "balanced": balanced,
        "status": o.status,
        "reason_vi": o.reason_vi,
        "reason_en": o.reason_en,
        "loaded_at": base["loaded_at"],
    }
    store.insert_rows(con, "batches", list(row), [list(row.values())])
    if not balanced:  # the invariant of issue #4; recorded above, and loud here
        raise AssertionError(
            f"{o.source_file}: rows read {o.rows_read} != staged {o.rows_staged} + quarantined {o.rows_quarantined}"
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
