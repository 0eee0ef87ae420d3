"""Before a province file is opened: is it whole, and is it ours to use now?

``check_file``: a DuckDB file whose magic bytes are gone (header overwritten) or that is
shorter than its own header says (truncated) is refused with ``DamagedDatabase`` before
anything is written to it. DuckDB itself would open a truncated file and write into it.

``province_lock``: one ddss command at a time per province file (an advisory ``flock`` on
``<db>.lock``). Ingest holds it while it writes; validate holds it from the first read to
the run record, so it reads one state of the data (never the old batch's rows with the
new batch's quarantine) and a concurrent ingest waits or exits BUSY instead of GX meeting
DuckDB's lock. Re-entrant within a process.
"""

from __future__ import annotations

import fcntl
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ddss.storage_errors import StorageError, storage_error

__all__ = ["DamagedDatabase", "DatabaseBusy", "check_file", "province_lock"]

_MAGIC = b"DUCK"
_HEADER = 4096  # DuckDB: main header, then two database headers, each one 4 KiB block
_STATE = threading.Lock()
_HELD: dict[str, list] = {}  # path -> [fd, depth]


class DatabaseBusy(RuntimeError):
    pass


class DamagedDatabase(RuntimeError):
    def __init__(self, path: Path | str, why_vi: str, why_en: str) -> None:
        super().__init__(str(path), why_vi, why_en)
        self.path, self.why_vi, self.why_en = str(path), why_vi, why_en

    def __str__(self) -> str:
        return (
            f"Tệp cơ sở dữ liệu {self.path} bị hỏng: {self.why_vi}. Chưa ghi gì vào tệp; hãy khôi phục từ bản sao lưu "
            f"hoặc chuyển tệp đi rồi nạp lại các lô. / Database file {self.path} is damaged: {self.why_en}. "
            "Nothing was written to it; restore it from a backup or move it away and reload the batches."
        )


def check_file(path: Path, writer: bool = False) -> None:
    """Raise DamagedDatabase if ``path`` exists and is not a whole DuckDB file. A writer
    removes an empty file (a creation cut short by a full disk: it held nothing)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        if writer and not Path(f"{path}.wal").exists():
            path.unlink()
            return
        raise DamagedDatabase(path, "tệp rỗng (0 byte)", "the file is empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(3 * _HEADER)
    if len(head) < 3 * _HEADER or head[8:12] != _MAGIC:
        raise DamagedDatabase(path, "phần đầu tệp không phải của DuckDB (bị ghi đè hoặc cắt cụt)", "its header is not DuckDB's")
    # Two database headers (written alternately); the newer (higher iteration) is current.
    # Layout: checksum, iteration, meta_block, free_list, block_count, block_alloc_size (u64 each).
    headers = [struct.unpack_from("<QQQQQQ", head, off) for off in (_HEADER, 2 * _HEADER)]
    _, iteration, _, _, blocks, block_size = max(headers, key=lambda h: h[1])
    # A file never checkpointed (its data still in the .wal) has iteration 0 and no blocks.
    if not 4096 <= block_size <= 1 << 30 or (iteration == 0 and blocks != 0):
        raise DamagedDatabase(path, "phần đầu tệp không đọc được", "its database header is unreadable")
    expected = 3 * _HEADER + blocks * block_size
    # DuckDB cuts free blocks off the end of the file after writing the header that still
    # counts them (a table emptied, then checkpointed): short by no more than them is whole.
    if size < expected and expected - size > _free_blocks(path) * block_size:
        raise DamagedDatabase(
            path,
            f"tệp bị cắt cụt ({size} byte, phần đầu ghi {expected} byte)",
            f"the file is truncated ({size} bytes; its header says {expected})",
        )


def _free_blocks(path: Path) -> int:
    """Free blocks DuckDB counts in the file (read-only; 0 if it cannot say)."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return 0
    try:
        return int(con.execute("SELECT free_blocks FROM pragma_database_size()").fetchall()[0][0])
    except duckdb.Error:
        return 0
    finally:
        con.close()


@contextmanager
def province_lock(db: Path, timeout_s: float) -> Iterator[None]:
    """Hold the province's ddss lock; wait up to ``timeout_s``, then DatabaseBusy."""
    key = str(Path(db).resolve())
    with _STATE:
        held = _HELD.get(key)
        if held:
            held[1] += 1
    if held:
        try:
            yield
        finally:
            with _STATE:
                held[1] -= 1
        return
    lock_path = Path(f"{db}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise (storage_error(e, lock_path.parent) or StorageError(lock_path.parent, e)) from None
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        f"Cơ sở dữ liệu {Path(db).name} đang được một lệnh ddss khác dùng (nạp hoặc kiểm tra); đã chờ "
                        f"{timeout_s:.0f} giây. Hãy chạy lại sau. / Database {Path(db).name} is in use by another ddss "
                        f"command (ingest or validate); waited {timeout_s:.0f} s. Run again later."
                    ) from None
                time.sleep(0.2)
        entry = [fd, 1]
        with _STATE:
            _HELD[key] = entry
        try:
            yield
        finally:
            with _STATE:
                del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
