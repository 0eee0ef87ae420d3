"""One person under two IDs (population.same_person_two_ids, official-criteria S1): a
person with a birth record appears again under a fresh, well-formed ID (same first six
digits, so province, sex and year still fit), with the same name, date of birth, sex and
mother. The copy is appended after the original, which stays untouched and lawful."""

from __future__ import annotations

import numpy as np
import polars as pl

from generators.defects.helpers import fresh_ids, taken_ids
from generators.defects.plan import Plan

__all__ = ["apply"]

DS = "population"
KIND = "population.same_person_two_ids"


def apply(plan: Plan) -> None:
    pop = plan.frames[DS]
    if "mother_person_id" not in pop.columns or pop.is_empty():
        return
    # The ID's form is tested only where the mother is known (~2 % of a block's persons:
    # 1 against 10 ms per 250 000).
    known = np.flatnonzero((pop["mother_person_id"].is_not_null() & pop["full_name"].is_not_null()).to_numpy())
    eligible = np.zeros(pop.height, dtype=bool)
    eligible[known] = pop["person_id"].gather(known).str.contains(r"^[0-9]{12}$").fill_null(False).to_numpy()
    # At most a quarter of those with a known mother, so other kinds keep rows of their own.
    rows = plan.pick(DS, KIND, eligible, n=min(plan.count(DS), max(1, int(eligible.sum()) // 4)))
    if rows.size == 0:
        return
    copies = pop[rows.tolist()]
    ids = fresh_ids(plan.rng(KIND), copies["person_id"].to_list(), taken_ids(plan.frames), plan.context.get("id_residue"))
    idx = plan.append(DS, copies.with_columns(pl.Series("person_id", ids, dtype=pl.Utf8)))
    plan.record(DS, idx, KIND, "cùng họ tên, ngày sinh, giới tính, mẹ nhưng số định danh khác")
