"""Findings against the generator's ground truth: the proof that checks catch exactly the
injected defects (issue #5). A finding matches a defect when dataset, 1-based source row
and check_id agree; file-level findings (no row) are not part of the comparison.
"""

from __future__ import annotations

import math

import polars as pl

__all__ = ["evaluate", "is_perfect", "render"]

_KEY = ["dataset", "source_row", "check_id"]


def evaluate(findings: pl.DataFrame, manifest: pl.DataFrame) -> pl.DataFrame:
    """Per defect kind: injected, found, missed, false_positives, recall, precision.

    ``manifest`` is ground_truth/manifest.csv (read as text is fine); ``findings`` has at
    least dataset, source_row, check_id (the findings file of a run).
    """
    truth = (
        manifest.select(
            pl.col("dataset").cast(pl.Utf8),
            pl.col("source_row").cast(pl.Int64),
            pl.col("defect_kind").cast(pl.Utf8).alias("check_id"),
        )
        .unique()
        .with_columns(pl.lit(True).alias("_truth"))
    )
    got = (
        findings.filter(pl.col("source_row").is_not_null())
        .select(pl.col("dataset").cast(pl.Utf8), pl.col("source_row").cast(pl.Int64), pl.col("check_id").cast(pl.Utf8))
        .unique()
        .with_columns(pl.lit(True).alias("_found"))
    )
    t, f = pl.col("_truth").fill_null(False), pl.col("_found").fill_null(False)
    table = (
        truth.join(got, on=_KEY, how="full", coalesce=True)
        .group_by("check_id")
        .agg(
            t.sum().cast(pl.Int64).alias("injected"),
            (t & f).sum().cast(pl.Int64).alias("found"),
            (t & ~f).sum().cast(pl.Int64).alias("missed"),
            (~t & f).sum().cast(pl.Int64).alias("false_positives"),
        )
        .with_columns(
            (pl.col("found") / pl.col("injected")).alias("recall"),
            (pl.col("found") / (pl.col("found") + pl.col("false_positives"))).alias("precision"),
        )
        .sort("check_id")
    )
    return table


def is_perfect(table: pl.DataFrame) -> bool:
    return bool(table.filter((pl.col("missed") > 0) | (pl.col("false_positives") > 0)).is_empty())


def _pct(v: float | None) -> str:
    """A share, cut (not rounded) below 100 %: one miss in millions must not read 100,0 %."""
    if v is None or math.isnan(v):
        return "—"
    if v >= 1:
        return "100,0%"
    digits = 2 if v >= 0.999 else 1
    return f"{math.floor(v * 100 * 10**digits) / 10**digits:.{digits}f}%".replace(".", ",")


def render(table: pl.DataFrame) -> str:
    """A plain-text table in Vietnamese (what `ddss evaluate` and the demo print)."""
    tot = table.select(pl.col("injected", "found", "missed", "false_positives").sum()).row(0, named=True)
    n = max(6, len(str(max(tot.values(), default=0)))) + 1  # counts of a 14 M province need 8
    head = f"{'Loại lỗi (check_id)':<44}{'Cài':>{n}}{'Bắt':>{n}}{'Sót':>{n}}{'Nhầm':>{n}}{'Độ phủ':>9}{'Độ chính xác':>14}"
    lines = [head, "-" * len(head)]

    def line(label: str, r: dict, recall: float | None, precision: float | None) -> str:
        counts = "".join(f"{r[k]:>{n}}" for k in ("injected", "found", "missed", "false_positives"))
        return f"{label:<44}{counts}{_pct(recall):>9}{_pct(precision):>14}"

    for r in table.iter_rows(named=True):
        lines.append(line(r["check_id"], r, r["recall"], r["precision"]))
    lines.append("-" * len(head))
    recall = tot["found"] / tot["injected"] if tot["injected"] else None
    precision = tot["found"] / (tot["found"] + tot["false_positives"]) if tot["found"] + tot["false_positives"] else None
    lines.append(line(f"Tổng ({table.height} loại)", tot, recall, precision))
    return "\n".join(lines)
