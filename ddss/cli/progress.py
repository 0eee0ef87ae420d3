"""The progress display of ``ddss validate`` (Rich, on stderr): up from the first second,
then loading GX (several seconds of import), each suite, the findings.

On a terminal it is a live bar; otherwise (a log, a pipe) one line per step, so a
scheduled run's log shows where it is too. Only names of suites and counts, no data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["STEPS", "validation_progress"]

STEPS = {
    "prepare": "Chuẩn bị dữ liệu hiện hành / preparing the current data",
    "gx": "Đang nạp Great Expectations / loading Great Expectations",
    "suite": "Bộ kỳ vọng / suite",
    "findings": "Liệt kê phát hiện và ghi báo cáo / listing findings, writing the report",
    "done": "Xong kiểm tra GX / GX suites done",
}


@contextmanager
def validation_progress(console=None) -> Iterator:
    """Yields ``progress(event, suite, done, total)`` for ddss.checks.run.validate."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = console or Console(stderr=True)
    started = time.monotonic()
    if not console.is_terminal:

        def line(event: str, suite: str, done: int, total: int) -> None:
            label = STEPS.get(event, event)
            where = f" {suite} ({done + 1}/{total})" if event == "suite" else ""
            console.print(f"[{time.monotonic() - started:5.1f} s] {label}{where}", highlight=False, soft_wrap=True)

        line("prepare", "", 0, 0)
        yield line
        return

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    with bar:
        task = bar.add_task(STEPS["prepare"], total=None)

        def live(event: str, suite: str, done: int, total: int) -> None:
            if event == "suite":
                bar.update(task, description=f"{STEPS['suite']} {suite}", completed=done, total=total)
            elif event in ("gx", "done"):
                bar.update(task, description=STEPS[event], completed=done, total=total or None)
            else:
                bar.update(task, description=STEPS.get(event, event))

        yield live
        bar.update(task, description="Hoàn tất / finished")
