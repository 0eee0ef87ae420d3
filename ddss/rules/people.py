"""People rules as data: ethnic groups and nationalities (vendored lists), sex values,
civil-registry deadlines and marriage ages by the law in force."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from importlib import resources

__all__ = [
    "BIRTH_DEADLINE_DAYS",
    "DEATH_DEADLINE_DAYS",
    "ETHNIC_CODES",
    "ETHNIC_GROUPS",
    "MARRIAGE_LAW_2014_FROM",
    "MARRIAGE_MIN_AGE",
    "MARRIAGE_MIN_AGE_2000",
    "SEXES",
    "VIETNAM",
    "FAMILY_NAME_LAST",
    "accepted_ethnicities",
    "accepted_nationalities",
    "ethnic_group",
    "family_name_last_keys",
    "text_key",
]

SEXES = ("Nam", "Nữ")
VIETNAM = "Việt Nam"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ddss.data.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def text_key(value: str) -> str:
    """How coded text is compared: case and runs of spaces do not matter (the SQL twin is
    ``lower(regexp_replace(trim(x), '\\s+', ' ', 'g'))``)."""
    return " ".join(value.split()).lower()


# The 54 officially recognised ethnic groups with their GSO codes (Danh mục các dân tộc
# Việt Nam, QĐ 121-TCTK/PPCĐ 1979; ddss/data/reference/ethnic_groups.csv). Checked code by
# code against that decision's list as republished by the Đà Nẵng statistics office
# (cucthongke.danang.gov.vn, "Danh mục các thành phần dân tộc Việt Nam": 01 Kinh, 02 Tày,
# 03 Thái, 04 Hoa, 05 Khơ-me, 06 Mường … 54 Rơ-măm); the decision's spellings are accepted
# as alternatives. A later GSO list ranks groups by population (04 Mường, 05 Khmer, 06 Hoa…):
# a file coded with that ranking would be read wrongly from code 04 on (docs/generator-families.md).
_ETHNIC = _rows("ethnic_groups.csv")
ETHNIC_GROUPS: tuple[str, ...] = tuple(r["name"] for r in _ETHNIC)
ETHNIC_CODES: dict[str, str] = {r["code"]: r["name"] for r in _ETHNIC}
assert len(ETHNIC_GROUPS) == 54 and len(ETHNIC_CODES) == 54


@cache
def _ethnic_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in _ETHNIC:
        for v in (r["code"], r["name"], *filter(None, r["alternatives"].split(";"))):
            out[text_key(v)] = r["name"]
    return out


def ethnic_group(value: str | None) -> str | None:
    """The official name for a code, a name or a common alternative spelling; None if none."""
    return None if value is None else _ethnic_lookup().get(text_key(value))


# Groups whose family (lineage) name is written last: "Y Bhin Niê", "H'Hen Êban" (Ê Đê and
# Mnông naming order; generators/ethnic.py). Elsewhere the family name is the first word.
FAMILY_NAME_LAST = ("Ê Đê", "Mnông")


def family_name_last_keys() -> tuple[str, ...]:
    """Every accepted ethnicity value (code, name, spelling; after ``text_key``) of a group
    that writes the family name last."""
    return tuple(sorted(k for k, name in _ethnic_lookup().items() if name in FAMILY_NAME_LAST))


def accepted_ethnicities() -> tuple[str, ...]:
    """Every accepted value after ``text_key``: codes, names, alternative spellings."""
    return tuple(sorted(_ethnic_lookup()))


@cache
def accepted_nationalities() -> tuple[str, ...]:
    """ "Việt Nam", an ISO 3166-1 alpha-2/alpha-3 code or a listed Vietnamese country name
    (batch-format.md §population), after ``text_key``."""
    rows = _rows("countries.csv")
    vals = {text_key(VIETNAM)} | {text_key(r["code"]) for r in rows} | {text_key(r["name_vi"]) for r in rows if r["name_vi"]}
    return tuple(sorted(vals))


# Luật Hộ tịch 2014 art. 15 (birth: 60 days from the birth) and art. 33 (death: 15 days).
BIRTH_DEADLINE_DAYS = 60
DEATH_DEADLINE_DAYS = 15
# Law on Marriage and Family 52/2014/QH13 art. 8.1a, in force 1 Jan 2015: man from full 20,
# woman from full 18 years, counted from the exact date of birth (TTLT 01/2016 art. 2.1).
MARRIAGE_LAW_2014_FROM = dt.date(2015, 1, 1)
MARRIAGE_MIN_AGE = {"Nam": 20, "Nữ": 18}
# Law 22/2000/QH10 art. 9 "từ hai mươi tuổi trở lên / từ mười tám tuổi trở lên", read by
# NQ 02/2000/NQ-HĐTP as having entered the 20th / 18th year: 19 / 17 full years
# (domain.md; official-criteria.md D4 — the general rule is marked unverified there).
MARRIAGE_MIN_AGE_2000 = {"Nam": 19, "Nữ": 17}
