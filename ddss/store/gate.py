"""The gate's tables in a province file: score history, holds, waivers.

``scores``: one row per run × dataset × dimension ("overall" too), with the previous run's
value and the change (history, issue #17). ``holds``: every record the gate did not promote,
with its reasons, open until a later gate promotes the same record (``closed_as`` 'promoted') or
holds it again with the newer reasons ('held_again'): held records not yet resubmitted stay
listed, never dropped. ``waivers``: findings a steward accepted, matched to
later runs by (dataset, record_key, check_id).
"""

from __future__ import annotations

import duckdb
import polars as pl

from ddss.store.province import insert_frame

__all__ = ["GATE_DDL", "ensure_gate_schema", "reopen_holds", "replace_scores", "write_holds"]

SCORES_DDL = """
CREATE TABLE IF NOT EXISTS scores (
    run_id VARCHAR, computed_at TIMESTAMP, province VARCHAR, agency VARCHAR, dataset VARCHAR,
    dimension VARCHAR, checked BIGINT, blocking BIGINT, warning_only BIGINT, waived BIGINT,
    score DOUBLE, threshold DOUBLE, policy VARCHAR, verdict VARCHAR, catalogue_version VARCHAR,
    thresholds_version VARCHAR, previous_run VARCHAR, previous_score DOUBLE, change DOUBLE,
    comparable BOOLEAN, dropped BOOLEAN
)"""
HOLDS_DDL = """
CREATE TABLE IF NOT EXISTS holds (
    run_id VARCHAR, province VARCHAR, agency VARCHAR, dataset VARCHAR, batch_id VARCHAR,
    source_file VARCHAR, source_row BIGINT, record_key VARCHAR, reasons_vi VARCHAR,
    reasons_en VARCHAR, check_ids VARCHAR[], held_at TIMESTAMP, closed_run VARCHAR,
    closed_at TIMESTAMP, closed_as VARCHAR
)"""
WAIVERS_DDL = """
CREATE TABLE IF NOT EXISTS waivers (
    waiver_id VARCHAR, province VARCHAR, dataset VARCHAR, record_key VARCHAR, check_id VARCHAR,
    justification VARCHAR, granted_by VARCHAR, granted_at TIMESTAMP, audit_seq BIGINT
)"""
GATE_DDL = (SCORES_DDL, HOLDS_DDL, WAIVERS_DDL)


def ensure_gate_schema(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in GATE_DDL:
        con.execute(ddl)


def replace_scores(con: duckdb.DuckDBPyConnection, run_id: str, rows: pl.DataFrame) -> None:
    """A run's scores, replacing any earlier computation of the same run (one transaction)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM scores WHERE run_id = ?", [run_id])
        insert_frame(con, "scores", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def write_holds(con: duckdb.DuckDBPyConnection, run_id: str, held: pl.DataFrame, promoted_keys: pl.DataFrame) -> None:
    """Record a gate's held records and resolve earlier holds whose record it promoted.

    ``promoted_keys``: (dataset, record_key) promoted by this gate. Earlier open holds of
    other records stay open: a record not resubmitted is still waiting, never dropped.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM holds WHERE run_id = ?", [run_id])
        # A record held again in this run replaces its earlier open hold (the newest reasons
        # count); then records promoted now are closed (a key both held and promoted, e.g. a
        # duplicate, was closed as held again first and stays held).
        for closed_as, keys in (("held_again", held.select("dataset", "record_key")), ("promoted", promoted_keys)):
            if keys.is_empty():
                continue
            con.register("_ddss_closing", keys.to_arrow())
            try:
                con.execute(
                    """
                    UPDATE holds SET closed_run = ?, closed_at = now()::TIMESTAMP, closed_as = ?
                    FROM _ddss_closing k
                    WHERE holds.closed_run IS NULL AND holds.dataset = k.dataset AND holds.record_key = k.record_key
                    """,
                    [run_id, closed_as],
                )
            finally:
                con.unregister("_ddss_closing")
        insert_frame(con, "holds", held)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def reopen_holds(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Undo a gate's holds (``ddss gate --revert``): its holds go, the holds it closed reopen."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM holds WHERE run_id = ?", [run_id])
        con.execute("UPDATE holds SET closed_run = NULL, closed_at = NULL, closed_as = NULL WHERE closed_run = ?", [run_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
