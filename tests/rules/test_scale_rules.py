"""One lawful row and one failing row per rule rewritten for speed (issue #21, session 9).

The name keys these rules compare are derived columns now (ddss.rules.catalog.derived,
added by ddss.checks.views to the relations the checks read); the cases hold the
look-alikes the key must not tell apart (old/new tone placement, case, runs of spaces).
Row 1 of the checked dataset is the lawful record.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.rules.harness import HCM_NEW, failing, marriage_row

D = dt.date
HOA = {"person_id": "079090123456", "full_name": "Nguyễn Văn Hòa", "sex": "Nam", "date_of_birth": D(1990, 5, 1)}
THUY = {"person_id": "079192654321", "full_name": "Trần Thị Thủy", "sex": "Nữ", "date_of_birth": D(1992, 3, 3)}
DEAD = {"person_id": "079088444444", "full_name": "Phạm Văn Nam", "sex": "Nam", "date_of_birth": D(1988, 1, 1)}
DEAD |= {"date_of_death": D(2019, 1, 1)}


def _marriage(h: dict, w: dict) -> dict:
    return marriage_row(h, w, HCM_NEW)


def _death(person: dict, name: str) -> dict:
    return {
        "person_id": person["person_id"],
        "full_name": name,
        "date_of_death": D(2026, 1, 2),
        "registration_date": D(2026, 1, 5),
    }


def _cert(owner: dict, name: str) -> dict:
    return {
        "certificate_serial": "CS 123456",
        "commune_code": HCM_NEW,
        "map_sheet_no": "5",
        "parcel_no": "1",
        "issue_date": D(2024, 9, 15),
        "owner_person_id": owner["person_id"],
        "owner_name": name,
        "owner_date_of_birth": owner["date_of_birth"],
    }


CASES = [
    # failing: row 1 again, written with the old tone placement, lower case and double spaces
    (
        "population.duplicate_id",
        {"population": [HOA, HOA | {"full_name": "nguyễn  văn  hoà"}, THUY]},
        [2],
    ),
    # lawful: the same person again (duplicate_id's business); failing: another name on the ID
    (
        "population.id_conflict",
        {"population": [HOA, HOA | {"full_name": "Nguyễn Văn Hoà"}, HOA | {"full_name": "Nguyễn Văn Hải"}]},
        [3],
    ),
    (
        "population.id_conflict",
        {"population": [HOA, HOA | {"date_of_birth": D(1990, 5, 2)}]},
        [2],
    ),
    # the wife died before the wedding (either party, looked up one column at a time)
    (
        "marriage.spouse_dead",
        {"population": [HOA, THUY, DEAD], "marriage": [_marriage(HOA, THUY), _marriage(HOA, DEAD), _marriage(DEAD, THUY)]},
        [2, 3],
    ),
    (
        "death.name_mismatch",
        {"population": [HOA, THUY], "death": [_death(HOA, "NGUYỄN VĂN HOÀ"), _death(THUY, "Trần Thị Thu")]},
        [2],
    ),
    (
        "certificate.owner_mismatch",
        {"population": [HOA, THUY], "certificate": [_cert(HOA, " Nguyễn  Văn Hoà "), _cert(THUY, "Trần Thị Thúy")]},
        [2],
    ),
]


@pytest.mark.parametrize(("check_id", "tables", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule(tmp_path, check_id, tables, expected):
    assert failing(tmp_path, check_id, tables) == expected
