"""Run the suites with Great Expectations through the project's checkpoint.

The GX file context (``gx/``, ddss.checks.gx_project) holds the suites, one validation
definition per suite and the checkpoint ``ddss_province``; the province file is supplied
at run time. ddss runs the checkpoint's validation definitions itself, with the
checkpoint's id and result format, as ``Checkpoint.run`` does, for two reasons: only the
suites whose data is loaded run (an agency sends only its own datasets), and the steward
sees each suite start. GX stores each result in its validations store
(``uncommitted/validations/``), so ``get_context()`` lists them and ``build_data_docs()``
renders them; the checkpoint's own action (Data Docs) runs in the report step.

Results hold counts only: the result format asks for no partial value lists, and
the SQL expectations select nothing but row numbers. A check that cannot run is
returned in ``not_run`` with the reason, never as a failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ddss.checks import gx_duckdb, gx_project
from ddss.checks.suites import SuiteSpec, specs
from ddss.settings import Settings

__all__ = ["SuiteRun", "loaded_datasets", "not_run_reasons", "run_suites"]

# progress(event, suite name or "", suites done, suites to run); events: "gx", "suite", "done"
Progress = Callable[[str, str, int, int], None]


@dataclass
class SuiteRun:
    counts: dict[str, int | None]  # check_id -> GX's unexpected count; None: the expectation raised
    not_run: dict[str, str] = field(default_factory=dict)  # check_id -> reason (Vietnamese / English)
    suites: list[str] = field(default_factory=list)  # the suites that ran, in order
    results_dir: Path | None = None  # GX's validations store


def loaded_datasets(settings: Settings, province: str) -> set[str]:
    """Datasets with at least one loaded file (their cur_ view can hold rows)."""
    from ddss.checks.views import current_files

    con = _connect_readonly(settings, province)
    try:
        return set(current_files(con))
    finally:
        con.close()


def not_run_reasons(loaded: Iterable[str]) -> dict[str, str]:
    """check_id -> why it cannot run with these datasets loaded."""
    loaded = set(loaded)
    out: dict[str, str] = {}
    for spec in specs():
        missing = ({spec.dataset} | spec.requires) - loaded
        if not missing:
            continue
        if spec.dataset not in loaded:
            reason = f"Chưa nạp tập dữ liệu {spec.dataset}. / Dataset {spec.dataset} is not loaded."
        else:
            names = ", ".join(sorted(missing))
            reason = (
                f"Không chạy: kiểm tra đối chiếu cần tập dữ liệu {names}, chưa được nạp. "
                f"/ Not run: this cross-dataset check needs {names}, which is not loaded."
            )
        out.update({c.check_id: reason for c in spec.checks})
    return out


def _connect_readonly(settings: Settings, province: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection, waiting up to busy_timeout_s while a writer holds the file."""
    from ddss.store import DatabaseBusy, connect_readonly

    db = settings.province_db(province)
    deadline = time.monotonic() + settings.busy_timeout_s
    while True:
        try:
            return connect_readonly(db, settings.duckdb_config())
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"Cơ sở dữ liệu {db.name} đang được một tiến trình khác ghi; đã chờ {settings.busy_timeout_s:.0f} giây. "
                    f"Hãy chạy lại sau. / Database {db.name} is locked by another writer; waited {settings.busy_timeout_s:.0f} s."
                ) from None
            time.sleep(0.2)


def _quiet_gx() -> None:
    # GX sets levels on some of its own loggers, so quieten each one by name, not just the parent.
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")] + ["great_expectations"]:
        logging.getLogger(name).setLevel(logging.ERROR)


def _unexpected(result: dict) -> int | None:
    r = result.get("result") or {}
    if r.get("unexpected_count") is not None:
        return int(r["unexpected_count"])
    if isinstance(r.get("observed_value"), int):  # UnexpectedRowsExpectation: the row count
        return int(r["observed_value"])
    if r.get("element_count") == 0:  # an empty table: nothing can fail
        return 0
    return None


def _lock_error(text: str) -> bool:
    return "could not set lock" in text.lower() or "conflicting lock" in text.lower()


def run_suites(
    settings: Settings,
    province: str,
    run_id: str,
    as_of: dt.date,
    loaded: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> SuiteRun:
    """Run every suite whose datasets are loaded (``loaded``; default: read from the file).

    ``as_of`` reaches the suites through the macros ``render.run_macros`` defined in the
    file (ddss.checks.run does so before calling this); it names the run in GX's store.
    """
    from ddss.store import DatabaseBusy

    progress = progress or (lambda *_: None)
    loaded = set(loaded) if loaded is not None else loaded_datasets(settings, province)
    _connect_readonly(settings, province).close()  # wait for a writer here, not inside GX
    not_run = not_run_reasons(loaded)
    todo: list[SuiteSpec] = [s for s in specs() if s.checks and not ({s.dataset} | s.requires) - loaded]
    progress("gx", "", 0, len(todo))

    import great_expectations as gx  # noqa: F401 - several seconds: after the progress display is up
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_duckdb.apply()
    _quiet_gx()
    ctx = gx_project.open_context(settings, province)
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)  # no tqdm noise
    checkpoint = ctx.checkpoints.get(gx_project.CHECKPOINT)
    definitions = {vd.name: vd for vd in checkpoint.validation_definitions}
    gx_run_id = RunIdentifier(run_name=run_id, run_time=dt.datetime.now(dt.UTC))
    counts: dict[str, int | None] = {}
    done: list[str] = []
    try:
        for i, spec in enumerate(todo):
            progress("suite", spec.name, i, len(todo))
            vd = definitions[spec.name]
            try:
                result = vd.run(checkpoint_id=checkpoint.id, run_id=gx_run_id, result_format=checkpoint.result_format)
            except Exception as e:  # GX wraps DuckDB's lock error in its own exceptions
                if _lock_error(repr(e)):
                    raise DatabaseBusy(f"Cơ sở dữ liệu đang bận. / The database is busy ({type(e).__name__}).") from None
                raise
            for r in result.to_json_dict()["results"]:
                exc = r.get("exception_info") or {}
                raised = exc.get("raised_exception") or any(
                    isinstance(v, dict) and v.get("raised_exception") for v in exc.values()
                )
                if raised and _lock_error(str(exc)):
                    raise DatabaseBusy("Cơ sở dữ liệu đang bận. / The database is busy.")
                counts[r["expectation_config"]["meta"]["check_id"]] = None if raised else _unexpected(r)
            done.append(spec.name)
        progress("done", "", len(todo), len(todo))
    finally:
        _release(definitions.values())
    return SuiteRun(counts, not_run, done, gx_project.context_dir(settings) / "uncommitted" / "validations")


def _release(definitions) -> None:
    """Close every connection GX opened, so this process can reopen the file its own way
    (DuckDB refuses a second connection with a different configuration)."""
    import gc

    seen = set()
    for vd in definitions:
        try:
            source = vd.batch_definition.data_asset.datasource
        except Exception:  # noqa: S112 - a definition that never resolved holds no connection
            continue
        if id(source) in seen:
            continue
        seen.add(id(source))
        if getattr(source, "_execution_engine", None) is not None:
            source._execution_engine.close()
        if getattr(source, "_engine", None) is not None:
            source._engine.dispose()
    gc.collect()
