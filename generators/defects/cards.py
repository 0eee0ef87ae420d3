"""Identity card defects (population, official-criteria L4): a living person's card past
its printed expiry, and a printed expiry that fits no renewal age. Only the card columns
change, which no other dataset reads; each defect keeps the other card rule satisfied
(an expired card printed for the right age, a wrong expiry still in the future)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from generators.dates import anniversaries, dates, days
from generators.defects.plan import Plan

__all__ = ["apply"]

DS = "population"


def apply(plan: Plan) -> None:
    pop = plan.frames[DS]
    if "id_card_expiry_date" not in pop.columns or pop.is_empty():
        return
    as_of: dt.date = plan.context["as_of"]
    dob = pop["date_of_birth"]
    holder = pop["id_card_issue_date"].is_not_null().to_numpy() & pop["date_of_death"].is_null().to_numpy()
    rng = plan.rng("population.id_card")

    # The card of someone who turned 25 (and is not yet 58) was issued between 14 and 22
    # and printed to 25: valid for its age, but expired.
    # The four anniversaries from one calendar pass (dates.anniversaries), not one
    # dates.years_later per age: every holder needs all four here.
    at = anniversaries(dob.cast(pl.Int32).to_numpy(), (14, 22, 25, 58))
    at25, at58 = at[25], at[58]
    kind = "population.card_expired"
    rows = plan.pick(DS, kind, holder & (at25 < days(as_of) - 180) & (at58 > days(as_of)))
    first = at[14][rows]
    issued = first + (rng.random(rows.size) * (at[22][rows] - first)).astype(np.int64)
    plan.update(DS, rows, "id_card_issue_date", dates(issued))
    plan.update(DS, rows, "id_card_expiry_date", dates(at25[rows]))
    plan.record(DS, rows, kind, "thẻ căn cước đã quá hạn in trên thẻ")

    # Five years off the renewal age (19, 30, 45 or 65 is none), still in the future.
    kind = "population.card_expiry_inconsistent"
    rows = plan.pick(DS, kind, holder & pop["id_card_expiry_date"].is_not_null().to_numpy())
    wrong = pop["id_card_expiry_date"].gather(rows).dt.offset_by("5y")
    plan.update(DS, rows, "id_card_expiry_date", wrong)
    plan.record(DS, rows, kind, "năm hết hạn thẻ không ứng với tuổi đổi thẻ")
