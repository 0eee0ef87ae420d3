"""Identity cards of the living (optional population columns id_card_issue_date and
id_card_expiry_date), issued by the rule the checks hold them to (ddss/rules/cards.py).

Everyone alive and at least 14 holds a card renewed on time: issued at or after the last
renewal age they reached (14, 25, 40, 60), and never before the CCCD began (2016), so
its printed expiry (the next renewal age, or none from 58) has not passed. A few have no
card data in the snapshot (the columns are optional; an empty cell is not judged).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ddss.rules.cards import CARD_MILESTONES, CCCD_FROM, GRACE_YEARS
from generators.dates import anniversaries, dates, days

__all__ = ["NO_CARD_DATA_SHARE", "add_cards", "years_after"]

NO_CARD_DATA_SHARE = 0.05


def years_after(dob: pl.Series, years: int) -> np.ndarray:
    """Day numbers of each date ``years`` later (29 Feb -> 28 Feb, as DuckDB's INTERVAL)."""
    return anniversaries(dob.cast(pl.Int32).to_numpy(), [years])[years]


def add_cards(rng: np.random.Generator, pop: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    dob = pop["date_of_birth"].cast(pl.Int32).to_numpy()
    alive = pop["date_of_death"].is_null().to_numpy()
    today = days(as_of)
    shifted = anniversaries(dob, {*CARD_MILESTONES, *(m - GRACE_YEARS for m in CARD_MILESTONES)})
    at = {m: shifted[m] for m in CARD_MILESTONES}
    grace = {m: shifted[m - GRACE_YEARS] for m in CARD_MILESTONES}
    holder = alive & (at[14] < today) & (rng.random(pop.height) >= NO_CARD_DATA_SHARE)

    last = np.full(pop.height, -1, dtype=np.int64)  # day the last renewal age was reached
    for m in CARD_MILESTONES:
        last = np.where(at[m] < today, at[m], last)
    lo = np.maximum(last, days(CCCD_FROM))
    issued = lo + (rng.random(pop.height) * np.maximum(today - 1 - lo, 0)).astype(np.int64)

    expiry = np.full(pop.height, -1, dtype=np.int64)  # -1: valid for life
    for m in reversed(CARD_MILESTONES):
        expiry = np.where(issued < grace[m], at[m], expiry)
    return pop.with_columns(
        dates(issued, holder).alias("id_card_issue_date"),
        dates(expiry, holder & (expiry >= 0)).alias("id_card_expiry_date"),
    )
