"""A scorecard out: ``scorecard.json`` (docs/scorecard.md), ``scorecard.csv`` (UTF-8 with BOM,
Vietnamese column names, for Excel on Windows), the history rows and the CLI table.

``score_run`` is the step the CLI and the flows call: compute, keep the history in the
province file, write both files to ``reports/<run_id>/``. Counts and scores only: nothing
personal leaves here.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ddss.mask import excel_safe_frame
from ddss.rules.catalog import DIMENSIONS
from ddss.schema import AGENCIES
from ddss.scorecard import DATASET_LABELS, DIMENSIONS_EN, VERDICTS, DimensionScore, Scorecard
from ddss.settings import Settings
from ddss.thresholds import POLICIES, load_thresholds

__all__ = ["CSV_COLUMNS", "JSON_VERSION", "history_frame", "render", "score_run", "to_dict", "write_files"]

JSON_VERSION = 1

CSV_COLUMNS = {
    "run_id": "Mã lượt kiểm tra",
    "province": "Tỉnh",
    "agency": "Cơ quan",
    "dataset": "Tập dữ liệu",
    "dimension": "Chiều chất lượng",
    "checked": "Số bản ghi kiểm tra",
    "blocking": "Bản ghi có lỗi chặn",
    "warning_only": "Bản ghi chỉ có cảnh báo",
    "waived": "Bản ghi được chấp nhận lỗi",
    "score": "Điểm (%)",
    "threshold": "Ngưỡng (%)",
    "policy": "Chính sách",
    "verdict": "Kết luận",
    "previous_score": "Điểm lần trước (%)",
    "change": "Thay đổi (điểm %)",
    "dropped": "Giảm quá mức",
    "catalogue_version": "Phiên bản bộ quy tắc",
}


def _measures(s: DimensionScore) -> dict:
    """One score's figures, shared by the JSON (nested) and the CSV/history rows (flat)."""
    return {
        "checked": s.checked,
        "blocking": s.blocking,
        "warning_only": s.warning_only,
        "waived": s.waived,
        "score": s.score,
        "threshold": s.threshold if s.dimension != "overall" else None,
        "policy": s.policy or None,
        "verdict": s.verdict,
        "catalogue_version": s.catalogue_version,
    }


def _dim(s: DimensionScore) -> dict:
    return {
        "dimension": s.dimension,
        "label_vi": DIMENSIONS.get(s.dimension, "Tổng thể"),
        "label_en": DIMENSIONS_EN.get(s.dimension, "overall"),
        **_measures(s),
        "previous": {
            "run_id": s.previous_run,
            "score": s.previous_score,
            "change": s.change,
            "comparable": s.comparable,
            "dropped": s.dropped,
        },
    }


def to_dict(card: Scorecard) -> dict:
    unchecked = {(n.dataset, n.dimension) for d in card.datasets() for n in d.not_run}
    return {
        "version": JSON_VERSION,
        "run": {
            "run_id": card.run_id,
            "as_of": card.as_of.isoformat(),
            "computed_at": card.computed_at.isoformat(),
            "catalogue_version": card.catalogue_version,
            "thresholds_version": card.thresholds_version,
            "drop_margin": card.drop_margin,
        },
        "province": card.province,
        "verdict": card.verdict,
        "verdict_vi": VERDICTS[card.verdict][0],
        "overall": {"checked": card.checked, "score": card.score},
        "reasons": [{"vi": vi, "en": en} for vi, en in card.reasons],
        "checks_not_run": [
            {
                "check_id": n.check_id,
                "dataset": n.dataset,
                "dimension": n.dimension,
                "missing": list(n.missing),
                "vi": n.reason()[0],
                "en": n.reason()[1],
            }
            for d in card.datasets()
            for n in d.not_run
        ],  # fmt: skip
        "agencies": [
            {
                "agency": a.agency,
                "name_vi": AGENCIES[a.agency],
                "verdict": a.verdict,
                "checked": a.checked,
                "clean": a.clean,
                "score": a.score,
                "datasets": [
                    {
                        "dataset": d.dataset,
                        "label_vi": DATASET_LABELS[d.dataset][0],
                        "batch_id": d.file.batch_id,
                        "source_file": d.file.source_file,
                        "file_sha256": d.file.file_sha256,
                        "verdict": d.verdict,
                        "blocks_batch": d.blocks_batch,
                        "overall": _dim(d.overall),
                        "dimensions": [_dim(s) for s in d.dimensions],
                        "reasons": [{"vi": vi, "en": en} for vi, en in d.reasons],
                    }
                    for d in a.datasets
                ],
            }
            for a in card.agencies
        ],
        "land_groups": card.land_groups,
        # Flat views of the same numbers, for readers that want one list (the HTML report).
        "passed": card.passed,
        "catalogue_version": card.catalogue_version,
        "cells": [
            {
                **{k: v for k, v in r.items() if k not in ("previous_run", "dropped")},
                "drop_flagged": r["dropped"],
                "status": "chua_kiem_tra" if (r["dataset"], r["dimension"]) in unchecked else "da_kiem_tra",
            }
            for r in _rows(card)
            if r["dimension"] != "overall"
        ],
        "datasets": [{"dataset": d.dataset, "agency": d.agency, "verdict": d.verdict} for d in card.datasets()],
        "not_checked": [{"vi": n.reason()[0], "en": n.reason()[1]} for d in card.datasets() for n in d.not_run],
        "history": [
            {"run_id": r, "at": at.isoformat() if at else None, "agency": a, "dataset": d, "dimension": m, "score": v}
            for r, at, a, d, m, v in card.history
        ]
        + [
            {
                "run_id": card.run_id,
                "at": card.computed_at.isoformat(),
                "agency": r["agency"],
                "dataset": r["dataset"],
                "dimension": r["dimension"],
                "score": r["score"],
            }
            for r in _rows(card)
        ],
    }


def _rows(card: Scorecard) -> list[dict]:
    rows = []
    for d in card.datasets():
        for s in [*d.dimensions, d.overall]:
            rows.append(
                {
                    "run_id": card.run_id,
                    "province": card.province,
                    "agency": d.agency,
                    "dataset": d.dataset,
                    "dimension": s.dimension,
                    **_measures(s),
                    "previous_run": s.previous_run,
                    "previous_score": s.previous_score,
                    "change": s.change,
                    "comparable": s.comparable,
                    "dropped": s.dropped,
                }
            )
    return rows


_HISTORY_SCHEMA = {
    "run_id": pl.Utf8, "province": pl.Utf8, "agency": pl.Utf8, "dataset": pl.Utf8, "dimension": pl.Utf8,
    "checked": pl.Int64, "blocking": pl.Int64, "warning_only": pl.Int64, "waived": pl.Int64, "score": pl.Float64,
    "threshold": pl.Float64, "policy": pl.Utf8, "verdict": pl.Utf8, "catalogue_version": pl.Utf8,
    "previous_run": pl.Utf8, "previous_score": pl.Float64, "change": pl.Float64, "comparable": pl.Boolean,
    "dropped": pl.Boolean,
}  # fmt: skip


def history_frame(card: Scorecard) -> pl.DataFrame:
    """Rows of the province's ``scores`` table for this run."""
    return pl.DataFrame(_rows(card), schema=_HISTORY_SCHEMA).with_columns(
        pl.lit(card.computed_at).alias("computed_at"), pl.lit(card.thresholds_version).alias("thresholds_version")
    )


def write_files(card: Scorecard, report_dir: Path) -> tuple[Path, Path]:
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = report_dir / "scorecard.json", report_dir / "scorecard.csv"
    json_path.write_text(json.dumps(to_dict(card), ensure_ascii=False, indent=2), encoding="utf-8")
    frame = pl.DataFrame(_rows(card), schema=_HISTORY_SCHEMA).select(
        pl.col("run_id"),
        pl.col("province"),
        pl.col("agency").replace_strict(AGENCIES, default=pl.col("agency")),
        pl.col("dataset").replace_strict({k: v[0] for k, v in DATASET_LABELS.items()}, default=pl.col("dataset")),
        pl.col("dimension").replace_strict({**DIMENSIONS, "overall": "Tổng thể"}, default=pl.col("dimension")),
        "checked",
        "blocking",
        "warning_only",
        "waived",
        (pl.col("score") * 100).round(2),
        (pl.col("threshold") * 100).round(2),
        pl.col("policy").replace_strict({k: v[0] for k, v in POLICIES.items()}, default=None),
        pl.col("verdict").replace_strict({k: v[0] for k, v in VERDICTS.items()}, default=None),
        (pl.col("previous_score") * 100).round(2),
        (pl.col("change") * 100).round(2),
        pl.col("dropped").replace_strict({True: "có", False: "không"}, default=None, return_dtype=pl.Utf8),
        "catalogue_version",
    )
    excel_safe_frame(frame).rename(CSV_COLUMNS).write_csv(csv_path, include_bom=True)
    return json_path, csv_path


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}".replace(".", ",")


def render(card: Scorecard) -> str:
    """The scorecard as a plain table for the terminal (Vietnamese labels)."""
    from ddss.cli.summary import table

    rows = []
    for d in card.datasets():
        cells = [f"{_pct(s.score)}{'' if s.verdict == 'dat' else ' ✗'}" for s in d.dimensions]
        change = d.overall.change
        rows.append(
            [
                AGENCIES[d.agency],
                DATASET_LABELS[d.dataset][0],
                d.overall.checked,
                *cells,
                _pct(d.overall.score),
                "" if change is None else f"{'+' if change >= 0 else ''}{_pct(change)}{' ↓' if d.overall.dropped else ''}",
                VERDICTS[d.verdict][0],
            ]
        )
    head = ["Cơ quan", "Tập dữ liệu", "Bản ghi", *(f"{v} %" for v in DIMENSIONS.values()), "Tổng %", "Đổi", "Kết luận"]
    lines = [table(head, rows)]
    lines.append(
        f"      Kết luận của lượt {card.run_id}: {VERDICTS[card.verdict][0].upper()} ({_pct(card.score)} % bản ghi sạch)"
    )
    lines += [f"      - {vi}" for vi, _ in card.reasons]
    if card.land_groups:
        g = card.land_groups
        parts = ", ".join(f"nhóm {x['group']}: {x['parcels']} ({_pct(x['share'])} %)" for x in g["groups"])
        lines.append(f"      Đất đai theo ba nhóm ({g['parcels']} thửa): {parts}")
        lines += [f"        * {n['vi']}" for n in g["notes"]]
    return "\n".join(lines)


def score_run(settings: Settings, province: str, run_id: str | None = None) -> tuple[Scorecard, Path]:
    """Compute a run's scorecard (default: the latest run), keep it in the province's score
    history and write ``scorecard.json`` / ``scorecard.csv``; returns it and the folder."""
    from ddss.gate import latest_run
    from ddss.gate_prepared import prepare
    from ddss.store import writer
    from ddss.store.gate import replace_scores

    thresholds = load_thresholds(settings.thresholds_file)
    margin = settings.score_drop_margin
    with writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
        run_id = run_id or latest_run(con)
        # The scorecard, and the gate's decision kept for the gate (reused while still right).
        card = prepare(con, run_id, thresholds, margin)
        replace_scores(con, run_id, history_frame(card))
    folder = settings.reports_dir / run_id
    write_files(card, folder)
    return card, folder
