"""``ddss purge``: quarantined raw rows and files older than ``retention_days`` are removed.

Decree 13/2023 keeps personal data no longer than its purpose needs. A rejected file in
``<data_dir>/quarantine/<province>/<batch>/`` goes whole once its batch is older than the
period; a quarantined row keeps its finding but loses its raw text (store.purge_raw_rows).
Folders of validation runs killed before they finished (``reports/.partial-*``) go too.
Every purge appends one line to ``<data_dir>/purge.log`` with counts, never values. Meant
for a schedule (cron, a systemd timer or a Prefect deployment running ``ddss purge``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ddss import store
from ddss.checks.outputs import PARTIAL_PREFIX
from ddss.settings import Settings
from ddss.storage_errors import StorageError, storage_error

__all__ = ["LOG_NAME", "PurgeResult", "purge"]

LOG_NAME = "purge.log"
_PARTIAL_GRACE = dt.timedelta(hours=6)  # a running validate's temporary folder is younger than this


@dataclass
class PurgeResult:
    cutoff: str
    retention_days: int
    raw_rows: dict[str, int] = field(default_factory=dict)  # province -> rows whose raw text was removed
    files: dict[str, int] = field(default_factory=dict)  # province -> quarantined files removed
    batches: dict[str, int] = field(default_factory=dict)  # province -> quarantine batch folders removed
    bytes: int = 0
    partial_runs: int = 0

    def summary_vi(self) -> str:
        return (
            f"Đã xoá dữ liệu cách ly cũ hơn {self.retention_days} ngày (trước {self.cutoff} UTC): "
            f"{sum(self.raw_rows.values())} dòng gốc, {sum(self.files.values())} tệp "
            f"({sum(self.batches.values())} lô, {self.bytes} byte), {self.partial_runs} thư mục kết quả dở dang. / "
            f"Purged quarantine older than {self.retention_days} days: {sum(self.raw_rows.values())} raw rows, "
            f"{sum(self.files.values())} files, {self.partial_runs} unfinished report folders."
        )


def _batch_time(folder: Path) -> dt.datetime:
    """A batch id starts with its UTC time (ingest.new_batch_id); else the folder's mtime."""
    try:
        return dt.datetime.strptime(folder.name.split("-", 1)[0], "%Y%m%dT%H%M%S%f")
    except ValueError:
        return dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC).replace(tzinfo=None)


def _provinces(settings: Settings, province: str | None) -> list[str]:
    if province:
        return [province]
    found = {p.name.removeprefix("province_").removesuffix(".duckdb") for p in settings.data_dir.glob("province_*.duckdb")}
    qdir = settings.data_dir / "quarantine"
    found |= {p.name for p in qdir.iterdir() if p.is_dir()} if qdir.is_dir() else set()
    return sorted(found)


def purge(
    settings: Settings, province: str | None = None, older_than_days: int | None = None, now: dt.datetime | None = None
) -> PurgeResult:
    days = settings.retention_days if older_than_days is None else older_than_days
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cutoff = now - dt.timedelta(days=days)
    result = PurgeResult(cutoff.isoformat(timespec="seconds"), days)
    try:
        for code in _provinces(settings, province):
            db = settings.province_db(code)
            if db.exists():
                with store.writer(db, settings.busy_timeout_s, settings.duckdb_config()) as con:
                    result.raw_rows[code] = store.purge_raw_rows(con, cutoff)
            _purge_files(settings.quarantine_dir(code), cutoff, code, result)
        if settings.reports_dir.is_dir():
            for tmp in settings.reports_dir.glob(f"{PARTIAL_PREFIX}*"):
                made = dt.datetime.fromtimestamp(tmp.stat().st_mtime, dt.UTC).replace(tzinfo=None)
                if tmp.is_dir() and made < now - _PARTIAL_GRACE:
                    shutil.rmtree(tmp)
                    result.partial_runs += 1
        _log(settings.data_dir / LOG_NAME, now, province, result)
    except OSError as e:
        raise (storage_error(e, settings.data_dir) or StorageError(settings.data_dir, e)) from None
    return result


def _purge_files(qdir: Path, cutoff: dt.datetime, code: str, result: PurgeResult) -> None:
    if not qdir.is_dir():
        return
    for batch in sorted(qdir.iterdir()):
        if batch.is_dir() and not batch.is_symlink() and _batch_time(batch) < cutoff:
            files = [p for p in batch.rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")]
            result.files[code] = result.files.get(code, 0) + len(files)
            result.bytes += sum(p.stat().st_size for p in batch.rglob("*") if p.is_file())
            result.batches[code] = result.batches.get(code, 0) + 1
            shutil.rmtree(batch)


def _log(path: Path, now: dt.datetime, province: str | None, result: PurgeResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"at": now.isoformat(timespec="seconds"), "province": province or "*", **asdict(result)}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")
