"""``validate``: one province's current batch through every suite, with row-level findings.

1. point the cur_ views at the current files (writer, briefly);
2. GX runs every suite read-only and reports a count per check;
3. one scan per dataset lists every failing row (same SQL), plus ingestion findings;
4. findings go to the database and to ``reports/<run_id>/findings.parquet|csv`` with the
   run record ``run.json`` (ddss.checks.outputs: written under a temporary name, published
   by one rename after the database commit); the run is recorded with whether GX's counts
   equal the findings' (they must).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ddss import store
from ddss.checks import findings as findings_mod
from ddss.checks import gx_run, outputs, reference, render, views
from ddss.schema import DATASETS
from ddss.settings import Settings

__all__ = ["ValidationResult", "validate"]


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


def validate(
    settings: Settings, province: str, as_of: dt.date | None = None, progress: gx_run.Progress | None = None
) -> ValidationResult:
    """The province's lock is held from the first read to the run record: a concurrent
    ingest waits (or this exits BUSY), so GX and the findings read one state of the data.
    ``progress(event, suite, done, total)`` hears GX loading, each suite and the findings."""
    db = settings.province_db(province)
    if not db.exists():
        raise FileNotFoundError(f"Chưa có dữ liệu của tỉnh {province} ({db}); hãy chạy 'ddss ingest' trước.")
    with store.province_lock(db, settings.busy_timeout_s):
        return _validate(settings, province, as_of or settings.as_of or dt.date.today(), progress)


def _validate(settings: Settings, province: str, as_of: dt.date, progress: gx_run.Progress | None = None) -> ValidationResult:
    run_id = new_run_id(province)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db = settings.province_db(province)
    with store.writer(db, settings.busy_timeout_s, settings.duckdb_config()) as con:
        loaded = set(views.refresh(con))
        reference.load(con)
        for ddl in render.run_macros(settings, as_of, province):  # the run's facts for the committed suites
            con.execute(ddl)

    try:
        suite_run = gx_run.run_suites(settings, province, run_id, as_of, loaded=loaded, progress=progress)
    except Exception as e:
        _reraise(e, settings.gx_dir, db)
    gx_counts, gx_dir, not_run = suite_run.counts, suite_run.results_dir, suite_run.not_run
    if progress:
        progress("findings", "", 0, 0)

    with store.connect_readonly(db, settings.duckdb_config(), settings.busy_timeout_s) as con:
        parts = [findings_mod.dataset_findings(con, d, settings, as_of, province) for d in DATASETS]
        parts.append(findings_mod.ingest_findings(con))
    found = pl.concat(parts).sort("dataset", "source_row", "check_id", nulls_last=True)
    found = found.filter(~pl.col("check_id").is_in(list(not_run)))  # not run: no finding either way

    per_check = dict(found.group_by("check_id").len().iter_rows())
    mismatches = {c: (n, per_check.get(c, 0)) for c, n in gx_counts.items() if n != per_check.get(c, 0)}
    record = {
        "run_id": run_id,
        "province": province,
        "as_of": as_of.isoformat(),
        "started_at": started.isoformat(),
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
            con.execute(
                "INSERT INTO validation_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    province,
                    as_of,
                    started,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    len(gx_counts),
                    found.height,
                    not mismatches,
                    str(gx_dir),
                ],
            )
            con.execute("COMMIT")
    except Exception as e:
        outputs.discard(report_dir)  # no report folder without its run in the database
        _reraise(e, db.parent, db)
    final = outputs.publish(report_dir)  # only now does reports/<run_id>/ exist
    return ValidationResult(run_id, province, as_of, found, gx_counts, mismatches, final, gx_dir, not_run)


def _reraise(exc: Exception, folder: Path, db: Path) -> None:
    """A storage fault or a lock conflict met inside GX or DuckDB, raised as ddss's own
    error (the CLI maps it to an exit code); anything else re-raised unchanged."""
    known = _known(exc, folder, db)
    if known is exc:
        raise exc
    raise known from exc


def _known(exc: Exception, folder: Path, db: Path) -> Exception:
    from ddss.settings import storage_error

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
