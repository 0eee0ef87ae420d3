"""Every known failure of a command becomes one message and one exit code (ddss.exit_codes).

A steward never sees a traceback for a bad setting, a busy or damaged database, a full
or read-only disk, or DuckDB running out of memory: ``handled()`` prints the bilingual
message (it names the key, file or folder, never a cell value) and exits with the code
that means exactly that. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from ddss.exit_codes import ExitCode

__all__ = ["classify", "handled"]


def classify(exc: BaseException, where: Path | str | None = None) -> tuple[ExitCode, str] | None:
    """(exit code, message) for a known failure, else None. ``where``: the folder a storage
    fault is reported against when the exception does not name one."""
    from ddss.settings import SettingsError
    from ddss.storage_errors import storage_error
    from ddss.store import DamagedDatabase, DatabaseBusy

    if isinstance(exc, SettingsError):
        return ExitCode.BAD_INPUT, f"Cấu hình/tham số không hợp lệ / invalid setting or argument: {exc}"
    if isinstance(exc, DatabaseBusy):
        return ExitCode.BUSY, str(exc)
    if isinstance(exc, DamagedDatabase):
        return ExitCode.DAMAGED_DATABASE, str(exc)
    if type(exc).__name__ == "OutOfMemory" or type(exc).__name__ == "OutOfMemoryException":
        return ExitCode.OUT_OF_MEMORY, str(exc)
    # A storage fault may surface as a later error (a ROLLBACK refused after a failed
    # COMMIT): look down the chain of causes for it.
    seen, e = 0, exc
    while e is not None and seen < 10:
        storage = storage_error(e, where or "?")
        if storage is not None:
            return ExitCode.STORAGE, str(storage)
        e, seen = e.__cause__ or e.__context__, seen + 1
    return None


@contextmanager
def handled(where: Path | str | None = None) -> Iterator[None]:
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as e:  # noqa: BLE001 - classified below; unknown errors re-raised
        known = classify(e, where)
        if known is None:
            raise
        code, message = known
        typer.echo(message, err=True)
        raise typer.Exit(int(code)) from None
