"""The rows the gate promotes leave out the held ones by a bit mask over source rows
(gate_plan.DatasetPlan._promotable) instead of an ANTI JOIN, so that the national INSERT keeps
DuckDB's ordered batch insert (docs/gate-speed.md). The mask must select exactly what the
ANTI JOIN selects: over every promoted dataset, a held row at the mask's
upper bound, none held, and a bound that misses a held row fails."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from ddss import gate_prepared as prepared
from ddss import score
from ddss.scorecard_io import score_run
from ddss.sql import str_literal
from ddss.store.gate import held_max
from ddss.store.national_duckdb import DuckDBNationalStore
from ddss.store.national_tables import national_columns, national_table


@pytest.fixture
def plans(defective):
    """(settings, plans of the scored run reading its prepared holds, held_max per dataset)."""
    settings, _ = defective
    card, _ = score_run(settings, "79")
    con = duckdb.connect(str(settings.province_db("79")))
    try:
        files = score.run_files(con, card.run_id)
        bound = held_max(con, card.run_id, "prepared_holds")
    finally:
        con.close()
    plans = [replace(p, pending="prepared_holds") for p in prepared.plans_for(card.run_id, "79", files)]
    return settings, plans, bound


def _rows(plan, settings) -> list[tuple]:
    """(source row, the whole promoted row) of every promoted row."""
    table = plan.promoted_rows(settings.province_db("79")).arrow()
    return sorted((r["_source_row"], tuple(r.values())) for r in table.to_pylist())


def test_the_mask_promotes_exactly_what_the_anti_join_promotes(plans):
    settings, plans, bound = plans
    assert bound and all(m >= 0 for m in bound.values())
    for plan in plans:
        joined = _rows(plan, settings)  # held_max None: the ANTI JOIN
        masked = _rows(replace(plan, held_max=bound.get(plan.dataset, -1)), settings)
        assert masked == joined, plan.dataset
        if plan.dataset in bound:
            assert bound[plan.dataset] not in {r for r, _ in masked}  # the held row at the mask's bound stays out


def test_no_hold_promotes_every_staged_row_and_a_bound_below_a_held_row_fails(plans):
    settings, plans, bound = plans
    plan = next(p for p in plans if p.dataset in bound)
    staged = duckdb.connect(str(settings.province_db("79")), read_only=True)
    try:
        every = staged.execute(*plan.staged_count()).fetchall()[0][0]
    finally:
        staged.close()
    assert len(_rows(replace(plan, held_max=-1), settings)) == every
    # A bound that misses a held row (read before a hold was added) fails the query: it never
    # promotes the row it missed.
    with pytest.raises(duckdb.Error, match="(?i)range"):
        _rows(replace(plan, held_max=bound[plan.dataset] - 1), settings)


def test_the_national_insert_is_a_batch_insert(plans, tmp_path):
    # What makes the national commit as cheap as a plain copy's: no join in the INSERT's SELECT.
    settings, plans, bound = plans
    plan = next(p for p in plans if p.dataset in bound)
    rows = replace(plan, held_max=bound[plan.dataset]).promoted_rows(settings.province_db("79"))
    store = DuckDBNationalStore(tmp_path / "national.duckdb")
    try:
        store.con.execute(f"ATTACH {str_literal(str(rows.path))} AS p (READ_ONLY)")
        cols = ", ".join(n for n, _ in national_columns(plan.dataset))
        select = f"SELECT *, 1, 7 FROM ({rows.sql('p.')})"  # _version, _promotion
        sql = f"EXPLAIN INSERT INTO {national_table(plan.dataset)} ({cols}) {select}"
        text = store.con.execute(sql, rows.params).fetchall()[0][1]
        assert "Batch Insert" in text and "ANTI" not in text
    finally:
        store.close()
