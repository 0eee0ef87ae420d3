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

Inside the national transaction the gate checks its invariants — promoted + held = staged,
the rows the store holds for this run = promoted, no key with two current versions — and
appends the audit entry; any failure rolls everything back. Holds are then written to the
province file; a record held earlier and not in this batch stays held (store.gate).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ddss import audit, score
from ddss.mask import excel_safe_frame
from ddss.schema import DATASETS, staging_table
from ddss.scorecard_io import history_frame
from ddss.settings import Settings
from ddss.sql import ident
from ddss.store import fetch_frame, writer
from ddss.store.gate import reopen_holds, replace_scores, write_holds
from ddss.store.national import (
    KEY_FALLBACKS,
    NATIONAL_KEYS,
    PROMOTED_DATASETS,
    NationalStore,
    incoming_columns,
    open_national,
)
from ddss.thresholds import Thresholds, load_thresholds

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
    scorecard: score.Scorecard
    decisions: list[DatasetDecision]
    audit_seq: int
    open_holds: int = 0
    reasons: list[tuple[str, str]] = field(default_factory=list)

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
    for row in store.audit_rows():
        if row["province"] == province and row["kind"] in ("gate", "revert"):
            state[row["run_id"]] = "gated" if row["kind"] == "gate" else "reverted"
    return state


_HOLD_VI = {
    "batch": "Cả lô không được chuyển: tập dữ liệu dưới ngưỡng theo chính sách chặn cả lô.",
    "not_run": "Chưa kiểm tra được: ",
    "key_missing": "Thiếu một phần khoá tự nhiên (không xác định được bản ghi trong CSDL quốc gia).",
    "key_duplicate": "Khoá tự nhiên lặp lại trong lô; chỉ bản ghi đầu tiên được xét chuyển.",
}
_HOLD_EN = {
    "batch": "Whole batch held: the dataset is below a block-batch threshold.",
    "not_run": "Not checked: ",
    "key_missing": "Natural key incomplete.",
    "key_duplicate": "Natural key repeated in the batch; only the first row is considered.",
}


def _key_sql(dataset: str) -> tuple[str, str]:
    parts = [
        f"coalesce(t.{ident(k)}, t.{ident(KEY_FALLBACKS[dataset, k])})" if (dataset, k) in KEY_FALLBACKS else f"t.{ident(k)}"
        for k in NATIONAL_KEYS[dataset]
    ]
    key = "concat_ws('|', " + ", ".join(f"CAST({p} AS VARCHAR)" for p in parts) + ")"
    return key, " OR ".join(f"{p} IS NULL" for p in parts)


def _record_key_sql(dataset: str) -> str:
    # The same record_key the findings carry (ddss.checks.findings) for non-population datasets.
    parts = ", ".join(f"coalesce(CAST(t.{ident(k)} AS VARCHAR), '')" for k in DATASETS[dataset].key)
    return f"concat_ws('|', {parts})"


def _classified(dataset: str) -> str:
    """Every row of the run's file with ``_hold``: NULL = promote, else why it is held."""
    key, incomplete = _key_sql(dataset)
    cols = ", ".join(f"t.{ident(c)}" for c, _ in incoming_columns(dataset)[1 : 1 + len(DATASETS[dataset].columns)])
    # Repeated keys by a hash aggregate (cheap) rather than a window over every row (a sort).
    return f"""
        WITH t AS (
            SELECT *, {key} AS _k FROM {ident(staging_table(dataset))} t
            WHERE t._batch_id = $batch AND t._source_file = $file
        ),
        dup AS (SELECT _k, min(_source_row) AS _first FROM t GROUP BY _k HAVING count(*) > 1)
        SELECT t._k AS _key, {cols}, $province AS _province, t._agency, t._batch_id, t._source_file,
               t._file_sha256, t._source_row, {_record_key_sql(dataset)} AS _record_key,
               b.check_ids AS _check_ids, b.reasons_vi AS _reasons_vi,
               CASE WHEN $batch_blocked THEN 'batch'
                    WHEN $not_run THEN 'not_run'
                    WHEN b.source_row IS NOT NULL THEN 'findings'
                    WHEN {incomplete} THEN 'key_missing'
                    WHEN d._first IS NOT NULL AND t._source_row <> d._first THEN 'key_duplicate'
               END AS _hold
        FROM t
        LEFT JOIN _ddss_block b ON b.source_row = t._source_row
        LEFT JOIN dup d ON d._k = t._k
    """  # noqa: S608 - identifiers from the schema only; values are bound


def _blocking_reasons(eff: pl.DataFrame, dataset: str) -> pl.DataFrame:
    return (
        eff.filter((pl.col("dataset") == dataset) & pl.col("blocking"))
        .sort("source_row", "check_id")
        .group_by("source_row", maintain_order=True)
        .agg(
            pl.col("check_id").alias("check_ids"),
            pl.concat_str([pl.col("check_id"), pl.col("message_vi")], separator=": ").str.join("; ").alias("reasons_vi"),
        )
    )


def _held_frame(rows: pl.DataFrame, run_id: str, not_run_text: tuple[str, str]) -> pl.DataFrame:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    vi = (
        pl.when(pl.col("_hold") == "findings")
        .then(pl.col("_reasons_vi"))
        .when(pl.col("_hold") == "not_run")
        .then(pl.lit(_HOLD_VI["not_run"] + not_run_text[0]))
        .otherwise(pl.col("_hold").replace_strict(_HOLD_VI, default=None))
    )
    en = (
        pl.when(pl.col("_hold") == "findings")
        .then(pl.lit("Blocking findings: ") + pl.col("_check_ids").list.join(", "))
        .when(pl.col("_hold") == "not_run")
        .then(pl.lit(_HOLD_EN["not_run"] + not_run_text[1]))
        .otherwise(pl.col("_hold").replace_strict(_HOLD_EN, default=None))
    )
    return rows.select(
        pl.lit(run_id).alias("run_id"),
        pl.col("_province").alias("province"),
        pl.col("_agency").alias("agency"),
        pl.col("_dataset").alias("dataset"),
        pl.col("_batch_id").alias("batch_id"),
        pl.col("_source_file").alias("source_file"),
        pl.col("_source_row").alias("source_row"),
        pl.col("_record_key").alias("record_key"),
        vi.alias("reasons_vi"),
        en.alias("reasons_en"),
        pl.col("_check_ids").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))).alias("check_ids"),
        pl.lit(now).alias("held_at"),
    )


def gate(
    settings: Settings,
    province: str,
    run_id: str | None = None,
    store: NationalStore | None = None,
    thresholds: Thresholds | None = None,
    on_promoted: Callable[[], None] | None = None,
) -> GateResult:
    """Gate one validation run. ``store`` defaults to the configured national database;
    ``on_promoted`` is called inside the transaction after the rows are written (tests use
    it to kill the process there)."""
    thresholds = thresholds or load_thresholds(settings.thresholds_file)
    margin = settings.score_drop_margin
    own_store = store is None
    store = store or open_national(settings)
    try:
        with writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
            run_id = run_id or latest_run(con)
            if gate_runs(store, province).get(run_id) == "gated":
                raise AlreadyGated(
                    f"Lượt {run_id} đã được xét chuyển; dùng 'ddss gate --revert {run_id}' để hoàn tác trước. / "
                    f"Run {run_id} was gated already; revert it first."
                )
            card = score.compute_scorecard(con, run_id, thresholds, margin)
            replace_scores(con, run_id, history_frame(card))
            files = score.run_files(con, run_id)
            not_run = score.checks_not_run(set(files))
            eff = score.effective_findings(con, run_id, files, not_run)
            decisions, promote_sets, held_parts = [], {}, []
            for dataset in (d for d in PROMOTED_DATASETS if d in files):
                f, ds = files[dataset], card.dataset(dataset)
                mine_not_run = [n for n in not_run if n.dataset == dataset]
                params = {
                    "province": province,
                    "batch_blocked": ds.blocks_batch,
                    "not_run": bool(mine_not_run),
                    "batch": f.batch_id,
                    "file": f.source_file,
                }
                con.register("_ddss_block", _blocking_reasons(eff, dataset).to_arrow())
                try:
                    # One scan classifies every row (into memory); both sides are read from it.
                    con.execute(f"CREATE OR REPLACE TEMP TABLE _ddss_gate AS {_classified(dataset)}", params)  # noqa: S608
                    table = con.sql(
                        "SELECT * EXCLUDE (_hold, _check_ids, _reasons_vi) FROM _ddss_gate WHERE _hold IS NULL"
                    ).to_arrow_table()
                    held = fetch_frame(con, "SELECT * FROM _ddss_gate WHERE _hold IS NOT NULL")
                finally:
                    con.execute("DROP TABLE IF EXISTS _ddss_gate")
                    con.unregister("_ddss_block")
                staged = con.execute(
                    f"SELECT count(*) FROM {ident(staging_table(dataset))} WHERE _batch_id = ? AND _source_file = ?",  # noqa: S608
                    [f.batch_id, f.source_file],
                ).fetchall()[0][0]
                text = (" ".join(n.reason()[0] for n in mine_not_run), " ".join(n.reason()[1] for n in mine_not_run))
                held_parts.append(_held_frame(held.with_columns(pl.lit(dataset).alias("_dataset")), run_id, text))
                promote_sets[dataset] = table
                decisions.append(
                    DatasetDecision(dataset, f.agency, f.batch_id, int(staged), table.num_rows, held.height,
                                    batch_blocked=ds.blocks_batch)
                )  # fmt: skip
            held_all = pl.concat(held_parts) if held_parts else pl.DataFrame()
            with store.transaction():
                for d in decisions:
                    if promote_sets[d.dataset].num_rows:
                        counts = store.promote(d.dataset, promote_sets[d.dataset], run_id)
                        d.inserted, d.updated, d.unchanged = counts.inserted, counts.updated, counts.unchanged
                if on_promoted:
                    on_promoted()
                _check_invariants(store, run_id, decisions)
                entry = audit.append(store, "gate", province, run_id, _audit_body(card, decisions))
            promoted_keys = pl.concat(
                [
                    pl.from_arrow(t.select(["_record_key"])).select(
                        pl.lit(d).alias("dataset"), pl.col("_record_key").cast(pl.Utf8).alias("record_key")
                    )
                    for d, t in promote_sets.items()
                ]
                or [pl.DataFrame(schema=_KEYS)]
            )
            write_holds(con, run_id, held_all, promoted_keys)
            open_holds = con.execute("SELECT count(*) FROM holds WHERE closed_run IS NULL").fetchall()[0][0]
    finally:
        if own_store:
            store.close()
    result = GateResult(run_id, province, card, decisions, entry["seq"], int(open_holds), card.reasons)
    _write_outputs(settings.reports_dir / run_id, result, held_all)
    return result


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
        "datasets": [vars(d) for d in result.decisions],
        "reasons": [{"vi": vi, "en": en} for vi, en in result.reasons],
    }
    (folder / "gate.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    cols = ["dataset", "source_file", "source_row", "record_key", "reasons_vi", "reasons_en"]
    frame = held.select(cols) if held.height else pl.DataFrame(schema=dict.fromkeys(cols, pl.Utf8))
    excel_safe_frame(frame).rename(
        {"dataset": "Tập dữ liệu", "source_file": "Tệp", "source_row": "Dòng", "record_key": "Khoá bản ghi",
         "reasons_vi": "Lý do", "reasons_en": "Reason"}
    ).write_csv(folder / "held.csv", include_bom=True)  # fmt: skip


_KEYS = {"dataset": pl.Utf8, "record_key": pl.Utf8}


def _check_invariants(store: NationalStore, run_id: str, decisions: list[DatasetDecision]) -> None:
    problems = []
    for d in decisions:
        if d.promoted + d.held != d.staged:
            problems.append(f"{d.dataset}: promoted {d.promoted} + held {d.held} != staged {d.staged}")
        if d.inserted + d.updated + d.unchanged != d.promoted:
            problems.append(f"{d.dataset}: store wrote {d.inserted + d.updated} + unchanged {d.unchanged} != {d.promoted}")
        if (n := store.promoted_by(d.dataset, run_id)) != d.inserted + d.updated:
            problems.append(f"{d.dataset}: national holds {n} rows of this run, wrote {d.inserted + d.updated}")
        if (n := store.duplicate_keys(d.dataset)) != 0:
            problems.append(f"{d.dataset}: {n} keys with two current versions")
    if problems:
        raise GateInvariantBroken("Bất biến của cổng bị vi phạm; không ghi gì. / Gate invariant broken: " + "; ".join(problems))


def _audit_body(card: score.Scorecard, decisions: list[DatasetDecision]) -> dict:
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
            audit.append(store, "revert", province, run_id, body)
        with writer(settings.province_db(province), settings.busy_timeout_s, settings.duckdb_config()) as con:
            reopen_holds(con, run_id)
    finally:
        if own_store:
            store.close()
    return counts
