"""The gate's decision prepared by the score step, reused by the gate while nothing it depends on changed.

The score step (``ddss score``, ddss.scorecard_io.score_run) computes a run's scorecard and,
from the same findings, classifies every row of the run's files the way the gate does
(ddss.gate_plan: held with every reason, or promotable). ``prepare`` keeps both in the
province file (store.gate: ``gate_prepared``, ``prepared_holds``) under a fingerprint of
everything the decision depends on: the run and its files, the waivers, the thresholds and
drop margin, the rule catalogue, the score history before the run, the ddss version and
this plan's own version. ``load`` computes the fingerprint again (a few small queries) and
hands the gate the prepared scorecard only when it matches; otherwise — a waiver granted
after the score step, other thresholds, a rule changed, an earlier run scored again — the
gate recomputes everything itself, so a prepared decision is never applied out of date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import duckdb
import polars as pl

from ddss import score
from ddss.gate_plan import DatasetPlan, blocking_reasons
from ddss.scorecard import AgencyScore, DatasetScore, DimensionScore, NotRun, RunFile, Scorecard
from ddss.store.gate import prepared_decision, store_prepared
from ddss.store.national_tables import PROMOTED_DATASETS
from ddss.thresholds import Thresholds

__all__ = ["PLAN_VERSION", "card_from_json", "card_json", "classify", "fingerprint", "load", "plans_for", "prepare"]

# Bump when the classification (ddss.gate_plan) or what is stored changes: older prepared
# decisions then no longer match and the gate recomputes.
PLAN_VERSION = "1"


def plans_for(run_id: str, province: str, files: dict[str, RunFile]) -> list[DatasetPlan]:
    return [DatasetPlan(run_id, province, d, files[d].batch_id, files[d].source_file) for d in PROMOTED_DATASETS if d in files]


def classify(
    con: duckdb.DuckDBPyConnection, card: Scorecard, files: dict[str, RunFile], plans: list[DatasetPlan], eff: pl.DataFrame
) -> tuple[list[tuple[str, dict, object]], list[int]]:
    """Per plan: the SELECT of its held rows (``held_select`` + blocking reasons) and its staged count."""
    not_run = score.checks_not_run(set(files))
    selects, staged = [], []
    for plan in plans:
        ds, mine = card.dataset(plan.dataset), [n for n in not_run if n.dataset == plan.dataset]
        text = (" ".join(n.reason()[0] for n in mine), " ".join(n.reason()[1] for n in mine)) if mine else None
        selects.append((*plan.held_select(ds.blocks_batch, text), blocking_reasons(eff, plan.dataset)))
        staged.append(int(con.execute(*plan.staged_count()).fetchall()[0][0]))
    return selects, staged


def fingerprint(
    con: duckdb.DuckDBPyConnection, run_id: str, files: dict[str, RunFile], thresholds: Thresholds, margin: float
) -> str:
    """SHA-256 of what the run's scorecard and holds depend on besides the run's own (immutable) findings and rows."""
    from ddss.audit import ddss_version

    waivers = con.execute("SELECT waiver_id, dataset, record_key, check_id FROM waivers ORDER BY ALL").fetchall()
    # Earlier runs' scores: the history and the previous values the scorecard shows.
    history = con.execute(
        "SELECT count(*), coalesce(sum(hash(run_id, dataset, dimension, score, computed_at, catalogue_version)), 0)::VARCHAR"
        " FROM scores WHERE run_id < ?",
        [run_id],
    ).fetchall()
    parts = {
        "plan": PLAN_VERSION,
        "ddss": ddss_version(),
        "run": run_id,
        "files": [dataclasses.astuple(f) for f in files.values()],
        "waivers": waivers,
        "history": history,
        "thresholds": [
            thresholds.version,
            thresholds.path,
            sorted((*k, v.threshold, v.policy) for k, v in thresholds.table.items()),
        ],
        "margin": margin,
        "catalogue": score.catalogue_version(),
    }
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode("utf-8")).hexdigest()


def prepare(con: duckdb.DuckDBPyConnection, run_id: str, thresholds: Thresholds, margin: float) -> Scorecard:
    """The score step: the run's scorecard, and its gate decision kept for the gate. ``con``: the province's writer."""
    files = score.run_files(con, run_id)
    eff = score.effective_findings(con, run_id, files, score.checks_not_run(set(files)))
    card = score.compute_scorecard(con, run_id, thresholds, margin, eff)
    plans = plans_for(run_id, card.province, files)
    selects, staged = classify(con, card, files, plans, eff)
    counts = {p.dataset: n for p, n in zip(plans, staged, strict=True)}
    store_prepared(con, run_id, fingerprint(con, run_id, files, thresholds, margin), card_json(card), json.dumps(counts), selects)
    return card


def load(
    con: duckdb.DuckDBPyConnection, run_id: str, files: dict[str, RunFile], thresholds: Thresholds, margin: float
) -> tuple[Scorecard, dict[str, int]] | None:
    """The prepared (scorecard, staged rows per dataset) if it is still right for this gate, else None."""
    found = prepared_decision(con, run_id)
    if found is None or found[0] != fingerprint(con, run_id, files, thresholds, margin):
        return None
    return card_from_json(found[1]), json.loads(found[2])


def card_json(card: Scorecard) -> str:
    return json.dumps(dataclasses.asdict(card), ensure_ascii=False, default=_encode)


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return {"__dt__": value.isoformat(), "date_only": not isinstance(value, dt.datetime)}
    raise TypeError(type(value))


def _decode(value: object) -> object:
    if isinstance(value, dict) and "__dt__" in value:
        text = value["__dt__"]
        return dt.date.fromisoformat(text) if value["date_only"] else dt.datetime.fromisoformat(text)
    return value


def _dim(d: dict) -> DimensionScore:
    return DimensionScore(**d)


def _dataset(d: dict) -> DatasetScore:
    return DatasetScore(
        **{
            **d,
            "file": RunFile(**d["file"]),
            "dimensions": [_dim(x) for x in d["dimensions"]],
            "overall": _dim(d["overall"]),
            "reasons": [tuple(r) for r in d["reasons"]],
            "not_run": [NotRun(**{**n, "missing": tuple(n["missing"])}) for n in d["not_run"]],
        }
    )


def card_from_json(text: str) -> Scorecard:
    d = json.loads(text, object_hook=_decode)
    return Scorecard(
        **{
            **d,
            "agencies": [AgencyScore(**{**a, "datasets": [_dataset(x) for x in a["datasets"]]}) for a in d["agencies"]],
            "reasons": [tuple(r) for r in d["reasons"]],
            "rejected_files": [tuple(r) for r in d["rejected_files"]],
            "history": [tuple(r) for r in d["history"]],
        }
    )
