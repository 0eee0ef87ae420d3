"""Run the suites with Great Expectations through the project's checkpoint.

The GX file context (``gx/``, ddss.checks.gx_project) holds the suites, one validation
definition per suite and the checkpoint ``ddss_province``; the province file is supplied
at run time. ddss runs the checkpoint's validation definitions itself, with the
checkpoint's id and result format, as ``Checkpoint.run`` does, for two reasons: only the
suites whose data is loaded run (an agency sends only its own datasets), and the steward
sees each suite start. GX stores each result in its validations store
(``uncommitted/validations/``), so ``get_context()`` lists them and ``build_data_docs()``
renders them; the checkpoint's own action (Data Docs) runs in the report step.

The context, checkpoint and validation definitions are loaded once per process
(``session``, rebuilt when a suite file changes) and each suite runs on its own
(``run_suite``), so a flow may run suites as separate tasks (ddss.checks.run's units).
After each suite GX's connection to the province file is closed again.

Results hold counts only: the result format asks for no partial value lists, and
the SQL expectations select nothing but row numbers. A check that cannot run is
returned in ``not_run`` with the reason, never as a failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ddss.checks import gx_duckdb, gx_project
from ddss.checks.suites import SuiteSpec, specs
from ddss.settings import Settings

__all__ = [
    "Progress",
    "Session",
    "SuiteRun",
    "loaded_datasets",
    "not_run_reasons",
    "release",
    "results_dir",
    "reader_beside_gx",
    "run_suite",
    "run_suites",
    "runnable",
    "session",
]

# progress(event, suite name or "", suites done, suites to run); events: "gx", "suite", "done"
Progress = Callable[[str, str, int, int], None]


@dataclass
class SuiteRun:
    counts: dict[str, int | None]  # check_id -> GX's unexpected count; None: the expectation raised
    not_run: dict[str, str] = field(default_factory=dict)  # check_id -> reason (Vietnamese / English)
    suites: list[str] = field(default_factory=list)  # the suites that ran, in order
    results_dir: Path | None = None  # GX's validations store


def loaded_datasets(settings: Settings, province: str) -> set[str]:
    """Datasets with at least one loaded file (their cur_ table can hold rows)."""
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
    from ddss.store import connect_readonly

    return connect_readonly(settings.province_db(province), settings.duckdb_config(), settings.busy_timeout_s)


def reader_beside_gx(settings: Settings, province: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the province file that GX's connections in this process
    can share: DuckDB opens a file once per process and refuses a second connection with a
    different configuration, and duckdb-engine (GX's driver) adds its user agent to the
    configuration of the URL (``gx_project.province_url``). So a thread can read the file
    while GX validates it (ddss.checks.run.validate computes the findings beside the
    suites). The engine's form of the agent is pinned with duckdb-engine in uv.lock; a
    change would make GX's connection fail in every validation test."""
    import duckdb_engine

    from ddss.store import without_progress_bar

    db = settings.province_db(province).resolve()
    agent = f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{duckdb_engine.sqlalchemy_version})"
    config = {"access_mode": "read_only", **settings.duckdb_config(), "custom_user_agent": agent}
    return without_progress_bar(duckdb.connect(str(db), config=config))


def _quiet_gx() -> None:
    # GX sets levels on some of its own loggers, so quieten each one by name, not just the parent.
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")] + ["great_expectations"]:
        logging.getLogger(name).setLevel(logging.ERROR)


def _unexpected(result: dict | None) -> int | None:
    r = result or {}
    if r.get("unexpected_count") is not None:
        return int(r["unexpected_count"])
    if isinstance(r.get("observed_value"), int):  # UnexpectedRowsExpectation: the row count
        return int(r["observed_value"])
    if r.get("element_count") == 0:  # an empty table: nothing can fail
        return 0
    return None


def _lock_error(text: str) -> bool:
    return "could not set lock" in text.lower() or "conflicting lock" in text.lower()


@dataclass
class Session:
    """The GX side of one process: context, checkpoint and validation definitions, loaded
    once and reused by every later run in the process (reading the suites and building
    the definitions costs more than validating a small province)."""

    context: Any
    checkpoint: Any
    definitions: dict[str, Any]


_SESSIONS: dict[tuple, Session] = {}
_SESSION_LOCK = threading.Lock()
_RUN_LOCK = threading.RLock()


def _fingerprint(settings: Settings, gx_dir: Path) -> tuple:
    """What a cached session was built from: a suite or definition rewritten since (``ddss
    suites``) builds a new one."""
    files = [*settings.expectations_dir.glob("*.json"), *(gx_dir / "validation_definitions").glob("*.json")]
    files += [gx_dir / "great_expectations.yml", gx_dir / "checkpoints" / f"{gx_project.CHECKPOINT}.json"]
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists()))


def session(settings: Settings, province: str) -> Session:
    """This process's GX session for the province (built on first use; imports GX)."""
    key = (str(settings.gx_dir.resolve()), gx_project.province_url(settings, province), _fingerprint(settings, settings.gx_dir))
    with _SESSION_LOCK:
        found = _SESSIONS.get(key)
        if found is None:
            import great_expectations as gx  # noqa: F401 - several seconds: callers show progress first
            from great_expectations.data_context.types.base import ProgressBarsConfig

            gx_duckdb.apply()
            _quiet_gx()
            for stale in [k for k in _SESSIONS if k[:2] == key[:2]]:
                release(_SESSIONS.pop(stale))
            ctx = gx_project.open_context(settings, province)  # writes a relocated GX folder's files first
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)  # no tqdm noise
            checkpoint = ctx.checkpoints.get(gx_project.CHECKPOINT)
            found = Session(ctx, checkpoint, {vd.name: vd for vd in checkpoint.validation_definitions})
            # keyed by the files as GX read them (a relocated folder's were just written)
            _SESSIONS[key[:2] + (_fingerprint(settings, settings.gx_dir),)] = found
        return found


def run_suite(
    settings: Settings, province: str, suite: str, run_id: str, run_time: dt.datetime, keep_open: bool = False
) -> dict[str, int | None]:
    """One suite through GX (its validation definition, with the checkpoint's id and result
    format, as ``Checkpoint.run`` does); check_id -> unexpected count. The result goes to
    GX's validations store under ``run_id``; the connection GX opened is closed again, so
    any process may write the file next. ``keep_open``: it stays open for the next suite
    (opening the file costs ~25 ms a suite); the caller, holding the province lock, calls
    ``release`` after the last one. It is closed anyway if the suite raises."""
    from great_expectations.core.run_identifier import RunIdentifier

    from ddss.store import DatabaseBusy

    gx = session(settings, province)
    vd = gx.definitions[suite]
    counts: dict[str, int | None] = {}
    # One GX run at a time per process: the data source finds the province file through a
    # process-wide variable, which two threads validating two provinces would share.
    with _RUN_LOCK:
        os.environ[gx_project.URL_VARIABLE] = gx_project.province_url(settings, province)
        try:
            with gx_duckdb.cached_configurations():
                result = vd.run(
                    checkpoint_id=gx.checkpoint.id,
                    run_id=RunIdentifier(run_name=run_id, run_time=run_time),
                    result_format=gx.checkpoint.result_format,
                )
        except Exception as e:  # GX wraps DuckDB's lock error in its own exceptions
            release(gx)
            if _lock_error(repr(e)):
                raise DatabaseBusy(f"Cơ sở dữ liệu đang bận. / The database is busy ({type(e).__name__}).") from None
            raise
        if not keep_open:
            release(gx)
    for r in result.results:
        exc = r.exception_info or {}
        raised = exc.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception") for v in exc.values())
        if raised and _lock_error(str(exc)):
            raise DatabaseBusy("Cơ sở dữ liệu đang bận. / The database is busy.")
        counts[r.expectation_config.meta["check_id"]] = None if raised else _unexpected(r.result)
    return counts


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
    progress = progress or (lambda *_: None)
    loaded = set(loaded) if loaded is not None else loaded_datasets(settings, province)
    _connect_readonly(settings, province).close()  # wait for a writer here, not inside GX
    todo = runnable(loaded)
    progress("gx", "", 0, len(todo))
    session(settings, province)
    run_time = dt.datetime.now(dt.UTC)
    counts: dict[str, int | None] = {}
    for i, spec in enumerate(todo):
        progress("suite", spec.name, i, len(todo))
        counts.update(run_suite(settings, province, spec.name, run_id, run_time))
    progress("done", "", len(todo), len(todo))
    return SuiteRun(counts, not_run_reasons(loaded), [s.name for s in todo], results_dir(settings))


def runnable(loaded: Iterable[str]) -> list[SuiteSpec]:
    """The suites whose datasets are all loaded, in catalogue order."""
    loaded = set(loaded)
    return [s for s in specs() if s.checks and not ({s.dataset} | s.requires) - loaded]


def results_dir(settings: Settings) -> Path:
    """GX's validations store of the run's GX folder."""
    return settings.gx_dir / "uncommitted" / "validations"


def release(gx: Session) -> None:
    """Close the connection GX opened on the province file (the session stays usable: the
    next query opens a new one), so this or another process can open the file its own way
    (DuckDB refuses a second connection with a different configuration, and a writer while
    a reader holds the file)."""
    source = gx.context.data_sources.get(gx_project.DATASOURCE) if gx.definitions else None
    sources = {id(source): source} if source is not None else {}
    for vd in gx.definitions.values():
        try:
            s = vd.batch_definition.data_asset.datasource
        except Exception:  # noqa: S112 - a definition that never resolved holds no connection
            continue
        sources[id(s)] = s
    for source in sources.values():
        if getattr(source, "_execution_engine", None) is not None:
            source._execution_engine.close()
        if getattr(source, "_engine", None) is not None:
            source._engine.dispose()
