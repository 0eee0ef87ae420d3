"""One table of exit codes for every ``ddss`` command: each code has one meaning everywhere.

Scripts, Prefect deployments and the steward's guide read these; a command never invents
its own number. ``MEANINGS`` is what ``docs/`` and ``ddss --help`` print.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "MEANINGS", "markdown"]


class ExitCode(IntEnum):
    OK = 0  # done; the run/batch is đạt
    ACTION_NEEDED = 1  # the steward must act: a file rejected, a run không đạt, records held
    BAD_INPUT = 2  # bad arguments or settings (nothing was done)
    BUSY = 3  # the database is held by another process; run again later
    OUT_OF_MEMORY = 4  # DuckDB ran out of memory; raise duckdb_memory_limit and rerun
    STORAGE = 5  # a folder cannot be written (disk full, read-only, permissions)
    DAMAGED_DATABASE = 6  # a database file is damaged or not a ddss database
    AUDIT_BROKEN = 7  # the audit log's hash chain does not verify
    GROUND_TRUTH_MISMATCH = 8  # demo/evaluate: findings differ from the generator's ground truth


MEANINGS: dict[ExitCode, tuple[str, str]] = {
    ExitCode.OK: ("Hoàn tất; dữ liệu đạt.", "Done; the data passes."),
    ExitCode.ACTION_NEEDED: (
        "Cán bộ cần xử lý: có tệp bị từ chối, lượt kiểm tra không đạt hoặc bản ghi bị giữ lại.",
        "The steward must act: a file was rejected, a run failed, or records were held.",
    ),
    ExitCode.BAD_INPUT: ("Tham số hoặc cấu hình không hợp lệ; chưa làm gì.", "Bad arguments or settings; nothing was done."),
    ExitCode.BUSY: ("Cơ sở dữ liệu đang bận; hãy chạy lại sau.", "The database is busy; run again later."),
    ExitCode.OUT_OF_MEMORY: (
        "DuckDB hết bộ nhớ; tăng duckdb_memory_limit rồi chạy lại.",
        "DuckDB ran out of memory; raise duckdb_memory_limit and rerun.",
    ),
    ExitCode.STORAGE: (
        "Không ghi được thư mục (đầy đĩa, chỉ đọc hoặc không có quyền).",
        "A folder cannot be written (disk full, read-only or no permission).",
    ),
    ExitCode.DAMAGED_DATABASE: (
        "Tệp cơ sở dữ liệu bị hỏng hoặc không phải của ddss.",
        "A database file is damaged or not a ddss database.",
    ),
    ExitCode.AUDIT_BROKEN: (
        "Chuỗi băm của nhật ký kiểm toán không khớp: có mục bị sửa hoặc xoá.",
        "The audit log's hash chain does not verify: an entry was changed or removed.",
    ),
    ExitCode.GROUND_TRUTH_MISMATCH: (
        "Kết quả kiểm tra khác với lỗi đã cài vào dữ liệu mẫu.",
        "Findings differ from the generator's ground truth.",
    ),
}


def markdown() -> str:
    """docs/exit-codes.md, generated from this table (a test keeps the file equal to it)."""
    lines = [
        "# Mã thoát / Exit codes",
        "",
        "Generated from `ddss/exit_codes.py` (`python -c 'import ddss.exit_codes as e; print(e.markdown(), end=\"\")'`);"
        " a test keeps this file equal to it. Every `ddss` command uses these codes and no others;"
        " each code means one thing across commands. `validate`, `score` and `gate` exit 0 when the run"
        " is đạt and 1 when it is không đạt.",
        "",
        "| Mã / code | Tên / name | Ý nghĩa | Meaning |",
        "|---:|---|---|---|",
    ]
    lines += [f"| {int(c)} | `{c.name}` | {vi} | {en} |" for c, (vi, en) in MEANINGS.items()]
    return "\n".join(lines) + "\n"
