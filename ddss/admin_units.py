"""Vendored admin-unit lists (ddss/data/admin_units, MIT, see SOURCE_COMMIT).

Codes are never reissued to another unit, but the unit behind a code can change
(domain.md, "Administrative units"): every lookup is for an effective date,
before or from ``REFORM_DATE``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

__all__ = [
    "REFORM_DATE",
    "Commune",
    "Province",
    "birth_codes",
    "birth_codes_for_province",
    "communes_2025",
    "communes_pre2025",
    "province",
    "provinces_2025",
    "valid_commune_codes",
]

REFORM_DATE = date(2025, 7, 1)  # Resolution 202/2025/QH15: 63 -> 34 provinces, no districts


@dataclass(frozen=True)
class Province:
    code: str  # 2-digit GSO code valid from REFORM_DATE
    name: str
    old_codes: tuple[str, ...]  # pre-reform GSO codes merged into it
    birth_codes: tuple[str, ...]  # CCCD digits 1-3 of the old provinces ("0" + old code)


@dataclass(frozen=True)
class Commune:
    code: str  # 5 digits
    name: str
    province_code: str  # new province (2025 list) or old province (pre-2025 list)
    related: tuple[str, ...]  # 2025 list: old codes merged in; pre-2025 list: new codes


def _table(name: str) -> tuple[dict[str, int], list[list[str]]]:
    """A list's column positions by name and its rows (csv.reader: C speed; every worker
    process of the generator reads these lists before its first block: issue #21)."""
    text = resources.files("ddss.data.admin_units").joinpath(name).read_text(encoding="utf-8")
    rows = [r for r in csv.reader(text.splitlines()) if r]
    return {k: i for i, k in enumerate(rows[0] if rows else [])}, rows[1:]


def _rows(name: str) -> list[dict[str, str]]:
    """The rows csv.DictReader would give."""
    columns, rows = _table(name)
    return [dict(zip(columns, r, strict=False)) for r in rows]


def _communes(name: str, province: str, related: str) -> dict[str, Commune]:
    # Made from the rows' positions, not a dict per row: ~half the cost (13 000 communes)
    col, rows = _table(name)
    code, nm, prov, rel = col["commune_code"], col["name"], col[province], col[related]
    return {r[code]: Commune(r[code], r[nm], r[prov], tuple(r[rel].split(";"))) for r in rows}


@cache
def _crosswalk() -> list[dict[str, str]]:
    return _rows("province_crosswalk_63_to_34.csv")


@cache
def provinces_2025() -> dict[str, Province]:
    out: dict[str, Province] = {}
    for r in _rows("provinces_2025.csv"):
        olds = [x for x in _crosswalk() if x["new_gso_code"] == r["province_code"]]
        out[r["province_code"]] = Province(
            code=r["province_code"],
            name=r["name"],
            old_codes=tuple(x["old_gso_code"] for x in olds),
            birth_codes=tuple(x["cccd_birth_code"] for x in olds),
        )
    return out


def province(code: str) -> Province:
    try:
        return provinces_2025()[code]
    except KeyError:
        valid = ", ".join(sorted(provinces_2025()))
        raise ValueError(f"mã tỉnh không hợp lệ {code!r} (invalid province code); hợp lệ: {valid}") from None


@cache
def birth_codes() -> frozenset[str]:
    """All 63 valid CCCD birth-registration codes (digits 1-3 of a personal ID)."""
    return frozenset(x["cccd_birth_code"] for x in _crosswalk())


def birth_codes_for_province(code: str) -> tuple[str, ...]:
    return province(code).birth_codes


@cache
def communes_2025() -> dict[str, Commune]:
    return _communes("communes_2025.csv", "province_code", "old_commune_codes")


@cache
def communes_pre2025() -> dict[str, Commune]:
    return _communes("communes_pre2025.csv", "old_province_code", "new_commune_codes")


def valid_commune_codes(on: date, province_code: str | None = None) -> frozenset[str]:
    """Commune codes valid on a date, optionally within one (new) province."""
    if on >= REFORM_DATE:
        units = communes_2025().values()
        if province_code is not None:
            units = [c for c in units if c.province_code == province_code]
    else:
        units = communes_pre2025().values()
        if province_code is not None:
            olds = set(province(province_code).old_codes)
            units = [c for c in units if c.province_code in olds]
    return frozenset(c.code for c in units)
