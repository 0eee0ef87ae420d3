"""The gate's tables in a province file: score history, holds, waivers, audit anchors.

``scores``: one row per run × dataset × dimension ("overall" too), with the previous run's
value and the change (history, issue #17). ``holds``: every record the gate did not promote,
with its reasons, open until a later gate promotes the same record (``closed_as`` 'promoted') or
holds it again with the newer reasons ('held_again'): held records not yet resubmitted stay
listed, never dropped. ``waivers``: findings a steward accepted, matched to
later runs by (dataset, record_key, check_id).

``pending_holds``: a gate's holds written *before* its national commit (``stage_holds``) and
moved into ``holds`` after it (``confirm_holds``), so a gate killed between the two commits
leaves them here and gating the run again completes them (ddss.gate). ``audit_anchors``: the
national audit entry (seq, SHA-256) each gate, revert and waiver of this province recorded,
written in the same transaction as its holds or waiver row: ``ddss audit --verify`` compares
the national chain with them, so removing the last entries of the chain is seen.

``gate_prepared`` and ``prepared_holds``: the gate's decision as the score step computed it
(scorecard, staged counts, held rows; ddss.gate_prepared), one per run, under a fingerprint of
what it depends on. A gate that applies it stages no copy of the held rows: a
``pending_prepared`` row says the run's pending holds are its ``prepared_holds`` (which a new
score step then leaves alone until the gate is completed); ``pending_table`` says where they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl
import pyarrow as pa

from ddss.store.province import insert_frame

__all__ = [
    "GATE_DDL",
    "PENDING_PREPARED_DDL",
    "PREPARED_DDL",
    "PREPARED_HOLDS_DDL",
    "confirm_holds",
    "discard_pending",
    "ensure_gate_schema",
    "held_max",
    "pending_count",
    "pending_table",
    "prepared_decision",
    "record_waiver",
    "reopen_holds",
    "replace_scores",
    "stage_holds",
    "stage_prepared",
    "store_prepared",
]

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
PENDING_DDL = """
CREATE TABLE IF NOT EXISTS pending_holds (
    run_id VARCHAR, province VARCHAR, agency VARCHAR, dataset VARCHAR, batch_id VARCHAR,
    source_file VARCHAR, source_row BIGINT, record_key VARCHAR, reasons_vi VARCHAR,
    reasons_en VARCHAR, check_ids VARCHAR[], held_at TIMESTAMP
)"""
# The score step's gate decision (ddss.gate_prepared): the scorecard as JSON, staged rows per
# dataset and the held rows, under the fingerprint of what they depend on; one per run.
PREPARED_DDL = """
CREATE TABLE IF NOT EXISTS gate_prepared (
    run_id VARCHAR, fingerprint VARCHAR, prepared_at TIMESTAMP, scorecard VARCHAR, staged VARCHAR
)"""
PREPARED_HOLDS_DDL = PENDING_DDL.replace("pending_holds", "prepared_holds")
# A gate that applies the score step's decision stages no copy of its held rows: this row says
# "the run's pending holds are its prepared_holds" (they cannot change while it is here).
PENDING_PREPARED_DDL = """
CREATE TABLE IF NOT EXISTS pending_prepared (run_id VARCHAR, staged_at TIMESTAMP)"""
ANCHORS_DDL = """
CREATE TABLE IF NOT EXISTS audit_anchors (
    seq BIGINT, sha256 VARCHAR, kind VARCHAR, run_id VARCHAR, recorded_at TIMESTAMP
)"""
GATE_DDL = (SCORES_DDL, HOLDS_DDL, WAIVERS_DDL, PENDING_DDL, ANCHORS_DDL, PREPARED_DDL, PREPARED_HOLDS_DDL, PENDING_PREPARED_DDL)
_HOLD_COLUMNS = (
    "run_id, province, agency, dataset, batch_id, source_file, source_row, record_key, reasons_vi, reasons_en, check_ids, held_at"
)


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


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _anchor(con: duckdb.DuckDBPyConnection, entry: dict) -> None:
    con.execute(
        "INSERT INTO audit_anchors VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
        [entry["seq"], entry["sha256"], entry["kind"], entry.get("run_id")],
    )


def _insert_holds(con: duckdb.DuckDBPyConnection, table: str, selects: list[tuple[str, dict, pa.Table]]) -> list[int]:
    counts = []
    for select, params, blocking in selects:
        con.register("_ddss_block", blocking)
        try:
            counts.append(int(con.execute(f"INSERT INTO {table} ({_HOLD_COLUMNS}) {select}", params).fetchall()[0][0]))
        finally:
            con.unregister("_ddss_block")
    return counts


def stage_holds(con: duckdb.DuckDBPyConnection, run_id: str, selects: list[tuple[str, dict, pa.Table]]) -> list[int]:
    """A gate's held rows into ``pending_holds`` (replacing any left by an earlier attempt), one
    ``INSERT … SELECT`` per dataset: ``(select, params, blocking)`` where the SELECT yields the
    hold columns and reads the dataset's blocking reasons as ``_ddss_block``. Rows per dataset."""
    with _transaction(con):
        _clear_pending(con, run_id)
        return _insert_holds(con, "pending_holds", selects)


def store_prepared(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    fingerprint: str,
    card: str,
    staged: str,
    selects: list[tuple[str, dict, pa.Table]],
) -> None:
    """The score step's gate decision for ``run_id`` (ddss.gate_prepared), replacing an earlier one."""
    if pending_table(con, run_id) == "prepared_holds":
        return  # a gate killed after its national commit staged these rows: they stay until it is completed
    with _transaction(con):
        # This run's earlier decision, and those of runs gated since (their holds are in
        # ``holds`` now; one not waited on by a killed gate), so the file does not grow per run.
        done = "SELECT run_id FROM audit_anchors WHERE kind = 'gate' AND run_id NOT IN (SELECT run_id FROM pending_prepared)"
        for table in ("gate_prepared", "prepared_holds"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ? OR run_id IN ({done})", [run_id])  # noqa: S608 - fixed names
        con.execute("INSERT INTO gate_prepared VALUES (?, ?, now()::TIMESTAMP, ?, ?)", [run_id, fingerprint, card, staged])
        _insert_holds(con, "prepared_holds", selects)


def prepared_decision(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, str, str] | None:
    """(fingerprint, scorecard JSON, staged JSON) the score step kept for ``run_id``, if any."""
    rows = con.execute("SELECT fingerprint, scorecard, staged FROM gate_prepared WHERE run_id = ?", [run_id]).fetchall()
    return tuple(rows[0]) if rows else None


def stage_prepared(con: duckdb.DuckDBPyConnection, run_id: str, datasets: list[str]) -> dict[str, tuple[int, int]]:
    """The score step's held rows become the run's pending holds: one marker row, no copy
    (``pending_table`` then names ``prepared_holds``). Per dataset of ``datasets``: (held rows,
    largest held source row or -1; the bound of gate_plan's bit mask), read in one query."""
    with _transaction(con):
        _clear_pending(con, run_id)
        con.execute("INSERT INTO pending_prepared VALUES (?, now()::TIMESTAMP)", [run_id])
    found = {
        d: (int(n), int(m))
        for d, n, m in con.execute(
            "SELECT dataset, count(*), max(source_row) FROM prepared_holds WHERE run_id = ? GROUP BY dataset", [run_id]
        ).fetchall()
    }
    return {d: found.get(d, (0, -1)) for d in datasets}


def _clear_pending(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    con.execute("DELETE FROM pending_holds WHERE run_id = ?", [run_id])
    con.execute("DELETE FROM pending_prepared WHERE run_id = ?", [run_id])


def pending_table(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """Where the run's pending holds are: ``prepared_holds`` (a gate applied the score step's
    decision) or ``pending_holds``."""
    marked = con.execute("SELECT count(*) FROM pending_prepared WHERE run_id = ?", [run_id]).fetchall()[0][0]
    return "prepared_holds" if marked else "pending_holds"


def held_max(con: duckdb.DuckDBPyConnection, run_id: str, table: str) -> dict[str, int]:
    """Per dataset, the largest source row among the run's pending holds in ``table``
    (``pending_table``); a dataset with none is absent."""
    if table not in ("pending_holds", "prepared_holds"):
        raise ValueError(f"not a pending holds table: {table}")
    sql = f"SELECT dataset, max(source_row) FROM {table} WHERE run_id = ? GROUP BY dataset"  # noqa: S608 - checked name
    return {d: int(m) for d, m in con.execute(sql, [run_id]).fetchall() if m is not None}


def pending_count(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Pending holds of the run (a staged marker counts as one even if it holds no row)."""
    staged = con.execute(
        "SELECT (SELECT count(*) FROM pending_holds WHERE run_id = $r)"
        " + (SELECT count(*) FROM pending_prepared WHERE run_id = $r)",
        {"r": run_id},
    ).fetchall()[0][0]
    return int(staged)


def discard_pending(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Holds staged by a gate that never committed nationally (it was killed first)."""
    _clear_pending(con, run_id)


def confirm_holds(con: duckdb.DuckDBPyConnection, run_id: str, promoted: list[tuple[str, dict]], entry: dict) -> int:
    """After the national commit: the run's pending holds become its holds, earlier holds of
    records it held again or promoted are closed, and the audit entry is anchored — one
    transaction, and idempotent (a run whose holds are confirmed has none pending).

    ``promoted``: SELECTs of (dataset, record_key) of the records this gate promoted that
    have an open hold. Earlier
    open holds of other records stay open: a record not resubmitted is still waiting."""
    pending = pending_table(con, run_id)
    with _transaction(con):
        con.execute("DELETE FROM holds WHERE run_id = ?", [run_id])
        # (a first gate has no earlier hold to close: no scan)
        if con.execute("SELECT count(*) FROM (SELECT 1 FROM holds WHERE closed_run IS NULL LIMIT 1) h").fetchall()[0][0]:
            con.execute("CREATE OR REPLACE TEMP TABLE _ddss_promoted (dataset VARCHAR, record_key VARCHAR)")
            for select, params in promoted:
                con.execute(f"INSERT INTO _ddss_promoted {select}", params)
            # A record held again in this run replaces its earlier open hold (the newest reasons
            # count); then records promoted now are closed (a key both held and promoted, e.g. a
            # duplicate, was closed as held again first and stays held).
            for closed_as, keys in (
                ("held_again", f"(SELECT DISTINCT dataset, record_key FROM {pending} WHERE run_id = $run)"),  # noqa: S608
                ("promoted", "(SELECT DISTINCT dataset, record_key FROM _ddss_promoted)"),
            ):
                con.execute(
                    f"""
                    UPDATE holds SET closed_run = $run, closed_at = now()::TIMESTAMP, closed_as = $as
                    FROM {keys} k
                    WHERE holds.closed_run IS NULL AND holds.dataset = k.dataset AND holds.record_key = k.record_key
                    """,  # noqa: S608 - fixed text
                    {"run": run_id, "as": closed_as},
                )
            con.execute("DROP TABLE _ddss_promoted")
        held_at = "held_at" if pending == "pending_holds" else "now()::TIMESTAMP"  # (prepared: when the score step ran)
        columns = f"{_HOLD_COLUMNS.removesuffix('held_at')}{held_at}"
        con.execute(f"INSERT INTO holds ({_HOLD_COLUMNS}) SELECT {columns} FROM {pending} WHERE run_id = ?", [run_id])  # noqa: S608
        _clear_pending(con, run_id)
        con.execute("DELETE FROM audit_anchors WHERE seq = ?", [entry["seq"]])
        _anchor(con, entry)
    return int(con.execute("SELECT count(*) FROM holds WHERE closed_run IS NULL").fetchall()[0][0])


def reopen_holds(con: duckdb.DuckDBPyConnection, run_id: str, entry: dict | None = None) -> None:
    """Undo a gate's holds (``ddss gate --revert``): its holds go, the holds it closed reopen;
    ``entry``: the revert's audit entry, anchored in the same transaction."""
    with _transaction(con):
        _clear_pending(con, run_id)
        con.execute("DELETE FROM holds WHERE run_id = ?", [run_id])
        con.execute("UPDATE holds SET closed_run = NULL, closed_at = NULL, closed_as = NULL WHERE closed_run = ?", [run_id])
        if entry is not None:
            _anchor(con, entry)


def record_waiver(con: duckdb.DuckDBPyConnection, row: list, entry: dict) -> None:
    """A waiver's row (``WAIVERS_DDL`` order) and the anchor of its audit entry, together."""
    with _transaction(con):
        con.execute("INSERT INTO waivers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        _anchor(con, entry)
