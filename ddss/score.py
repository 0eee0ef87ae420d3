"""Scorecards: per run, agency, dataset and dimension, from a validation run's findings.

Score of a dataset in a dimension = share of the records checked that have **no blocking
finding in that dimension** (a record failing two checks of one dimension counts once;
warnings never lower a score; a waived finding counts as a warning). The overall score
of a dataset is the share of records with no blocking finding in any dimension.
Records checked = the rows of the dataset's current file, staged or quarantined at
ingestion (a quarantined row is a record with a blocking finding).

A dataset is đạt when every dimension meets its threshold (ddss.thresholds) and every
check on it could run; an agency when all its datasets are; a run when all its agencies
are and no file was rejected. The JSON written to ``reports/<run_id>/scorecard.json`` is
documented in docs/scorecard.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import polars as pl

from ddss import land_groups
from ddss.rules.catalog import DIMENSIONS, all_checks, for_dataset
from ddss.schema import AGENCIES, DATASETS
from ddss.scorecard import (
    DATASET_LABELS,
    DIMENSIONS_EN,
    AgencyScore,
    DatasetScore,
    DimensionScore,
    NotRun,
    RunFile,
    Scorecard,
)
from ddss.store import fetch_frame
from ddss.thresholds import POLICIES, Thresholds

__all__ = [
    "catalogue_version",
    "checks_not_run",
    "compute_scorecard",
    "effective_findings",
    "run_files",
]


def catalogue_version(dataset: str | None = None, dimension: str | None = None) -> str:
    """Fingerprint of the rules that decide a score: every check's id, severity and SQL.
    A rule added or changed between two runs changes it, so their scores are not compared."""
    lines = sorted(
        f"{c.check_id}|{c.dimension}|{c.severity}|{c.predicate.fails_sql() if c.predicate else c.stage}"
        for c in all_checks()
        if (dataset is None or c.dataset == dataset) and (dimension is None or c.dimension == dimension)
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]


def run_files(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, RunFile]:
    """The current file of each dataset when ``run_id`` started (what it validated)."""
    rows = con.execute(
        """
        SELECT dataset, agency, batch_id, source_file, file_sha256, rows_staged, rows_quarantined FROM (
            SELECT *, row_number() OVER (PARTITION BY dataset ORDER BY batch_id DESC, source_file) AS k
            FROM batches
            WHERE status = 'loaded' AND loaded_at <= (SELECT started_at FROM validation_runs WHERE run_id = ?)
        ) WHERE k = 1 ORDER BY dataset
        """,
        [run_id],
    ).fetchall()
    return {r[0]: RunFile(r[0], r[1], r[2], r[3], r[4], int(r[5] or 0), int(r[6] or 0)) for r in rows}


def checks_not_run(loaded: set[str]) -> list[NotRun]:
    """Checks on a loaded dataset whose SQL reads another dataset that was not loaded."""
    out = []
    for dataset in sorted(loaded):
        for c in for_dataset(dataset):
            text = c.predicate.fails_sql() if c.predicate else ""
            missing = tuple(d for d in DATASETS if d != dataset and "{" + d + "}" in text and d not in loaded)
            if missing:
                out.append(NotRun(c.check_id, dataset, c.dimension, missing, c.title_vi))
    return out


def effective_findings(
    con: duckdb.DuckDBPyConnection, run_id: str, files: dict[str, RunFile], not_run: list[NotRun]
) -> pl.DataFrame:
    """Row-level findings of the run on its files, without checks that could not run, each
    marked ``waived`` (a steward accepted it) and ``blocking`` (blocking and not waived)."""
    frame = pl.DataFrame(
        {
            "dataset": list(files),
            "source_file": [f.source_file for f in files.values()],
            "batch_id": [f.batch_id for f in files.values()],
        },
        schema={"dataset": pl.Utf8, "source_file": pl.Utf8, "batch_id": pl.Utf8},
    )
    con.register("_ddss_files", frame.to_arrow())
    skip = [n.check_id for n in not_run] or [""]
    try:
        found = fetch_frame(
            con,
            """
            SELECT f.dataset, f.source_row, f.record_key, f.check_id, f.dimension, f.severity, f.message_vi,
                   EXISTS (SELECT 1 FROM waivers w WHERE w.dataset = f.dataset AND w.record_key = f.record_key
                           AND w.check_id = f.check_id) AS waived
            FROM findings f JOIN _ddss_files c ON f.dataset = c.dataset AND f.source_file = c.source_file
                 -- a resubmitted file keeps its name: an earlier batch's rows still current are checked
                 -- too, and their findings must not land on this batch's rows with the same row number
                 AND (f.batch_id = c.batch_id OR f.batch_id IS NULL)
            WHERE f.run_id = ? AND f.source_row IS NOT NULL AND NOT list_contains(?, f.check_id)
            """,
            [run_id, skip],
        )
    finally:
        con.unregister("_ddss_files")
    return found.with_columns(blocking=(pl.col("severity") == "blocking") & ~pl.col("waived"))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".replace(".", ",") + " %"


def _previous(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple[str, str], tuple]:
    rows = con.execute(
        """
        SELECT dataset, dimension, run_id, score, catalogue_version FROM (
            SELECT *, row_number() OVER (PARTITION BY dataset, dimension ORDER BY run_id DESC) AS k
            FROM scores WHERE run_id < ?
        ) WHERE k = 1
        """,
        [run_id],
    ).fetchall()
    return {(d, m): (r, s, v) for d, m, r, s, v in rows}


def _with_history(s: DimensionScore, dataset: str, previous: dict, margin: float) -> DimensionScore:
    prev = previous.get((dataset, s.dimension))
    if prev:
        s.previous_run, s.previous_score = prev[0], prev[1]
        s.change = round(s.score - prev[1], 6)
        s.comparable = prev[2] == s.catalogue_version
        s.dropped = bool(s.comparable and prev[1] - s.score > margin)
    return s


def _dataset_score(
    f: RunFile, eff: pl.DataFrame, thresholds: Thresholds, not_run: list[NotRun], previous: dict, margin: float
) -> DatasetScore:
    mine = eff.filter(pl.col("dataset") == f.dataset)
    per_dim = (
        mine.group_by("dimension", "source_row")
        .agg(pl.col("blocking").any().alias("b"), pl.col("waived").any().alias("w"))
        .group_by("dimension")
        .agg(
            pl.col("b").sum().alias("blocking"),
            (~pl.col("b")).sum().alias("warning_only"),
            (pl.col("w") & ~pl.col("b")).sum().alias("waived"),
        )
    )
    counts = {r[0]: r[1:] for r in per_dim.iter_rows()}
    dims, reasons = [], []
    label_vi, label_en = DATASET_LABELS[f.dataset]
    agency_vi = AGENCIES[f.agency]
    blocks_batch = False
    for dim in DIMENSIONS:
        blocking, warning_only, waived = (int(x) for x in counts.get(dim, (0, 0, 0)))
        score = (f.checked - blocking) / f.checked if f.checked else 1.0
        t = thresholds.get(f.dataset, dim)
        ok = score >= t.threshold
        d = DimensionScore(
            dim, f.checked, blocking, warning_only, waived, score, t.threshold, t.policy,
            "dat" if ok else "khong_dat", catalogue_version(f.dataset, dim),
        )  # fmt: skip
        dims.append(_with_history(d, f.dataset, previous, margin))
        if not ok:
            blocks_batch |= t.policy == "block_batch"
            what_vi = (
                "không bản ghi nào của tập này được chuyển lên"
                if t.policy == "block_batch"
                else "các bản ghi có lỗi chặn bị giữ lại, các bản ghi khác được chuyển lên"
            )
            what_en = (
                "nothing of this dataset goes on"
                if t.policy == "block_batch"
                else "records with blocking findings are held, the others go on"
            )
            reasons.append(
                (
                    f"{agency_vi} — {label_vi}: chiều {DIMENSIONS[dim]} đạt {_pct(score)}, dưới ngưỡng {_pct(t.threshold)}"
                    f" ({blocking} trên {f.checked} bản ghi có lỗi chặn); theo chính sách '{POLICIES[t.policy][0]}',"
                    f" {what_vi}.",
                    f"{label_en}: {DIMENSIONS_EN[dim]} is {100 * score:.1f} %, below the threshold {100 * t.threshold:.1f} %"
                    f" ({blocking} of {f.checked} records with blocking findings); policy '{POLICIES[t.policy][1]}':"
                    f" {what_en}.",
                )
            )
    mine_not_run = [n for n in not_run if n.dataset == f.dataset]
    for n in mine_not_run:
        vi, en = n.reason()
        reasons.append((f"{agency_vi} — {label_vi}: {vi} Các bản ghi của tập này bị giữ lại.", f"{label_en}: {en} Held."))
    rows = mine.group_by("source_row").agg(pl.col("blocking").any().alias("b"), pl.col("waived").any().alias("w"))
    blocked = int(rows["b"].sum()) if rows.height else 0
    overall = DimensionScore(
        "overall", f.checked, blocked, rows.height - blocked, int((rows["w"] & ~rows["b"]).sum()) if rows.height else 0,
        (f.checked - blocked) / f.checked if f.checked else 1.0, 0.0, "", "", catalogue_version(f.dataset),
    )  # fmt: skip
    overall = _with_history(overall, f.dataset, previous, margin)
    ok = all(d.verdict == "dat" for d in dims) and not mine_not_run
    overall.verdict = "dat" if ok else "khong_dat"
    return DatasetScore(f.dataset, f.agency, f, dims, overall, overall.verdict, blocks_batch, reasons, mine_not_run)


def _rejected(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT source_file, message_vi FROM findings WHERE run_id = ? AND check_id = 'ingest.file_rejected' ORDER BY 1",
        [run_id],
    ).fetchall()
    return [
        (f"Tệp {name} bị từ chối khi nạp: {why}", f"File {name} was rejected at ingestion (see its .reason.txt).")
        for name, why in rows
    ]


def compute_scorecard(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    thresholds: Thresholds,
    drop_margin: float = 0.02,
    eff: pl.DataFrame | None = None,
) -> Scorecard:
    """The scorecard of one validation run, from the province file (``con`` may be read-only).
    ``eff``: the run's ``effective_findings`` when the caller has read them already (the gate
    classifies rows from the same frame: one read of the findings, not two)."""
    found = con.execute("SELECT province, as_of FROM validation_runs WHERE run_id = ?", [run_id]).fetchall()
    if not found:
        raise KeyError(f"Không có lượt kiểm tra {run_id!r} / no validation run {run_id!r}")
    province, as_of = found[0]
    files = run_files(con, run_id)
    not_run = checks_not_run(set(files))
    if eff is None:
        eff = effective_findings(con, run_id, files, not_run)
    previous = _previous(con, run_id)
    datasets = [_dataset_score(f, eff, thresholds, not_run, previous, drop_margin) for f in files.values()]
    agencies = []
    for code in AGENCIES:
        mine = [d for d in datasets if d.agency == code]
        if mine:
            verdict = "dat" if all(d.verdict == "dat" for d in mine) else "khong_dat"
            checked = sum(d.overall.checked for d in mine)
            agencies.append(AgencyScore(code, mine, verdict, checked, checked - sum(d.overall.blocking for d in mine)))
    rejected = _rejected(con, run_id)
    reasons = [r for d in datasets for r in d.reasons] + rejected
    verdict = "dat" if all(a.verdict == "dat" for a in agencies) and not rejected else "khong_dat"
    card = Scorecard(
        run_id, province, as_of, dt.datetime.now(dt.UTC).replace(tzinfo=None), catalogue_version(),
        thresholds.version, thresholds.path, drop_margin, agencies, verdict, reasons, rejected,
    )  # fmt: skip
    if "parcel" in files:
        card.land_groups = _land(con, files, eff, not_run)
    card.history = con.execute(
        "SELECT run_id, computed_at, agency, dataset, dimension, score FROM scores WHERE run_id < ? ORDER BY run_id, dataset",
        [run_id],
    ).fetchall()
    return card


def _land(con: duckdb.DuckDBPyConnection, files: dict[str, RunFile], eff: pl.DataFrame, not_run: list[NotRun]) -> dict:
    cert, p = files.get("certificate"), files["parcel"]
    return land_groups.scorecard_section(
        con,
        (p.batch_id, p.source_file),
        (cert.batch_id, cert.source_file) if cert else None,
        eff.filter(pl.col("blocking")).select("dataset", "source_row").unique(),
        owners_checked=cert is not None and not any(n.dataset == "certificate" for n in not_run),
    )
