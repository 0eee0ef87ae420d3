"""The 12-digit personal ID (domain.md §Personal identification number; NĐ 137/2015 art. 13)."""

from __future__ import annotations

import pytest

from ddss.admin_units import birth_codes
from ddss.rules import person_id


@pytest.mark.parametrize(
    ("year", "sex", "digit"),
    [(1900, "Nam", 0), (1999, "Nữ", 1), (2000, "Nam", 2), (2099, "Nữ", 3), (2100, "Nam", 4), (2250, "Nữ", 7), (2399, "Nam", 8)],
)
def test_century_sex_digit_follows_the_decree_table(year: int, sex: str, digit: int) -> None:
    assert person_id.century_sex_digit(year, sex) == digit


def test_make_and_parse_round_trip() -> None:
    pid = person_id.make_id("079", 1987, "Nữ", 345)
    assert pid == "079187000345"
    parsed = person_id.parse(pid)
    assert parsed is not None
    assert (parsed.birth_code, parsed.sex, parsed.birth_year) == ("079", "Nữ", 1987)
    assert person_id.problems(pid, "Nữ", 1987) == []


def test_problems_names_each_inconsistency() -> None:
    pid = person_id.make_id("079", 1987, "Nữ", 345)
    assert person_id.problems(pid, "Nam", 1987) == ["sex"]
    assert person_id.problems(pid, "Nữ", 1988) == ["century_or_year"]
    assert person_id.problems(pid, "Nữ", 2087) == ["century_or_year"]  # digit 4 says 1900s
    assert person_id.problems("099187000345", "Nữ", 1987) == ["birth_code"]  # 099 is no province
    assert person_id.problems("123456789") == ["legacy_cmnd"]
    assert person_id.problems("07918700034A") == ["structure"]
    assert person_id.problems("") == ["missing"]


def test_birth_codes_are_the_63_pre_reform_codes() -> None:
    codes = birth_codes()
    assert len(codes) == 63
    assert {"001", "079", "096"} <= codes
    assert all(len(c) == 3 and c.startswith("0") for c in codes)
