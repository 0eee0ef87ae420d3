"""Every failing record of every check, as rows of the findings contract (batch-format.md).

One query per dataset: per check, the rows its ``fails`` SQL (the same GX evaluates)
flags, each arm reading only the columns it needs; then lineage, record key and value for
the flagged rows only. (A single projection of every flag over every row, the previous
form, carried every column through each window function's sort and computed a keyed
hash per row: at 1 M persons it took longer than all the GX suites.)
Ingestion's quarantined rows and rejected files of the current batch are findings too.
Values are masked by the column's kind (ddss.mask); population keys are pseudonyms.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from ddss.checks.render import current_view, fails_sql
from ddss.checks.views import CURRENT_FILES_SQL
from ddss.keys import current_key
from ddss.mask import sql_mask, sql_pseudonym
from ddss.rules.catalog import Check, by_id, for_dataset
from ddss.schema import DATASETS
from ddss.settings import Settings
from ddss.sql import ident, str_literal
from ddss.store import fetch_frame

__all__ = ["FINDINGS_SCHEMA", "dataset_findings", "ingest_findings"]

FINDINGS_SCHEMA = {
    "agency": pl.Utf8,
    "batch_id": pl.Utf8,
    "dataset": pl.Utf8,
    "source_file": pl.Utf8,
    "source_row": pl.Int64,
    "record_key": pl.Utf8,
    "check_id": pl.Utf8,
    "dimension": pl.Utf8,
    "severity": pl.Utf8,
    "value": pl.Utf8,
    "message_vi": pl.Utf8,
}


def _record_key(dataset: str, settings: Settings) -> str:
    if dataset == "population":
        return sql_pseudonym("t.person_id", current_key(settings))
    parts = ", ".join(f"coalesce(CAST(t.{ident(k)} AS VARCHAR), '')" for k in DATASETS[dataset].key)
    return f"concat_ws('|', {parts})"


def _value(check: Check) -> str:
    if check.value_column is None:
        return "NULL"
    col = DATASETS[check.dataset].column(check.value_column)
    return sql_mask(f"CAST(t.{ident(col.name)} AS VARCHAR)" if col.personal != "date" else f"t.{ident(col.name)}", col.personal)


def _arm(i: int, check: Check, settings: Settings, as_of: dt.date, province: str) -> str:
    """The rows (``rowid`` of the cur_ table) failing one check. A check that ranks rows
    (window functions) is evaluated in a projection first; each arm reads only the columns
    its check needs."""
    fails = fails_sql(check, settings, as_of, province)
    table = ident(current_view(check.dataset))
    if " OVER " in fails.upper():
        return f"SELECT {i} AS c, r FROM (SELECT t.rowid AS r, ({fails}) AS f FROM {table} AS t) WHERE f"  # noqa: S608
    return f"SELECT {i} AS c, t.rowid AS r FROM {table} AS t WHERE {fails}"  # noqa: S608


def dataset_findings(
    con: duckdb.DuckDBPyConnection, dataset: str, settings: Settings, as_of: dt.date, province: str
) -> pl.DataFrame:
    """One query per dataset: each check's failing rows (one arm per check, ``UNION
    ALL``), then their lineage, record key and masked value, computed for those rows only
    (a key is an HMAC: over every row of a large population it cost more than the checks)."""
    checks = for_dataset(dataset)
    if not checks:
        return pl.DataFrame(schema=FINDINGS_SCHEMA)
    arms = " UNION ALL ".join(_arm(i, c, settings, as_of, province) for i, c in enumerate(checks))
    values = " ".join(f"WHEN {i} THEN CAST({_value(c)} AS VARCHAR)" for i, c in enumerate(checks) if c.value_column)
    value = f"CASE h.c {values} END" if values else "CAST(NULL AS VARCHAR)"
    ids = ", ".join(str_literal(c.check_id) for c in checks)
    query = (
        f"WITH h AS ({arms}) "  # noqa: S608 - catalogue SQL and identifiers only
        f"SELECT t._batch_id, t._source_file, t._source_row, {_record_key(dataset, settings)} AS record_key, "
        f"list_extract([{ids}], h.c + 1) AS check_id, {value} AS value "
        f"FROM h JOIN {ident(current_view(dataset))} AS t ON t.rowid = h.r"
    )
    rows = fetch_frame(con, query)
    meta = pl.DataFrame(
        {
            "check_id": [c.check_id for c in checks],
            "dimension": [c.dimension for c in checks],
            "severity": [c.severity for c in checks],
            "message_vi": [c.title_vi for c in checks],
        }
    )
    return (
        rows.join(meta, on="check_id", how="left")
        .select(
            pl.lit(DATASETS[dataset].agency).alias("agency"),
            pl.col("_batch_id").alias("batch_id"),
            pl.lit(dataset).alias("dataset"),
            pl.col("_source_file").alias("source_file"),
            pl.col("_source_row").alias("source_row"),
            "record_key",
            "check_id",
            "dimension",
            "severity",
            "value",
            "message_vi",
        )
        .cast(FINDINGS_SCHEMA)
    )


def ingest_findings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Quarantined rows of the current files, and the files rejected in the latest ingest run."""
    quarantined = fetch_frame(
        con,
        f"""
        SELECT b.agency, q.batch_id, q.dataset, q.source_file, q.source_row, q.check_id, q.reason_vi
        FROM quarantine_rows q JOIN ({CURRENT_FILES_SQL}) c
          ON q.batch_id = c.batch_id AND q.file_sha256 = c.file_sha256 AND q.source_file = c.source_file
        LEFT JOIN (SELECT DISTINCT batch_id, file_sha256, source_file, agency FROM batches) b
          ON b.batch_id = q.batch_id AND b.file_sha256 = q.file_sha256 AND b.source_file = q.source_file
        """,  # noqa: S608 - constant SQL
    )
    rejected = fetch_frame(
        con,
        """
        SELECT agency, batch_id, coalesce(dataset, '*') AS dataset, source_file, CAST(NULL AS BIGINT) AS source_row,
               'ingest.file_rejected' AS check_id, reason_vi
        FROM batches WHERE status = 'rejected' AND batch_id = (SELECT max(batch_id) FROM batches)
        """,
    )
    both = pl.concat([quarantined.cast({"source_row": pl.Int64}), rejected.cast({"source_row": pl.Int64})])
    if both.is_empty():
        return pl.DataFrame(schema=FINDINGS_SCHEMA)
    ids = both["check_id"].unique().to_list()
    meta = pl.DataFrame(
        {"check_id": ids, "dimension": [by_id(i).dimension for i in ids], "severity": [by_id(i).severity for i in ids]}
    )
    return (
        both.join(meta, on="check_id")
        .select(
            "agency",
            "batch_id",
            "dataset",
            "source_file",
            "source_row",
            pl.lit(None, dtype=pl.Utf8).alias("record_key"),
            "check_id",
            "dimension",
            "severity",
            pl.lit(None, dtype=pl.Utf8).alias("value"),
            pl.col("reason_vi").alias("message_vi"),
        )
        .cast(FINDINGS_SCHEMA)
    )
