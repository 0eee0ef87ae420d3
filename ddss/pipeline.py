"""One province's path as ONE list of steps: settle → ingest → validate → score → report → gate → alert.

``STEPS`` is the only definition of the order; ``run`` (the CLI, ``ddss demo --no-prefect``,
tests) walks it with plain calls and Prefect's ``flows/pipeline.py`` walks the same list,
wrapping each step in a task with retries on the step's transient errors. A step is a
function of the ``Run`` so far; its result is kept under its name for the steps after it.

A step may also say how it splits into units the steward wants to see one by one
(``Units``: the files of a batch, the GX suites of a validation). The flow then runs
prepare, each unit and finish as tasks of their own inside ``hold`` (the province's lock,
so no other command reads or writes between two units); ``run`` calls the step's
function, which is built from the same units.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ddss.settings import Settings
from ddss.store import DatabaseBusy, province_lock

__all__ = [
    "STEPS",
    "FileStillBeingWritten",
    "PipelineResult",
    "Run",
    "Step",
    "Units",
    "changing_files",
    "default_inbox",
    "hold",
    "nothing_new",
    "run",
]


class FileStillBeingWritten(RuntimeError):
    """A file in the inbox is still growing (an agency's upload in progress): try again later."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.names = names

    def __str__(self) -> str:
        shown = ", ".join(self.names)
        return f"Tệp đang được ghi dở (kích thước còn thay đổi): {shown}; sẽ thử lại. / still being written: {shown}"


@dataclass
class Run:
    """What a step sees: the inputs and the results of the steps before it."""

    settings: Settings
    province: str
    inbox: Path
    as_of: date | None = None
    settle_s: float = 2.0  # how long a file's size must stay still before it is read
    results: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Units:
    """A step as units: ``prepare(run) -> plan``; ``units(plan)``; ``run_unit(plan, unit)``
    for each, in order; ``finish(plan, [unit results]) -> the step's result``. ``label``
    names a unit for the steward (a file name, a suite)."""

    prepare: Callable[[Run], Any]
    units: Callable[[Any], Sequence[Any]]
    run_unit: Callable[[Any, Any], Any]
    finish: Callable[[Any, list[Any]], Any]
    label: Callable[[Any], str]
    unit_title_vi: str  # what one unit is: "Nạp tệp", "Kiểm tra bộ"


@dataclass(frozen=True)
class Step:
    name: str
    title_vi: str
    func: Callable[[Run], Any]
    transient: tuple[type[BaseException], ...] = ()  # worth retrying later (busy database, upload in progress)
    units: Units | None = None


def hold(r: Run) -> AbstractContextManager[None]:
    """The province's lock for a step run unit by unit (re-entrant: the units take it too)."""
    return province_lock(r.settings.province_db(r.province), r.settings.busy_timeout_s)


@dataclass(frozen=True)
class PipelineResult:
    province: str
    results: dict[str, Any]

    @property
    def ingest(self) -> Any:  # ddss.ingest.IngestResult
        return self.results.get("ingest")

    @property
    def validation(self) -> Any:  # ddss.checks.run.ValidationResult
        return self.results.get("validate")

    @property
    def gated(self) -> Any:  # ddss.gate.GateResult
        return self.results.get("gate")

    @property
    def passed(self) -> bool | None:
        """đạt (True) / không đạt (False) from the gate's scorecard; None when nothing ran."""
        card = self.gated.scorecard if self.gated is not None else self.results.get("score")
        return None if card is None else card.passed


def default_inbox(settings: Settings, province: str) -> Path:
    """Where a province's agencies drop their files: ``<data_dir>/inbox/<province>/``."""
    return settings.data_dir / "inbox" / province


def changing_files(inbox: Path, interval_s: float = 2.0) -> list[str]:
    """Files whose size or modification time changes within ``interval_s`` (still being written)."""
    if not inbox.is_dir():
        return []

    def sizes() -> dict[str, tuple[int, int]]:
        out = {}
        for p in inbox.iterdir():
            try:
                if p.is_file() and not p.name.startswith("."):
                    st = p.stat()
                    out[p.name] = (st.st_size, st.st_mtime_ns)
            except FileNotFoundError:  # renamed away mid-listing (an atomic upload finishing)
                continue
        return out

    before = sizes()
    time.sleep(interval_s)
    after = sizes()
    return sorted(n for n in after if before.get(n) != after[n])


def nothing_new(ingested: Any) -> bool:
    """No file loaded or rejected this time (empty inbox, or every file already loaded)."""
    return all(f.status == "duplicate" for f in ingested.files)


def _settle(r: Run) -> list[str]:
    busy = changing_files(r.inbox, r.settle_s)
    if busy:
        raise FileStillBeingWritten(busy)
    return sorted(p.name for p in r.inbox.iterdir()) if r.inbox.is_dir() else []


def _ingest(r: Run) -> Any:
    from ddss.ingest import ingest_inbox

    r.inbox.mkdir(parents=True, exist_ok=True)  # a deployed province whose agencies sent nothing yet
    return ingest_inbox(r.settings, r.province, r.inbox)


def _plan_batch(r: Run) -> Any:
    from ddss.ingest import plan_batch

    r.inbox.mkdir(parents=True, exist_ok=True)
    return plan_batch(r.settings, r.province, r.inbox)


def _load_entry(plan: Any, entry: Any) -> Any:
    from ddss.ingest import load_entry

    return load_entry(plan, entry)


def _finish_batch(plan: Any, loads: list[Any]) -> Any:
    from ddss.ingest import finish_batch

    return finish_batch(plan, loads)


_INGEST_UNITS = Units(_plan_batch, lambda plan: plan.entries, _load_entry, _finish_batch, lambda e: e.name, "Nạp tệp")


def _validate(r: Run) -> Any:
    from ddss.checks.run import validate

    return validate(r.settings, r.province, as_of=r.as_of)


def _prepare_validation(r: Run) -> Any:
    from ddss.checks.run import prepare

    return prepare(r.settings, r.province, as_of=r.as_of)


def _run_suite(plan: Any, unit: Any) -> Any:
    from ddss.checks.run import run_unit

    return run_unit(plan, unit)


def _finish_validation(plan: Any, counts: list[Any]) -> Any:
    from ddss.checks.run import finish

    return finish(plan, counts)


_VALIDATE_UNITS = Units(
    _prepare_validation, lambda plan: plan.units, _run_suite, _finish_validation, lambda u: u.suite, "Kiểm tra bộ"
)


def _run_id(r: Run) -> str:
    return r.results["validate"].run_id


def _score(r: Run) -> Any:
    from ddss.scorecard_io import score_run

    card, _folder = score_run(r.settings, r.province, _run_id(r))
    return card


def _report(r: Run) -> Path:
    from ddss.report import build_report

    return build_report(r.settings, r.province, _run_id(r))


def _gate(r: Run) -> Any:
    """Records with no blocking finding go to the national database, the rest are held;
    a không đạt run still gates (its clean records go on, a "block batch" dataset does not)."""
    from ddss.gate import gate

    return gate(r.settings, r.province, _run_id(r))


def _alert(r: Run) -> list[dict]:
    from ddss.alerts import alerts_for, send

    gated = r.results.get("gate")
    card = gated.scorecard if gated is not None else r.results.get("score")
    return send(r.settings, alerts_for(r.province, r.results.get("ingest"), card))


STEPS: tuple[Step, ...] = (
    Step("settle", "Chờ tệp ghi xong", _settle, (FileStillBeingWritten,)),
    Step("ingest", "Nạp lô tệp", _ingest, (DatabaseBusy,), _INGEST_UNITS),
    Step("validate", "Kiểm tra GX", _validate, (DatabaseBusy,), _VALIDATE_UNITS),
    Step("score", "Chấm điểm", _score, (DatabaseBusy,)),
    Step("report", "Trang báo cáo", _report),
    Step("gate", "Xét chuyển lên CSDL quốc gia", _gate, (DatabaseBusy,)),
    Step("alert", "Cảnh báo", _alert),
)


def run(
    settings: Settings, province: str, inbox: Path | None = None, as_of: date | None = None, settle_s: float = 2.0
) -> PipelineResult:
    """Every step, in order, with plain calls (no orchestrator, no retries)."""
    r = Run(settings, province, Path(inbox) if inbox else default_inbox(settings, province), as_of, settle_s)
    for step in STEPS:
        r.results[step.name] = step.func(r)
    return PipelineResult(province, r.results)
