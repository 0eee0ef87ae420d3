"""Ethnicity by region and the names minority groups actually use (issue #19).

Shares are the 2019 Population and Housing Census's picture by socio-economic region
(GSO, "Kết quả toàn bộ Tổng điều tra dân số và nhà ở năm 2019", tables by ethnic group
and region), rounded; the largest groups of each region are listed and every one of the
54 groups keeps a small share everywhere (people move). The figures are rounded from
the census tables as summarised in domain.md's sources and the GSO release, not copied
from a machine-readable table: adjust them here if a steward has the exact ones.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ddss.rules.people import ETHNIC_GROUPS

__all__ = ["REGION_MIX", "REGIONS", "ethnicities", "minority_names"]

# New (2025) province codes by census region.
REGIONS: dict[str, frozenset[str]] = {
    "northern_mountains": frozenset({"04", "08", "11", "12", "14", "15", "19", "20", "25"}),
    "central_highlands": frozenset({"52", "66", "68"}),
    "mekong_delta": frozenset({"82", "86", "91", "92", "96"}),
}
# Percent of the region's population (census 2019, rounded). "other": every region not listed.
REGION_MIX: dict[str, dict[str, float]] = {
    # Trung du và miền núi phía Bắc: Kinh ~47 %, Tày, Thái, Mông, Nùng, Mường, Dao the largest minorities.
    "northern_mountains": {
        "Kinh": 47.0,
        "Tày": 12.0,
        "Thái": 11.0,
        "Mông": 10.0,
        "Nùng": 7.0,
        "Mường": 5.5,
        "Dao": 5.5,
        "Sán Chay": 1.2,
        "Sán Dìu": 1.0,
        "Giáy": 0.5,
        "Khơ Mú": 0.5,
        "Hà Nhì": 0.2,
        "La Chí": 0.1,
        "Phù Lá": 0.1,
        "Lào": 0.1,
        "Kháng": 0.1,
        "Lô Lô": 0.05,
    },
    # Tây Nguyên: Kinh ~63 %, Gia Rai, Ê Đê, Ba Na, Cơ Ho, Xơ Đăng, Mnông the largest groups.
    "central_highlands": {
        "Kinh": 63.0,
        "Gia Rai": 9.0,
        "Ê Đê": 6.5,
        "Ba Na": 4.0,
        "Cơ Ho": 3.5,
        "Xơ Đăng": 3.0,
        "Mnông": 2.0,
        "Tày": 1.8,
        "Nùng": 1.8,
        "Mông": 1.0,
        "Thái": 0.8,
        "Mạ": 0.7,
        "Dao": 0.6,
        "Hrê": 0.3,
        "Chu Ru": 0.4,
        "Giẻ Triêng": 0.2,
        "Mường": 0.6,
        "Brâu": 0.01,
        "Rơ Măm": 0.01,
    },
    # Đồng bằng sông Cửu Long: Kinh ~92 %, Khmer ~6.7 %, Hoa ~1 %, Chăm.
    "mekong_delta": {"Kinh": 92.0, "Khmer": 6.7, "Hoa": 1.0, "Chăm": 0.1},
    # Elsewhere (whole-country shape with the Kinh majority of the lowlands and cities).
    "other": {
        "Kinh": 90.0,
        "Hoa": 1.5,
        "Khmer": 1.0,
        "Tày": 1.0,
        "Mường": 1.0,
        "Thái": 0.8,
        "Nùng": 0.8,
        "Chăm": 0.4,
        "Mông": 0.4,
        "Dao": 0.3,
        "Gia Rai": 0.2,
        "Ê Đê": 0.2,
        "Ra Glai": 0.2,
        "Hrê": 0.2,
        "Cơ Tu": 0.1,
        "Xtiêng": 0.1,
        "Chơ Ro": 0.05,
        "Bru Vân Kiều": 0.1,
        "Tà Ôi": 0.05,
        "Co": 0.05,
    },
}
_TAIL = 0.1  # percent spread over all 54 groups: every group is possible everywhere


def _region(province: str) -> str:
    return next((r for r, codes in REGIONS.items() if province in codes), "other")


def ethnicities(rng: np.random.Generator, n: int, province: str) -> pl.Series:
    mix = dict(REGION_MIX[_region(province)])
    for g in ETHNIC_GROUPS:
        mix[g] = mix.get(g, 0.0) + _TAIL / len(ETHNIC_GROUPS)
    keys, w = list(mix), np.array(list(mix.values()))
    return pl.Series("ethnicity", keys, dtype=pl.Utf8).gather(rng.choice(len(keys), size=n, p=w / w.sum()))


# Naming conventions by group: family name first, then (Mông) "A"/"Seo" for men and "Thị"/"Mỷ"
# for women; Ê Đê, Gia Rai and neighbours put "Y" (men) or "H'" (women) before the given name
# and the lineage name last; Khmer names often have two syllables; the northern Tai groups
# share the Kinh structure with their own family names.
_POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "mong": {
        "family": ("Giàng", "Sùng", "Vàng", "Thào", "Hầu", "Mùa", "Lý", "Vừ", "Hạng", "Cứ"),
        "Nam": ("A Páo", "Seo Chứ", "A Sử", "Mí Dế", "A Tủa", "Seo Sính", "A Lử", "Chứ"),
        "Nữ": ("Thị Mai", "Thị Súa", "Mỷ Dợ", "Thị Pàng", "Thị Sua", "Mỷ Chở", "Thị Dung"),
    },
    "highlands": {
        "family": ("Niê", "Êban", "Mlô", "Ksor", "Siu", "Rơ Châm", "Nay", "Kpă", "Byă", "Adrơng"),
        "Nam": ("Y Bhin", "Y Khuê", "Y Sơn", "Y Thông", "Y Blô", "Y Moan", "Y Ngọc"),
        "Nữ": ("H'Hen", "H'Nga", "H'Bia", "H'Yơn", "H'Loan", "H'Mai", "H'Ngát"),
    },
    "khmer": {
        "family": ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu", "Lý", "Trà"),
        "Nam": ("Sóc", "Phol", "Ny", "Sa Rươne", "Kol", "Sa Phon", "Chanh Đa"),
        "Nữ": ("Thị Sa Ry", "Thị Phương", "Sô Phia", "Thị Sóc Khe", "Thị Sa Rây", "Mol"),
    },
    "northern": {
        "family": ("Hoàng", "Nông", "Lương", "Vi", "Lò", "Cầm", "Bạc", "Hà", "Đinh", "Bàn", "Triệu", "Lục", "Ma", "Quàng"),
        "Nam": ("Văn Páo", "Văn Thắng", "Văn Sinh", "Đức Minh", "Văn Hùng", "Văn Lả", "Văn Khánh"),
        "Nữ": ("Thị Mai", "Thị Lan", "Thị Ỏn", "Thị Xuân", "Thị Hoa", "Thị Pằng", "Thị Hương"),
    },
}
_GROUP_POOL = {
    "Mông": "mong",
    "Ê Đê": "highlands",
    "Gia Rai": "highlands",
    "Ba Na": "highlands",
    "Mnông": "highlands",
    "Xơ Đăng": "highlands",
    "Cơ Ho": "highlands",
    "Ra Glai": "highlands",
    "Xtiêng": "highlands",
    "Khmer": "khmer",
    "Tày": "northern",
    "Thái": "northern",
    "Nùng": "northern",
    "Mường": "northern",
    "Dao": "northern",
    "Sán Chay": "northern",
    "Giáy": "northern",
    "Lào": "northern",
    "Lự": "northern",
}


def minority_names(rng: np.random.Generator, ethnicity: pl.Series, sex: pl.Series, kinh: pl.Series) -> pl.Series:
    """``kinh`` (the Kinh-structure names) for everyone, except members of a group with
    its own naming pool, who get a name from that pool."""
    pool_of = ethnicity.replace_strict(_GROUP_POOL, default=None, return_dtype=pl.Utf8)
    rows = np.flatnonzero(pool_of.is_not_null().to_numpy())
    if not rows.size:
        return kinh.alias("full_name")
    pools, sexes = pool_of.gather(rows).to_numpy(), sex.gather(rows).to_numpy()
    # One draw of the family name then one of the given name per person, in row order: the
    # same random numbers as drawing them one person at a time, without a Python loop.
    highs = np.empty(2 * rows.size, dtype=np.int64)
    for key, pool in _POOLS.items():
        mine = pools == key
        highs[0::2][mine] = len(pool["family"])
        for s in ("Nam", "Nữ"):
            highs[1::2][mine & (sexes == s)] = len(pool[s])
    draws = rng.integers(highs)
    fam_i, given_i = draws[0::2], draws[1::2]
    names = np.empty(rows.size, dtype=object)
    for key, pool in _POOLS.items():
        for s in ("Nam", "Nữ"):
            m = (pools == key) & (sexes == s)
            fam = np.array(pool["family"], dtype=object)[fam_i[m]]
            given = np.array(pool[s], dtype=object)[given_i[m]]
            names[m] = given + " " + fam if key == "highlands" else fam + " " + given
    return kinh.scatter(rows, pl.Series(names.tolist(), dtype=pl.Utf8)).alias("full_name")
