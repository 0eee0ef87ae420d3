"""What the report pages show, gathered once from a run's folder and the province file.

Sources: ``reports/<run_id>/findings.parquet`` (masked row-level findings) and
``run.json`` (the run record), both written by ``validate``; ``scorecard.json``
(``ddss score``, docs/scorecard.md; the pages say so when it is missing); and the
province file's ``batches`` table, opened read-only (skipped after 2 s when a writer
holds it: the pages then go without the table of files).
The scorecard reader accepts the field names the scorecard module writes and a few
aliases, so a renamed field degrades to "—" on the page instead of a crash.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ddss.rules.catalog import DIMENSIONS, by_id
from ddss.schema import AGENCIES, DATASETS
from ddss.settings import Settings

__all__ = [
    "HistoryPoint",
    "ReportInputs",
    "ScoreCell",
    "Scorecard",
    "agency_names",
    "agency_of",
    "legal_basis",
    "load_inputs",
    "read_findings",
    "scorecard_from_json",
]

UNKNOWN_AGENCY = "khac"


@dataclass(frozen=True)
class ScoreCell:
    agency: str
    dataset: str
    dimension: str
    score: float | None  # 0..1: share of records with no blocking finding in this dimension
    threshold: float | None = None
    passed: bool | None = None
    checked: int | None = None
    blocking: int | None = None
    previous: float | None = None
    change: float | None = None
    drop_flagged: bool = False
    not_checked: bool = False


@dataclass(frozen=True)
class HistoryPoint:
    run_id: str
    at: str
    agency: str
    dataset: str
    dimension: str
    score: float


@dataclass(frozen=True)
class Scorecard:
    passed: bool | None
    reasons: tuple[str, ...]
    cells: tuple[ScoreCell, ...]
    history: tuple[HistoryPoint, ...]
    agencies: dict[str, bool | None] = field(default_factory=dict)
    datasets: dict[str, bool | None] = field(default_factory=dict)
    not_checked: tuple[str, ...] = ()
    catalogue_version: str | None = None
    overall: dict[str, dict[str, Any]] = field(default_factory=dict)  # agency -> {checked, clean, score}
    land_groups: dict[str, Any] | None = None  # as scorecard.json has it (docs/scorecard.md)


@dataclass(frozen=True)
class ReportInputs:
    settings: Settings
    province: str
    run_id: str
    run_dir: Path
    findings: pl.DataFrame  # masked; with an ``agency`` column
    scorecard: Scorecard | None
    files: pl.DataFrame  # the batch files of the run (may be empty)
    run_info: dict[str, Any] = field(default_factory=dict)  # validation_runs row (may be empty)


def agency_of(dataset: str | None) -> str:
    return DATASETS[dataset].agency if dataset in DATASETS else UNKNOWN_AGENCY


def legal_basis(check_id: str) -> str:
    """The check's legal basis (``legal_basis`` if the catalogue has it, else its ``rule``)."""
    try:
        check = by_id(check_id)
    except KeyError:
        return ""
    return getattr(check, "legal_basis", None) or check.rule


def read_findings(run_dir: Path) -> pl.DataFrame:
    """The run's findings with an ``agency`` column (added from the dataset when absent)."""
    parquet = run_dir / "findings.parquet"
    if parquet.exists():
        df = pl.read_parquet(parquet)
    else:
        df = pl.read_csv(run_dir / "findings.csv", infer_schema=False)
    if "agency" not in df.columns:
        df = df.with_columns(
            pl.col("dataset").replace_strict({d: s.agency for d, s in DATASETS.items()}, default=UNKNOWN_AGENCY).alias("agency")
        )
    return df.with_columns(pl.col("agency").fill_null(UNKNOWN_AGENCY))


def _first(d: dict, *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def _verdict(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower().replace(" ", "_")
    if text in ("dat", "đạt", "pass", "passed", "ok", "true"):
        return True
    if text in ("khong_dat", "không_đạt", "fail", "failed", "false"):
        return False
    return None


def _fraction(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v / 100 if v > 1 else v  # a percentage or a share


def _text(reason: Any) -> str:
    if isinstance(reason, dict):
        return str(_first(reason, "vi", "reason_vi", "text", "message_vi", default=json.dumps(reason, ensure_ascii=False)))
    return str(reason)


def _cell(d: dict) -> ScoreCell:
    dataset = str(_first(d, "dataset", default=""))
    return ScoreCell(
        agency=str(_first(d, "agency", default=agency_of(dataset))),
        dataset=dataset,
        dimension=str(_first(d, "dimension", default="")),
        score=_fraction(_first(d, "score", "score_pct")),
        threshold=_fraction(_first(d, "threshold", "threshold_pct")),
        passed=_verdict(_first(d, "passed", "verdict", "status")),
        checked=_first(d, "records_checked", "checked", "records"),
        blocking=_first(d, "records_blocking", "blocking", "records_with_blocking"),
        previous=_fraction(_first(d, "previous", "previous_score")),
        change=_first(d, "change", "delta"),
        drop_flagged=bool(_first(d, "drop_flagged", "flagged", "drop", default=False)),
        not_checked=str(_first(d, "status", default="")) in ("not_checked", "chua_kiem_tra"),
    )


def scorecard_from_json(data: dict) -> Scorecard:
    run = data.get("run") if isinstance(data.get("run"), dict) else {}
    cells = tuple(_cell(c) for c in _first(data, "scores", "cells", "rows", default=[]) if _first(c, "dimension") in DIMENSIONS)
    history = tuple(
        HistoryPoint(
            run_id=str(_first(h, "run_id", default="")),
            at=str(_first(h, "at", "started_at", "created_at", "run_at", default="")),
            agency=str(_first(h, "agency", default=agency_of(_first(h, "dataset")))),
            dataset=str(_first(h, "dataset", default="")),
            dimension=str(_first(h, "dimension", default="")),
            score=_fraction(_first(h, "score", "score_pct", default=0.0)) or 0.0,
        )
        for h in _first(data, "history", default=[])
        if _first(h, "score", "score_pct") is not None
    )

    def verdicts(key: str) -> dict[str, bool | None]:
        raw = data.get(key) or {}
        if isinstance(raw, list):  # [{"agency": ..., "passed": ...}]
            name = key.rstrip("s") if key != "agencies" else "agency"
            return {str(_first(r, name, "name", "code")): _verdict(_first(r, "passed", "verdict", "status")) for r in raw}
        return {k: _verdict(v.get("passed", v.get("verdict")) if isinstance(v, dict) else v) for k, v in raw.items()}

    return Scorecard(
        passed=_verdict(_first(data, "passed", "verdict", default=_first(run, "passed", "verdict"))),
        reasons=tuple(_text(r) for r in _first(data, "reasons", default=_first(run, "reasons", default=[]))),
        cells=cells,
        history=history,
        agencies=verdicts("agencies"),
        datasets=verdicts("datasets"),
        not_checked=tuple(_text(r) for r in _first(data, "not_checked", "chua_kiem_tra", default=[])),
        catalogue_version=_first(data, "catalogue_version", "catalog_version", "rules_version"),
        overall={
            str(a["agency"]): {k: a.get(k) for k in ("checked", "clean", "score")}
            for a in (data.get("agencies") or [])
            if isinstance(a, dict) and "agency" in a
        },
        land_groups=data.get("land_groups") if isinstance(data.get("land_groups"), dict) else None,
    )


def _from_province_db(settings: Settings, province: str, run_id: str) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The run's record and the latest file per dataset (as validate saw it), read-only;
    empty when the file is missing or a writer holds it (the pages then go without)."""
    from ddss.checks.views import CURRENT_FILES_SQL
    from ddss.store import connect_readonly, fetch_frame

    db = settings.province_db(province)
    if not db.exists():
        return pl.DataFrame(), {}
    # A report must not wait long for a writer: the pages then go without these.
    # (busy_timeout_s arrives with the store's province lock; older stores fail fast anyway.)
    wait = {"busy_timeout_s": 2.0} if "busy_timeout_s" in inspect.signature(connect_readonly).parameters else {}
    try:
        con = connect_readonly(db, settings.duckdb_config(), **wait)
    except (RuntimeError, duckdb.Error):  # busy (DatabaseBusy) or damaged
        return pl.DataFrame(), {}
    try:
        run = fetch_frame(
            con,
            "SELECT as_of, started_at, finished_at, checks, findings, counts_agree FROM validation_runs WHERE run_id = ?",
            [run_id],
        )
        files = fetch_frame(
            con,
            f"""SELECT b.batch_id, b.agency, b.dataset, b.source_file, b.file_format, b.encoding,
                       b.rows_read, b.rows_staged, b.rows_quarantined, b.status, b.loaded_at
                FROM batches b JOIN ({CURRENT_FILES_SQL}) c
                  ON b.batch_id = c.batch_id AND b.file_sha256 = c.file_sha256 AND b.dataset = c.dataset
                UNION ALL
                SELECT batch_id, agency, dataset, source_file, file_format, encoding,
                       rows_read, rows_staged, rows_quarantined, status, loaded_at
                FROM batches WHERE status = 'rejected' AND batch_id = (SELECT max(batch_id) FROM batches)
                ORDER BY agency, dataset""",  # noqa: S608 - constant SQL
        )
        return files, (run.row(0, named=True) if run.height else {})
    finally:
        con.close()


def load_inputs(settings: Settings, province: str, run_id: str) -> ReportInputs:
    run_dir = settings.reports_dir / run_id
    if not (run_dir / "findings.parquet").exists() and not (run_dir / "findings.csv").exists():
        raise FileNotFoundError(f"Không tìm thấy kết quả của lượt {run_id} trong {run_dir} / no findings for run {run_id}")
    score_path = run_dir / "scorecard.json"
    scorecard = scorecard_from_json(json.loads(score_path.read_text(encoding="utf-8"))) if score_path.exists() else None
    files, run_info = _from_province_db(settings, province, run_id)
    record = run_dir / "run.json"  # validate's run record: preferred over the database's copy
    if record.exists():
        run_info = {**run_info, **json.loads(record.read_text(encoding="utf-8"))}
    return ReportInputs(settings, province, run_id, run_dir, read_findings(run_dir), scorecard, files, run_info)


def agency_names() -> dict[str, str]:
    return {**AGENCIES, UNKNOWN_AGENCY: "Khác / không rõ cơ quan"}
