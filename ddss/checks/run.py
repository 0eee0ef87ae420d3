"""``validate``: one province's current batch through every suite, with row-level findings.

1. point the cur_ views at the current files (writer, briefly);
2. GX runs every suite read-only and reports a count per check;
3. one scan per dataset lists every failing row (same SQL), plus ingestion findings;
4. findings go to the database and to ``reports/<run_id>/findings.parquet|csv``; the
   run is recorded with whether GX's counts equal the findings' (they must).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ddss import store
from ddss.checks import findings as findings_mod
from ddss.checks import gx_run, reference, views
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

    @property
    def counts_agree(self) -> bool:
        return not self.mismatches

    def by_dimension(self) -> pl.DataFrame:
        return self.findings.group_by("dimension", "severity").len().sort("dimension", "severity")


def new_run_id(province: str) -> str:
    return f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S%f')}-{province}-{uuid.uuid4().hex[:6]}"


def validate(settings: Settings, province: str, as_of: dt.date | None = None) -> ValidationResult:
    as_of = as_of or settings.as_of or dt.date.today()
    run_id = new_run_id(province)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db = settings.province_db(province)
    if not db.exists():
        raise FileNotFoundError(f"Chưa có dữ liệu của tỉnh {province} ({db}); hãy chạy 'ddss ingest' trước.")
    with store.writer(db, settings.busy_timeout_s, settings.duckdb_config()) as con:
        views.refresh(con)
        reference.load(con)

    gx_counts, gx_dir = gx_run.run_suites(settings, province, run_id, as_of)

    with store.connect_readonly(db, settings.duckdb_config()) as con:
        parts = [findings_mod.dataset_findings(con, d, settings, as_of, province) for d in DATASETS]
        parts.append(findings_mod.ingest_findings(con))
    found = pl.concat(parts).sort("dataset", "source_row", "check_id", nulls_last=True)

    per_check = dict(found.group_by("check_id").len().iter_rows())
    mismatches = {c: (n, per_check.get(c, 0)) for c, n in gx_counts.items() if n != per_check.get(c, 0)}

    report_dir = settings.reports_dir / run_id
    report_dir.mkdir(parents=True, exist_ok=True)
    with_run = found.with_columns(pl.lit(run_id).alias("run_id")).select("run_id", *found.columns)
    with_run.write_parquet(report_dir / "findings.parquet")
    with_run.write_csv(report_dir / "findings.csv")
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
    return ValidationResult(run_id, province, as_of, found, gx_counts, mismatches, report_dir, gx_dir)
