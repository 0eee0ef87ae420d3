"""Identity card validity by age (official-criteria L4): the rule as data, in Python for
the generator and in SQL for the checks.

Luật Căn cước 26/2023/QH15 art. 21 (and Luật CCCD 2014 art. 21 before it): a card is
renewed at 14, 25, 40 and 60; a card issued, renewed or reissued within 2 years before
one of those ages stays valid to the next one, and a card issued at 58 or later is valid
for life (no printed expiry). Cards issued before 1 Jul 2024 stay valid to their printed
expiry (art. 46), so the printed expiry, not the issue date, decides whether a card has
expired. The milestone rule holds for CCCD cards (issued from 1 Jan 2016); a 12-digit
CMND of 2012–2015 had a 15-year term, so earlier issue dates are not judged.

The printed date's exact day in the milestone year is not in the references: only its
year is compared, and near the 2-year boundary (a month either way) both milestones are
accepted, so no lawful card is flagged.
"""

from __future__ import annotations

import datetime as dt

from ddss.sql import date_literal

__all__ = [
    "CARD_MILESTONES",
    "CCCD_FROM",
    "GRACE_YEARS",
    "expected_expiry_years",
    "expiry_year_unexpected_sql",
]

CARD_MILESTONES = (14, 25, 40, 60)
GRACE_YEARS = 2
CCCD_FROM = dt.date(2016, 1, 1)  # Luật CCCD 59/2014/QH13 in force
_SLACK_DAYS = 31


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _milestone(dob: dt.date, issued: dt.date) -> int | None:
    """The age the card is valid to (None: valid for life)."""
    for m in CARD_MILESTONES:
        if issued < _add_years(dob, m - GRACE_YEARS):
            return m
    return None


def expected_expiry_years(dob: dt.date, issued: dt.date) -> set[int | None]:
    """Milestone ages a lawful card issued on ``issued`` may print (None: no expiry)."""
    slack = dt.timedelta(days=_SLACK_DAYS)
    return {_milestone(dob, issued - slack), _milestone(dob, issued), _milestone(dob, issued + slack)}


def expiry_year_unexpected_sql(dob: str, issued: str, expiry: str) -> str:
    """SQL TRUE when a printed expiry's year fits none of the milestones allowed for a
    CCCD-era issue date (the twin of ``expected_expiry_years``; -1 stands for "none")."""

    def milestone(shift: str) -> str:
        arms = " ".join(f"WHEN {issued} {shift} < {dob} + INTERVAL {m - GRACE_YEARS} YEAR THEN {m}" for m in CARD_MILESTONES)
        return f"CASE {arms} ELSE -1 END"

    allowed = ", ".join(milestone(s) for s in (f"- INTERVAL {_SLACK_DAYS} DAY", "", f"+ INTERVAL {_SLACK_DAYS} DAY"))
    return (
        f"{issued} >= {date_literal(CCCD_FROM)} AND {expiry} IS NOT NULL AND {dob} IS NOT NULL "
        f"AND year({expiry}) - year({dob}) NOT IN ({allowed})"
    )
