"""S1: one person under two IDs — same name, date of birth, sex and mother's ID."""

from __future__ import annotations

import datetime as dt

from tests.rules.harness import failing

D = dt.date
MOTHER, OTHER_MOTHER = "079192654321", "079190555555"
BORN = D(2025, 9, 1)


def _child(pid: str, name: str, mother: str | None = MOTHER, dob: D = BORN, sex: str = "Nam") -> dict:
    return {"person_id": pid, "full_name": name, "sex": sex, "date_of_birth": dob, "mother_person_id": mother}


ROWS = [
    _child("079225111111", "Nguyễn Minh Hòa"),  # 1 lawful
    _child("079225111112", "Nguyễn Minh Khôi"),  # 2 look-alike: a twin, another name
    _child("079225111113", "Nguyễn Minh Hòa", mother=OTHER_MOTHER),  # 3 look-alike: namesake born the same day
    _child("079225111114", "nguyễn  minh  hòa"),  # 4 the same person again under another ID (case, spaces)
    _child("079225111115", "Nguyễn Minh Hòa", mother=None),  # 5 mother unknown: not judged
    _child("079225111111", "Nguyễn Minh Hòa"),  # 6 the same ID repeated: duplicate_id's business
    _child("079325111116", "Nguyễn Minh Hòa", sex="Nữ"),  # 7 look-alike: another sex
    _child("079225111117", "Nguyễn Minh Hoà"),  # 8 old tone placement of row 1's name: the same person
]


def test_same_person_under_two_ids(tmp_path):
    assert failing(tmp_path, "population.same_person_two_ids", {"population": ROWS}) == [4, 8]


def test_parent_id_columns_are_personal_ids(tmp_path):
    rows = [_child("079225111111", "Nguyễn Minh Hòa"), _child("079225111112", "Nguyễn Minh Khôi", mother="12345")]
    assert failing(tmp_path, "population.mother_person_id_invalid", {"population": rows}) == [2]
