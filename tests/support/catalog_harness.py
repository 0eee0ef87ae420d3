"""A fast in-memory harness for check/defect work: frames -> DuckDB -> every check's rows.

It evaluates each catalogue check's ``fails_sql`` directly (no GX, no files), so the
precision/recall of defects can be iterated on in seconds. The real end-to-end proof
(generate -> ingest -> GX validate -> evaluate) lives in tests/test_proof.py.
Rows carrying a raw-text override would be quarantined at ingestion, so they are left
out of the relations here, as ingestion would.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from ddss.checks import reference, render
from ddss.rules.catalog import all_checks
from ddss.schema import DATASETS
from ddss.settings import Settings
from ddss.sql import ident

__all__ = ["findings_from_frames", "compare"]


def findings_from_frames(injected, as_of: dt.date, settings: Settings, province: str) -> pl.DataFrame:
    """(dataset, source_row, check_id) for every row that fails a validate-stage check."""
    con = duckdb.connect()
    skip = {(o.dataset, o.row_index) for o in injected.raw_overrides}
    for name, df in injected.frames.items():
        rows = df.with_row_index("_i").with_columns(
            (pl.col("_i").cast(pl.Int64) + 1).alias("_source_row"),
            # as ingestion does: a text value that changes under NFC arrived decomposed
            pl.any_horizontal(
                [(pl.col(c) != pl.col(c).str.normalize("NFC")).fill_null(False) for c, t in df.schema.items() if t == pl.Utf8]
            ).alias("_nfc_fixed"),
        )
        drop = [i for (d, i) in skip if d == name]
        rows = (
            rows.filter(~pl.col("_i").is_in(drop))
            .drop("_i")
            .with_columns(pl.col(c).str.normalize("NFC") for c, t in df.schema.items() if t == pl.Utf8)
        )
        con.register(f"_f_{name}", rows.to_arrow())
        # identifiers via ddss.sql.ident; no user data in the text
        con.execute(f"CREATE TABLE {ident('cur_' + name)} AS SELECT * FROM {ident('_f_' + name)}")  # noqa: S608
    reference.load(con)
    places = {name: ident("cur_" + name) for name in DATASETS}
    out = []
    for check in all_checks():
        if check.stage != "validate" or check.dataset not in injected.frames:
            continue
        fails = render.fails_sql(check, settings, as_of, province)
        rel = places[check.dataset]
        # predicate text is catalogue code and the relation an ident(): no user data in the text
        sql = f"SELECT _source_row FROM (SELECT t._source_row, ({fails}) AS _fails FROM {rel} t) WHERE _fails"  # noqa: S608
        for (row,) in con.execute(sql).fetchall():
            out.append({"dataset": check.dataset, "source_row": row, "check_id": check.check_id})
    return pl.DataFrame(out, schema={"dataset": pl.Utf8, "source_row": pl.Int64, "check_id": pl.Utf8})


def compare(manifest: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """Per defect kind: injected, found, missed, false_pos (manifest row_index is 0-based)."""
    truth = manifest.select(
        "dataset",
        (pl.col("row_index") + 1).alias("source_row"),
        pl.col("defect_kind").alias("check_id"),
        pl.lit(True).alias("_t"),
    ).unique()
    got = findings.select("dataset", "source_row", "check_id").unique().with_columns(pl.lit(True).alias("_f"))
    j = truth.join(got, on=["dataset", "source_row", "check_id"], how="full", coalesce=True)
    return (
        j.group_by("check_id")
        .agg(
            pl.col("_t").fill_null(False).sum().alias("injected"),
            (pl.col("_t").fill_null(False) & pl.col("_f").fill_null(False)).sum().alias("found"),
            (pl.col("_t").fill_null(False) & pl.col("_f").is_null()).sum().alias("missed"),
            (pl.col("_t").is_null() & pl.col("_f").fill_null(False)).sum().alias("false_pos"),
        )
        .sort("check_id")
    )
