"""The gate: a validation run's records go to the national database or are held, with reasons.

For each promoted dataset (birth, death, marriage, parcel, certificate) of the run's files:

- a record with an unwaived blocking finding is held with every reason;
- every record of a dataset with a check that could not run (the dataset it compares with
  was not loaded) is held as "chưa kiểm tra được", never promoted unchecked;
- a dataset below a "block batch" threshold promotes nothing (all held);
- a record whose natural key is incomplete or repeated in the batch is held (the national
  key must stay unique even if a rule missed it);
- every other record is promoted: a new key is inserted, a known key gets a new current
  version and the old one goes to history (ddss.store.national).

Three steps, set-based (ddss.gate_plan builds the SQL): (1) in the province file, the
scorecard and one INSERT … SELECT per dataset writing the held rows as the run's pending
holds — or, when the score step's decision still holds (ddss.gate_prepared: same waivers,
thresholds, rules, files and history), its scorecard and held rows, staged by one marker
row; (2) in the national transaction, one INSERT … SELECT per dataset of the rows without a
pending hold, then the invariants — promoted + held = staged, the rows the store holds for
this run = promoted, no key with two current versions — and the audit entry; any failure
rolls everything back; (3) in the province file, the pending holds confirmed and the audit
entry anchored (store.gate). A record held earlier and not in this batch stays held. Killed
between (2) and (3), the run is completed by gating it again: its audit entry says it was
gated and its holds are still pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import polars as pl

from ddss import audit, score
from ddss import gate_prepared as prepared
from ddss.gate_plan import DatasetPlan
from ddss.mask import excel_safe_frame
from ddss.scorecard import Scorecard
from ddss.scorecard_io import history_frame
from ddss.settings import Settings
from ddss.store import fetch_frame, province_lock, writer
from ddss.store.gate import (
    confirm_holds,
    held_max,
    pending_count,
    pending_table,
    reopen_holds,
    replace_scores,
    stage_holds,
    stage_prepared,
)
from ddss.store.national import NationalStore, open_national
from ddss.thresholds import Thresholds, load_thresholds
from ddss.waivers import restore as restore_waivers

__all__ = [
    "AlreadyGated",
    "DatasetDecision",
    "GateInvariantBroken",
    "GateResult",
    "RunNotPassed",
    "gate",
    "gate_runs",
    "latest_run",
    "revert",
]


class GateInvariantBroken(RuntimeError):
    """An invariant failed inside the transaction; nothing was written."""


class AlreadyGated(RuntimeError):
    """The run was gated already (and not reverted)."""


class RunNotPassed(RuntimeError):
    """A run is không đạt: what a Prefect flow's Failed state carries (args: message, summary),
    so calling the flow raises it and a dashboard shows the reasons."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "không đạt"


@dataclass
class DatasetDecision:
    dataset: str
    agency: str
    batch_id: str
    staged: int
    promoted: int
    held: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # already current from the same file row (an unchanged file gated again)
    batch_blocked: bool = False


@dataclass
class GateResult:
    run_id: str
    province: str
    scorecard: Scorecard
    decisions: list[DatasetDecision]
    audit_seq: int
    open_holds: int = 0
    reasons: list[tuple[str, str]] = field(default_factory=list)
    reused_score_step: bool = False  # the score step's decision was still right and was applied

    @property
    def passed(self) -> bool:
        return self.scorecard.passed

    @property
    def promoted(self) -> int:
        return sum(d.promoted for d in self.decisions)

    @property
    def held(self) -> int:
        return sum(d.held for d in self.decisions)


def latest_run(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT run_id FROM validation_runs ORDER BY run_id DESC LIMIT 1").fetchall()
    if not rows:
        raise KeyError("Chưa có lượt kiểm tra nào; hãy chạy 'ddss validate' trước. / No validation run yet.")
    return rows[0][0]


def gate_runs(store: NationalStore, province: str) -> dict[str, str]:
    """run_id -> 'gated' | 'reverted', from the audit log."""
    state: dict[str, str] = {}
    for row in store.audit_rows(province, ("gate", "revert")):
        state[row["run_id"]] = "gated" if row["kind"] == "gate" else "reverted"
    return state


def gate(
    settings: Settings,
    province: str,
    run_id: str | None = None,
    store: NationalStore | None = None,
    thresholds: Thresholds | None = None,
    on_promoted: Callable[[], None] | None = None,
    on_committed: Callable[[], None] | None = None,
) -> GateResult:
    """Gate one validation run. ``store`` defaults to the configured national database.
    Tests kill the process in the hooks: ``on_promoted`` inside the national transaction after
    the rows are written, ``on_committed`` after the national commit, before the holds are
    confirmed in the province file (gating the run again completes them)."""
    thresholds = thresholds or load_thresholds(settings.thresholds_file)
    path, timeout, config = settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()
    own_store = store is None
    store = store or open_national(settings)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        # One ddss command at a time on the province from scorecard to confirmed holds, in one
        # province session (the DuckDB national store attaches the file to its own connection:
        # opened once, read by the national INSERT where it is).
        with province_lock(path, timeout), store.province_session(path, timeout, config) as con:
            run_id = run_id or latest_run(con)
            restore_waivers(con, store, province)  # an audited waiver whose row a crash lost
            files = score.run_files(con, run_id)
            # The score step's decision when nothing it depends on changed since (ddss.gate_prepared);
            # else the findings are read once: the scorecard and the classification share them.
            ready = prepared.load(con, run_id, files, thresholds, settings.score_drop_margin)
            if ready is None:
                eff = score.effective_findings(con, run_id, files, score.checks_not_run(set(files)))
                card = score.compute_scorecard(con, run_id, thresholds, settings.score_drop_margin, eff)
            else:
                card, staged = ready
            plans = prepared.plans_for(run_id, province, files)
            committed = _gate_entry(store, province, run_id)
            if committed is not None:
                if not pending_count(con, run_id):
                    raise AlreadyGated(
                        f"Lượt {run_id} đã được xét chuyển; dùng 'ddss gate --revert {run_id}' để hoàn tác trước. / "
                        f"Run {run_id} was gated already; revert it first."
                    )
                # Killed after the national commit: the audit entry says what was decided and
                # the staged holds are still pending; confirm them now.
                plans = [replace(p, pending=pending_table(con, run_id)) for p in plans]
                open_holds = confirm_holds(con, run_id, [p.promoted_keys() for p in plans], committed)
                result = _result_from_audit(card, committed, open_holds)
                held = _run_holds(con, run_id)
            else:
                if ready is None:
                    replace_scores(con, run_id, history_frame(card))
                    decisions = _stage(con, card, files, plans, eff)
                    bound = held_max(con, run_id, "pending_holds")  # the bit mask's bound (gate_plan.DatasetPlan._promotable)
                    plans = [replace(p, held_max=bound.get(p.dataset, -1)) for p in plans]
                else:  # the score step kept this very scorecard in the history already
                    decisions, bound = _stage_prepared(con, card, files, plans, staged)
                    plans = [replace(p, pending="prepared_holds", held_max=bound[p.dataset]) for p in plans]
                # The staged holds are committed in the province file; the national transaction follows.
                with store.transaction():
                    for plan, d in zip(plans, decisions, strict=True):
                        counts = store.promote(d.dataset, plan.promoted_rows(path, config, con), run_id)
                        d.inserted, d.updated, d.unchanged = counts.inserted, counts.updated, counts.unchanged
                        d.promoted = counts.inserted + counts.updated + counts.unchanged
                    if on_promoted:
                        on_promoted()
                    _check_invariants(store, run_id, decisions)
                    entry = audit.append(store, "gate", province, run_id, _audit_body(card, decisions))
                if on_committed:
                    on_committed()
                open_holds = confirm_holds(con, run_id, [p.promoted_keys() for p in plans], entry)
                held = _run_holds(con, run_id)
                result = GateResult(run_id, province, card, decisions, entry["seq"], open_holds, card.reasons, ready is not None)
            # The gate's files are written while the province session closes (its checkpoint):
            # both wait on the disk or run outside the GIL, and the files need only ``held``.
            outputs = pool.submit(_write_outputs, settings.reports_dir / run_id, result, held)
    finally:
        pool.shutdown(wait=True)
        if own_store:
            store.close()
    outputs.result()  # (raises what writing them raised)
    return result


def _stage(
    con: duckdb.DuckDBPyConnection, card: Scorecard, files: dict, plans: list[DatasetPlan], eff: pl.DataFrame
) -> list[DatasetDecision]:
    """Classify every row once and write the held ones as the run's pending holds."""
    selects, staged = prepared.classify(con, card, files, plans, eff)
    held = stage_holds(con, card.run_id, selects)
    return [_decision(card, files, p, n, h) for p, n, h in zip(plans, staged, held, strict=True)]


def _stage_prepared(
    con: duckdb.DuckDBPyConnection, card: Scorecard, files: dict, plans: list, staged: dict
) -> tuple[list[DatasetDecision], dict[str, int]]:
    """The score step's held rows as the run's pending holds (its classification, reused);
    with the largest held source row per dataset (the bit mask's bound)."""
    held = stage_prepared(con, card.run_id, [p.dataset for p in plans])
    decisions = [_decision(card, files, p, staged[p.dataset], held[p.dataset][0]) for p in plans]
    return decisions, {d: m for d, (_, m) in held.items()}


def _decision(card: Scorecard, files: dict, plan: DatasetPlan, staged: int, held: int) -> DatasetDecision:
    return DatasetDecision(plan.dataset, files[plan.dataset].agency, plan.batch_id, int(staged), 0, held,
                           batch_blocked=card.dataset(plan.dataset).blocks_batch)  # fmt: skip


def _gate_entry(store: NationalStore, province: str, run_id: str) -> dict | None:
    """The audit entry of the run's gate if it is gated now (not reverted since)."""
    entry = None
    for row in store.audit_rows(province, ("gate", "revert"), run_id):
        entry = row if row["kind"] == "gate" else None
    return entry


def _result_from_audit(card: Scorecard, entry: dict, open_holds: int) -> GateResult:
    body = json.loads(entry["body"])
    decisions = [
        DatasetDecision(d, card.dataset(d).agency, body["batches"][d], c["staged"], c["promoted"], c["held"], c["inserted"],
                        c["updated"], c["unchanged"], card.dataset(d).blocks_batch)
        for d, c in body["counts"].items()
    ]  # fmt: skip
    return GateResult(card.run_id, card.province, card, decisions, entry["seq"], open_holds, card.reasons)


def _run_holds(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    return fetch_frame(
        con,
        "SELECT dataset, source_file, source_row, record_key, reasons_vi, reasons_en FROM holds WHERE run_id = ?"
        " ORDER BY dataset, source_row",
        [run_id],
    )


def _write_outputs(folder: Path, result: GateResult, held: pl.DataFrame) -> None:
    """``gate.json`` (counts, outcome, audit entry) and ``held.csv`` (record keys — pseudonyms
    for people — and reasons; UTF-8 with BOM for Excel). Nothing personal."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = {
        "run_id": result.run_id,
        "province": result.province,
        "verdict": result.scorecard.verdict,
        "passed": result.passed,
        "audit_seq": result.audit_seq,
        "promoted": result.promoted,
        "held": result.held,
        "open_holds": result.open_holds,
        "reused_score_step": result.reused_score_step,
        "datasets": [vars(d) for d in result.decisions],
        "reasons": [{"vi": vi, "en": en} for vi, en in result.reasons],
    }
    (folder / "gate.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    excel_safe_frame(held).rename(
        {"dataset": "Tập dữ liệu", "source_file": "Tệp", "source_row": "Dòng", "record_key": "Khoá bản ghi",
         "reasons_vi": "Lý do", "reasons_en": "Reason"}
    ).write_csv(folder / "held.csv", include_bom=True)  # fmt: skip


def _check_invariants(store: NationalStore, run_id: str, decisions: list[DatasetDecision]) -> None:
    problems = []
    counted = store.invariant_counts_all([d.dataset for d in decisions], run_id)
    for d in decisions:
        if d.promoted + d.held != d.staged:
            problems.append(f"{d.dataset}: promoted {d.promoted} + held {d.held} != staged {d.staged}")
        if d.inserted + d.updated + d.unchanged != d.promoted:
            problems.append(f"{d.dataset}: store wrote {d.inserted + d.updated} + unchanged {d.unchanged} != {d.promoted}")
        promoted, surplus = counted[d.dataset]
        if promoted != d.inserted + d.updated:
            problems.append(f"{d.dataset}: national holds {promoted} rows of this run, wrote {d.inserted + d.updated}")
        if surplus != 0:
            problems.append(f"{d.dataset}: {surplus} current rows beyond one per key (two current versions)")
    if problems:
        raise GateInvariantBroken("Bất biến của cổng bị vi phạm; không ghi gì. / Gate invariant broken: " + "; ".join(problems))


def _audit_body(card: Scorecard, decisions: list[DatasetDecision]) -> dict:
    return {
        "province": card.province,
        "run_id": card.run_id,
        "agencies": {a.agency: a.verdict for a in card.agencies},
        "batches": {d.dataset: d.file.batch_id for d in card.datasets()},
        "scores": {d.dataset: {s.dimension: round(s.score, 6) for s in [*d.dimensions, d.overall]} for d in card.datasets()},
        "thresholds": {d.dataset: {s.dimension: [s.threshold, s.policy] for s in d.dimensions} for d in card.datasets()},
        "thresholds_version": card.thresholds_version,
        "catalogue_version": card.catalogue_version,
        "counts": {
            d.dataset: {
                "staged": d.staged,
                "promoted": d.promoted,
                "held": d.held,
                "inserted": d.inserted,
                "updated": d.updated,
                "unchanged": d.unchanged,
            }
            for d in decisions
        },
        "outcome": card.verdict,
    }


def revert(settings: Settings, province: str, run_id: str, store: NationalStore | None = None) -> dict[str, tuple[int, int]]:
    """``ddss gate --revert RUN``: previous versions current again, holds of the run undone;
    recorded in the audit log in the same transaction."""
    own_store = store is None
    store = store or open_national(settings)
    try:
        if gate_runs(store, province).get(run_id) != "gated":
            raise KeyError(f"Lượt {run_id} chưa được xét chuyển (hoặc đã hoàn tác). / Run {run_id} is not gated.")
        with store.transaction():
            counts = store.revert(run_id)
            body = {"reverted_run": run_id, "counts": {d: {"removed": r, "restored": s} for d, (r, s) in counts.items()}}
            entry = audit.append(store, "revert", province, run_id, body)
        with writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
            reopen_holds(con, run_id, entry)
    finally:
        if own_store:
            store.close()
    return counts
