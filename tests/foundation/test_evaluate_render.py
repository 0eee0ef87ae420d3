"""`ddss evaluate`'s table at the size of a 14 M-person province (3.3 M defects)."""

from __future__ import annotations

import polars as pl

from ddss.evaluate import render


def _table(rows: list[tuple[str, int, int, int, int]]) -> pl.DataFrame:
    df = pl.DataFrame(rows, schema=["check_id", "injected", "found", "missed", "false_positives"], orient="row")
    return df.with_columns(
        recall=pl.when(pl.col("injected") > 0).then(pl.col("found") / pl.col("injected")).otherwise(float("nan")),
        precision=pl.col("found") / (pl.col("found") + pl.col("false_positives")),
    )


def test_counts_in_millions_stay_apart_and_a_miss_is_never_shown_as_100_percent():
    text = render(_table([("population.stale", 3_271_780, 3_271_746, 34, 0), ("population.id_conflict", 0, 0, 0, 59)]))
    total = text.splitlines()[-1]
    assert total.split()[3:7] == ["3271780", "3271746", "34", "59"]
    assert "100,0%" not in total  # 99.999 % recall, 99.998 % precision
    assert "99,99" in total
    conflict = next(line for line in text.splitlines() if line.startswith("population.id_conflict"))
    assert "nan" not in conflict and "—" in conflict


def test_a_perfect_row_reads_100_percent():
    line = render(_table([("birth.future_date", 30, 30, 0, 0)])).splitlines()[2]
    assert line.split()[1:] == ["30", "30", "0", "0", "100,0%", "100,0%"]
