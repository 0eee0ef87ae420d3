"""``validate``: one province's current batch through every suite, with row-level findings.

1. ``prepare``: write the current rows into the cur_ tables (writer, briefly); the plan
   lists one unit per runnable GX suite;
2. ``run_unit``: GX runs one suite read-only and reports a count per check (a flow may
   run each unit as its own task; ``validate`` runs them in order in this process);
3. ``finish``: one scan per dataset lists every failing row (same SQL), plus ingestion
   findings; the run is refused if the current files changed since ``prepare``
   (``validate`` lists them in a second thread while GX runs the suites: both only read,
   under the lock it holds, and GX's Python leaves DuckDB's threads idle much of the time;
   at 1 M persons 22.5 s in turn, 13.7 s side by side);
4. findings go to the database and to ``reports/<run_id>/findings.parquet|csv`` with the
   run record ``run.json`` (ddss.checks.outputs: written under a temporary name, published
   by one rename after the database commit); the run is recorded with whether GX's counts
   equal the findings' (they must).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import duckdb
import polars as pl

from ddss import store
from ddss.checks import findings as findings_mod
from ddss.checks import gx_run, outputs, reference, render, views
from ddss.schema import DATASETS
from ddss.settings import Settings

__all__ = ["Plan", "Unit", "ValidationResult", "finish", "prepare", "run_unit", "validate"]


@dataclass
class ValidationResult:
    run_id: str
    province: str
    as_of: dt.date
    findings: pl.DataFrame
    gx_counts: dict[str, int | None]
    mismatches: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    report_dir: Path | None = None
    gx_results: Path | None = None
    # check_id -> why it did not run (its dataset, or the other side of a cross-dataset
    # check, is not loaded): neither a failure nor a pass (ddss.checks.gx_run.not_run_reasons)
    not_run: dict[str, str] = field(default_factory=dict)

    @property
    def counts_agree(self) -> bool:
        return not self.mismatches

    def by_dimension(self) -> pl.DataFrame:
        return self.findings.group_by("dimension", "severity").len().sort("dimension", "severity")


def new_run_id(province: str) -> str:
    return f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S%f')}-{province}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Unit:
    """One GX suite of a plan: the unit a flow may run as its own task."""

    suite: str
    dataset: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """A validation run prepared (cur_ tables, reference lists, run macros in the file) and not
    yet run. Plain data, so a flow can pass it between tasks or processes."""

    settings: Settings
    province: str
    as_of: dt.date
    run_id: str
    started: dt.datetime
    run_time: dt.datetime  # GX's run time, the same for every unit (Data Docs group by it)
    units: tuple[Unit, ...]
    not_run: dict[str, str]
    files: tuple  # the current files when prepared: finish refuses a run whose data changed meanwhile


def prepare(settings: Settings, province: str, as_of: dt.date | None = None) -> Plan:
    """Write the current rows into the cur_ tables and give the suites this run's facts
    (the writer, briefly); returns the units to run. Raises FileNotFoundError for a
    province with no database."""
    db = settings.province_db(province)
    if not db.exists():
        raise FileNotFoundError(f"Chưa có dữ liệu của tỉnh {province} ({db}); hãy chạy 'ddss ingest' trước.")
    as_of = as_of or settings.as_of or dt.date.today()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.province_lock(db, settings.busy_timeout_s):
        with store.writer(db, settings.busy_timeout_s, settings.duckdb_config()) as con:
            files = views.refresh(con)
            reference.load(con)
            for ddl in render.run_macros(settings, as_of, province):  # the run's facts for the committed suites
                con.execute(ddl)
    units = tuple(Unit(s.name, s.dataset, tuple(c.check_id for c in s.checks)) for s in gx_run.runnable(files))
    return Plan(
        settings,
        province,
        as_of,
        new_run_id(province),
        started,
        dt.datetime.now(dt.UTC),
        units,
        gx_run.not_run_reasons(files),
        _files_key(files),
    )


def run_unit(plan: Plan, unit: Unit, keep_open: bool = False) -> dict[str, int | None]:
    """One suite through GX: check_id -> GX's unexpected count (None: the expectation
    raised). Its result lands in GX's validations store under the plan's run id.
    ``keep_open``: see gx_run.run_suite (``validate`` keeps GX's connection for its units)."""
    db = plan.settings.province_db(plan.province)
    with store.province_lock(db, plan.settings.busy_timeout_s):
        try:
            return gx_run.run_suite(plan.settings, plan.province, unit.suite, plan.run_id, plan.run_time, keep_open)
        except Exception as e:
            _reraise(e, plan.settings.gx_dir, db)


def finish(plan: Plan, results: Iterable[Mapping[str, int | None]]) -> ValidationResult:
    """Row-level findings of every check that ran, compared with GX's counts (``results``:
    what ``run_unit`` returned for each unit), written to the database and to
    ``reports/<run_id>/``."""
    settings, province = plan.settings, plan.province
    db = settings.province_db(province)
    with store.province_lock(db, settings.busy_timeout_s):
        with store.connect_readonly(db, settings.duckdb_config(), settings.busy_timeout_s) as con:
            parts = _collect(con, plan)
        return _record(plan, results, parts)


def _collect(con: duckdb.DuckDBPyConnection, plan: Plan, stop: threading.Event | None = None) -> list[pl.DataFrame]:
    """Every dataset's findings and ingestion's, read through ``con``; refused if the
    current files changed since ``prepare``. ``stop``: give up between datasets."""
    if _files_key(views.current_files(con)) != plan.files:
        raise store.DatabaseBusy(
            f"Dữ liệu của tỉnh {plan.province} đã thay đổi trong lúc kiểm tra (có lần nạp mới); hãy chạy lại. / "
            f"The data of province {plan.province} changed during validation (a new ingest); run again."
        )
    parts = []
    for d in DATASETS:
        if stop is not None and stop.is_set():
            return []
        parts.append(findings_mod.dataset_findings(con, d, plan.settings, plan.as_of, plan.province))
    parts.append(findings_mod.ingest_findings(con))
    return parts


def _collect_beside_gx(plan: Plan, stop: threading.Event) -> list[pl.DataFrame]:
    """``_collect`` on a connection GX's may share (run in a thread while GX validates)."""
    con = gx_run.reader_beside_gx(plan.settings, plan.province)
    try:
        return _collect(con, plan, stop)
    finally:
        con.close()


def validate(
    settings: Settings, province: str, as_of: dt.date | None = None, progress: gx_run.Progress | None = None
) -> ValidationResult:
    """``prepare``, ``run_unit`` for each unit, ``finish``, with the province's lock held
    from the first read to the run record: a concurrent ingest waits (or this exits BUSY),
    so GX and the findings read one state of the data. ``progress(event, suite, done,
    total)`` hears GX loading, each suite and the findings."""
    progress = progress or (lambda *_: None)
    db = settings.province_db(province)
    if not db.exists():
        raise FileNotFoundError(f"Chưa có dữ liệu của tỉnh {province} ({db}); hãy chạy 'ddss ingest' trước.")
    with store.province_lock(db, settings.busy_timeout_s):
        plan = prepare(settings, province, as_of)
        progress("gx", "", 0, len(plan.units))
        try:
            gx = gx_run.session(settings, province)  # the GX import and the suites, once per process
        except Exception as e:
            _reraise(e, settings.gx_dir, db)
        results: list[dict[str, int | None]] = []
        stop = threading.Event()
        # The findings are listed in a second thread while GX runs the suites (each its own
        # connection, one database instance); the lock is held throughout, so both read one
        # state of the data, and both connections are closed before _record writes.
        with ThreadPoolExecutor(1, thread_name_prefix="ddss-findings") as pool:
            listed = pool.submit(_collect_beside_gx, plan, stop)
            try:  # one GX connection for every unit
                for i, unit in enumerate(plan.units):
                    progress("suite", unit.suite, i, len(plan.units))
                    results.append(run_unit(plan, unit, keep_open=True))
            except BaseException:
                stop.set()
                raise
            finally:
                gx_run.release(gx)
            progress("done", "", len(plan.units), len(plan.units))
            progress("findings", "", 0, 0)
            parts = listed.result()
        return _record(plan, results, parts)


def _files_key(files: Mapping[str, list]) -> tuple:
    return tuple(sorted((d, tuple(map(tuple, fs))) for d, fs in files.items()))


def _record(plan: Plan, results: Iterable[Mapping[str, int | None]], parts: list[pl.DataFrame]) -> ValidationResult:
    """GX's counts per check (``results``: one mapping per unit) against the listed findings,
    written to the database and to ``reports/<run_id>/``."""
    gx_counts: dict[str, int | None] = {}
    for r in results:
        gx_counts.update(r)
    settings, province, run_id, not_run = plan.settings, plan.province, plan.run_id, plan.not_run
    db = settings.province_db(province)
    gx_dir = gx_run.results_dir(settings)
    found = pl.concat(parts).sort("dataset", "source_row", "check_id", nulls_last=True)
    found = found.filter(~pl.col("check_id").is_in(list(not_run)))  # not run: no finding either way

    per_check = dict(found.group_by("check_id").len().iter_rows())
    mismatches = {c: (n, per_check.get(c, 0)) for c, n in gx_counts.items() if n != per_check.get(c, 0)}
    record = {
        "run_id": run_id,
        "province": province,
        "as_of": plan.as_of.isoformat(),
        "started_at": plan.started.isoformat(),
        "checks": len(gx_counts),
        "findings": found.height,
        "counts_agree": not mismatches,
        "gx_results_path": str(gx_dir),
        "not_run": not_run,
    }
    report_dir = outputs.write_run(settings.reports_dir, run_id, found, record)
    try:
        with store.writer(db, settings.busy_timeout_s, settings.duckdb_config()) as con:
            con.execute("BEGIN TRANSACTION")
            store.write_findings(con, run_id, found)
            run_row = {
                "run_id": run_id,
                "province": province,
                "as_of": plan.as_of,
                "started_at": plan.started,
                "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                "checks": len(gx_counts),
                "findings": found.height,
                "counts_agree": not mismatches,
                "gx_results_path": str(gx_dir),
            }
            store.insert_rows(con, "validation_runs", list(run_row), [list(run_row.values())])
            con.execute("COMMIT")
    except Exception as e:
        outputs.discard(report_dir)  # no report folder without its run in the database
        _reraise(e, db.parent, db)
    final = outputs.publish(report_dir)  # only now does reports/<run_id>/ exist
    return ValidationResult(run_id, province, plan.as_of, found, gx_counts, mismatches, final, gx_dir, not_run)


def _reraise(exc: Exception, folder: Path, db: Path) -> NoReturn:
    """A storage fault or a lock conflict met inside GX or DuckDB, raised as ddss's own
    error (the CLI maps it to an exit code); anything else re-raised unchanged."""
    known = _known(exc, folder, db)
    if known is exc:
        raise exc
    raise known from exc


def _known(exc: Exception, folder: Path, db: Path) -> Exception:
    from ddss.storage_errors import storage_error

    if isinstance(exc, store.DatabaseBusy | store.DamagedDatabase):
        return exc
    if (storage := storage_error(exc, folder)) is not None:
        return storage
    chain, e = [], exc
    while e is not None and len(chain) < 10:
        chain.append(str(e).lower())
        e = e.__cause__ or e.__context__
    if any("lock" in t and ("conflict" in t or "could not set" in t) for t in chain):
        return store.DatabaseBusy(
            f"Cơ sở dữ liệu {db.name} đang bị một tiến trình khác giữ khoá; hãy chạy lại sau. / "
            f"Database {db.name} is locked by another process; run again later."
        )
    return exc
