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
from generators.dates import dates, days, years_later

__all__ = ["NO_CARD_DATA_SHARE", "add_cards"]

NO_CARD_DATA_SHARE = 0.05


def add_cards(rng: np.random.Generator, pop: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    dob = pop["date_of_birth"].cast(pl.Int32).to_numpy()
    alive = pop["date_of_death"].is_null().to_numpy()
    today = days(as_of)
    ages = np.array(CARD_MILESTONES)
    # Renewal ages reached before today, counted from each birth day: everyone born up to
    # one day has reached an age (a later birth never has an earlier anniversary).
    reached = sum((dob <= _born_by(age, today)).astype(np.int64) for age in CARD_MILESTONES)
    holder = alive & (reached > 0) & (rng.random(pop.height) >= NO_CARD_DATA_SHARE)  # 14 reached
    drawn = rng.random(pop.height)

    # Only holders' dates are computed (the rest stay empty), and for each only the ages it
    # needs: eight anniversaries of everyone cost ~2x more.
    rows = np.flatnonzero(holder)
    born, step = dob[rows], reached[rows]
    lo = np.maximum(years_later(born, ages[step - 1]), days(CCCD_FROM))  # the last renewal age reached
    issued = lo + (drawn[rows] * np.maximum(today - 1 - lo, 0)).astype(np.int64)
    # Valid until the first renewal age whose grace period begins after the issue, for life
    # after the last. An age already reached is never that one (the card is issued after it).
    expiry = np.full(rows.size, -1, dtype=np.int64)
    todo = np.flatnonzero(step < ages.size)
    while todo.size:
        age = ages[step[todo]]
        due = issued[todo] < years_later(born[todo], age - GRACE_YEARS)
        expiry[todo[due]] = years_later(born[todo[due]], age[due])
        todo = todo[~due]
        step[todo] += 1
        todo = todo[step[todo] < ages.size]
    return pop.with_columns(
        dates(_on_rows(issued, rows, pop.height), holder).alias("id_card_issue_date"),
        dates(_on_rows(expiry, rows, pop.height, -1), _on_rows(expiry >= 0, rows, pop.height, False)).alias(
            "id_card_expiry_date"
        ),
    )


def _born_by(years: int, today: int) -> int:
    """The last birth day whose ``years``-th anniversary falls before ``today``."""
    first = today - 366 * years - 2  # anniversary before today; the last day below after it
    born = np.arange(first, today - 365 * years + 3)
    return first + int((years_later(born, np.full(born.size, years)) < today).sum()) - 1


def _on_rows(values: np.ndarray, rows: np.ndarray, n: int, fill=0) -> np.ndarray:
    """``values`` of ``rows`` among ``n`` rows, ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=values.dtype)
    out[rows] = values
    return out
