"""cards.add_cards computes only the holders' dates, and for each only the renewal ages it
needs: the same dates as every anniversary of everyone (the rule as first written)."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ddss.rules.cards import CARD_MILESTONES, CCCD_FROM, GRACE_YEARS
from generators.cards import NO_CARD_DATA_SHARE, add_cards
from generators.dates import anniversaries, dates, days, years_later


def _every_anniversary(rng, pop, as_of):
    dob = pop["date_of_birth"].cast(pl.Int32).to_numpy()
    alive = pop["date_of_death"].is_null().to_numpy()
    today = days(as_of)
    shifted = anniversaries(dob, {*CARD_MILESTONES, *(m - GRACE_YEARS for m in CARD_MILESTONES)})
    at = {m: shifted[m] for m in CARD_MILESTONES}
    grace = {m: shifted[m - GRACE_YEARS] for m in CARD_MILESTONES}
    holder = alive & (at[14] < today) & (rng.random(pop.height) >= NO_CARD_DATA_SHARE)
    last = np.full(pop.height, -1, dtype=np.int64)
    for m in CARD_MILESTONES:
        last = np.where(at[m] < today, at[m], last)
    lo = np.maximum(last, days(CCCD_FROM))
    issued = lo + (rng.random(pop.height) * np.maximum(today - 1 - lo, 0)).astype(np.int64)
    expiry = np.full(pop.height, -1, dtype=np.int64)
    for m in reversed(CARD_MILESTONES):
        expiry = np.where(issued < grace[m], at[m], expiry)
    return pop.with_columns(
        dates(issued, holder).alias("id_card_issue_date"),
        dates(expiry, holder & (expiry >= 0)).alias("id_card_expiry_date"),
    )


@pytest.mark.parametrize("as_of", [dt.date(2026, 11, 1), dt.date(2024, 2, 29), dt.date(2025, 3, 1), dt.date(2023, 2, 28)])
def test_card_dates_are_those_of_every_anniversary(as_of):
    born = np.arange(days(dt.date(1920, 1, 1)), days(as_of))  # every birth day, 29 February among them
    pop = pl.DataFrame({"date_of_birth": dates(born), "date_of_death": dates(born, born % 7 == 0)})  # a seventh dead
    got = add_cards(np.random.default_rng(2), pop, as_of)
    assert got.equals(_every_anniversary(np.random.default_rng(2), pop, as_of))


def test_years_later_per_date():
    born = np.array([days(dt.date(2000, 2, 29)), days(dt.date(2000, 2, 29)), days(dt.date(1969, 12, 31))])
    assert years_later(born, np.array([1, 4, 58])).tolist() == [
        days(dt.date(2001, 2, 28)),
        days(dt.date(2004, 2, 29)),
        days(dt.date(2027, 12, 31)),
    ]
