"""Identity card validity (L4): the printed expiry against the reference date and against
the renewal ages 14/25/40/60 with the 2-year grace (Luật Căn cước art. 21)."""

from __future__ import annotations

import datetime as dt

import pytest

from ddss.rules.cards import expected_expiry_years
from tests.rules.harness import failing

D = dt.date


def _person(n: int, dob: D, issued: D | None, expiry: D | None, died: D | None = None) -> dict:
    return {
        "person_id": f"0790901234{n:02d}",
        "date_of_birth": dob,
        "date_of_death": died,
        "id_card_issue_date": issued,
        "id_card_expiry_date": expiry,
    }


EXPIRED = [
    _person(1, D(1990, 5, 10), D(2016, 3, 1), D(2030, 5, 10)),  # lawful: valid to 40
    _person(2, D(2000, 10, 1), D(2016, 3, 1), D(2025, 10, 1)),  # alive, printed expiry passed
    _person(3, D(1960, 1, 1), D(2016, 3, 1), D(2020, 1, 1), died=D(2019, 6, 1)),  # look-alike: dead
    _person(4, D(1955, 1, 1), D(2016, 3, 1), None),  # look-alike: issued at 61, valid for life
    _person(5, D(2001, 11, 1), D(2016, 3, 1), D(2026, 11, 1)),  # look-alike: expires on the reference date
]

INCONSISTENT = [
    _person(1, D(1990, 5, 10), D(2016, 3, 1), D(2030, 5, 10)),  # lawful: issued at 25, valid to 40
    _person(2, D(1990, 5, 10), D(2016, 3, 1), D(2031, 3, 1)),  # 15 years from issue: the old CMND term
    _person(3, D(1980, 6, 1), D(2013, 6, 1), D(2028, 6, 1)),  # look-alike: 12-digit CMND era, not judged
    _person(4, D(1993, 6, 1), D(2016, 8, 1), D(2033, 6, 1)),  # look-alike: within 2 years of 25, valid to 40
    _person(5, D(1993, 6, 1), D(2016, 8, 1), D(2018, 6, 1)),  # grace ignored: printed to 25
    _person(6, D(1960, 1, 1), D(2019, 6, 1), D(2020, 1, 1)),  # issued at 59: valid for life, yet an expiry
    _person(7, D(1993, 6, 1), D(2016, 5, 20), D(2018, 6, 1)),  # look-alike: days before the boundary, 25 accepted
    _person(8, D(1993, 6, 1), D(2016, 5, 20), D(2033, 6, 1)),  # look-alike: ... and 40 too
    _person(9, D(2015, 1, 1), D(2025, 1, 1), D(2029, 1, 1)),  # lawful: a child's card (2023 law) to 14
    _person(10, D(1960, 1, 1), D(2019, 6, 1), None),  # lawful: valid for life
]


@pytest.mark.parametrize(
    ("check_id", "rows", "expected"),
    [("population.card_expired", EXPIRED, [2]), ("population.card_expiry_inconsistent", INCONSISTENT, [2, 5, 6])],
    ids=["expired", "inconsistent"],
)
def test_card_rule(tmp_path, check_id, rows, expected):
    assert failing(tmp_path, check_id, {"population": rows}) == expected


def test_python_twin_agrees_with_the_sql():
    """The generator's rule (Python) accepts exactly the lawful rows the SQL accepts."""
    for i, row in enumerate(INCONSISTENT, start=1):
        if row["id_card_issue_date"] < D(2016, 1, 1):
            continue
        e = row["id_card_expiry_date"]
        fits = (None if e is None else e.year - row["date_of_birth"].year) in expected_expiry_years(
            row["date_of_birth"], row["id_card_issue_date"]
        )
        assert fits == (i not in (2, 5, 6)), i
