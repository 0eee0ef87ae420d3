"""The 12-digit personal identification number (domain.md, "Personal identification number").

Law on Identification 26/2023/QH15 art. 12; Decree 137/2015/NĐ-CP art. 13;
Circular 59/2021/TT-BCA. Digits 1-3: birth-registration province code; digit 4:
century and sex; digits 5-6: birth year mod 100; digits 7-12: random (no check digit).
"""

from __future__ import annotations

from dataclasses import dataclass

from ddss.admin_units import birth_codes

__all__ = ["ParsedId", "century_sex_digit", "is_legacy_cmnd", "make_id", "parse", "problems"]

_MALE, _FEMALE = "Nam", "Nữ"


def century_sex_digit(birth_year: int, sex: str) -> int:
    """Digit 4: 1900s male 0 / female 1, 2000s 2/3, 2100s 4/5, 2200s 6/7, 2300s 8/9."""
    century = birth_year // 100 - 19
    if not 0 <= century <= 4:
        raise ValueError(f"birth year {birth_year} outside 1900-2399")
    return 2 * century + (1 if sex == _FEMALE else 0)


@dataclass(frozen=True)
class ParsedId:
    birth_code: str
    sex: str
    birth_year_min: int  # the century start; with yy it fixes the year
    yy: int

    @property
    def birth_year(self) -> int:
        return self.birth_year_min + self.yy


def parse(pid: str) -> ParsedId | None:
    """Structure only: 12 ASCII digits. Returns None when that fails."""
    if pid is None or len(pid) != 12 or not pid.isascii() or not pid.isdigit():
        return None
    d4 = int(pid[3])
    return ParsedId(pid[:3], _FEMALE if d4 % 2 else _MALE, 1900 + 100 * (d4 // 2), int(pid[4:6]))


def make_id(birth_code: str, birth_year: int, sex: str, serial: int) -> str:
    return f"{birth_code}{century_sex_digit(birth_year, sex)}{birth_year % 100:02d}{serial:06d}"


def is_legacy_cmnd(value: str | None) -> bool:
    """A 9-digit CMND number: never a key, flagged wherever it appears."""
    return value is not None and len(value) == 9 and value.isascii() and value.isdigit()


def problems(pid: str | None, sex: str | None = None, birth_year: int | None = None) -> list[str]:
    """Every rule the ID breaks, as short English codes; [] when it is consistent."""
    if pid is None or pid == "":
        return ["missing"]
    if is_legacy_cmnd(pid):
        return ["legacy_cmnd"]
    p = parse(pid)
    if p is None:
        return ["structure"]
    out = []
    if p.birth_code not in birth_codes():
        out.append("birth_code")
    if sex is not None and p.sex != sex:
        out.append("sex")
    if birth_year is not None:
        if p.birth_year != birth_year:
            out.append("century_or_year")
    return out
