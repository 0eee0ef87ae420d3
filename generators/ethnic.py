"""Ethnicity by region and the names minority groups actually use (issue #19).

Shares are the 2019 Population and Housing Census's picture by socio-economic region
(GSO, "Kết quả toàn bộ Tổng điều tra dân số và nhà ở năm 2019", tables by ethnic group
and region), rounded; the largest groups of each region are listed and every one of the
54 groups keeps a small share everywhere (people move). The figures are rounded from
the census tables as summarised in domain.md's sources and the GSO release, not copied
from a machine-readable table: adjust them here if a steward has the exact ones.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from ddss.rules.people import ETHNIC_GROUPS
from generators import names
from generators.draws import categorical
from generators.families import Families

__all__ = [
    "FAMILY_LAST",
    "MATRILINEAL",
    "REGION_MIX",
    "REGIONS",
    "ethnicities",
    "family_ethnicities",
    "full_names",
]

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


def ethnicities(rng: np.random.Generator, n: int, province: str) -> tuple[list[str], np.ndarray]:
    """Each person's group as an index into the returned names (the region's mix)."""
    mix = dict(REGION_MIX[_region(province)])
    for g in ETHNIC_GROUPS:
        mix[g] = mix.get(g, 0.0) + _TAIL / len(ETHNIC_GROUPS)
    keys, w = list(mix), np.array(list(mix.values()))
    return keys, categorical(rng, w, n)


# Naming conventions by group (each pool: family names, given names by sex, name order).
# Mông: family name first, then "A"/"Seo" for men and "Thị"/"Mỷ" for women. Ê Đê and
# Mnông (Đắk Lắk): the given name first, "Y" before a man's and "H'" before a woman's, the
# lineage name (Niê, Êban, Mlô, Byă, Ksơr…) last: "Y Bhin Niê", "H'Hen Êban". Gia Rai and
# Chu Ru: the lineage name first (Ksor, Rcom, Siu, Nay, Kpă, Rmah…), "H'" before a woman's
# given name: "Ksor Phước", "Rcom H'Yim". Ra Glai: family first (Pinăng, Mấu, Chamaléa…).
# Ba Na, Xơ Đăng, Hrê, Co, Cơ Tu and neighbours in the Trường Sơn range: family first
# (Đinh, Hồ, Alăng, Bhling, Zơrâm…) with "Văn"/"Thị". Khmer names often have two
# syllables; the northern Tai groups share the Kinh structure with their own family names.
# Other groups (e.g. Cơ Ho, Mạ, Xtiêng) are written in the Kinh structure here: no
# source at hand for their order (a gap, not a claim).
# Sources: the naming customs as described in the ethnographic literature on the Central
# Highlands and the names in public records (e.g. the lineage names above); no statistics.
_POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "mong": {
        "family": ("Giàng", "Sùng", "Vàng", "Thào", "Hầu", "Mùa", "Lý", "Vừ", "Hạng", "Cứ"),
        "Nam": ("A Páo", "Seo Chứ", "A Sử", "Mí Dế", "A Tủa", "Seo Sính", "A Lử", "Chứ"),
        "Nữ": ("Thị Mai", "Thị Súa", "Mỷ Dợ", "Thị Pàng", "Thị Sua", "Mỷ Chở", "Thị Dung"),
    },
    "ede": {
        # Not "Ayŭn": ŭ has no Windows-1258 form, and a batch in that encoding must hold every name.
        "family": ("Niê", "Êban", "Mlô", "Byă", "Adrơng", "Ksơr", "Hđơk", "Êung", "Kbuôr", "Ênuôl", "Bkrông", "Mjâu"),
        "Nam": ("Y Bhin", "Y Khuê", "Y Sơn", "Y Thông", "Y Blô", "Y Moan", "Y Ngọc", "Y Kông", "Y Jut"),
        "Nữ": ("H'Hen", "H'Nga", "H'Bia", "H'Yơn", "H'Loan", "H'Mai", "H'Ngát", "H'Xíu"),
    },
    "jrai": {
        "family": ("Ksor", "Rcom", "Siu", "Nay", "Kpă", "Rmah", "Rahlan", "Puih", "Kpuih", "Hiao"),
        "Nam": ("Phước", "Tuân", "Blai", "Đam", "Thuyên", "Nhă", "Hyun", "Yơl"),
        "Nữ": ("H'Bơ", "H'Yim", "H'Nhi", "H'Lan", "H'Wer", "H'Ngơm", "H'Yoan"),
    },
    "raglai": {
        "family": ("Pinăng", "Mấu", "Chamaléa", "Katơr", "Cao", "Bo"),
        "Nam": ("Điều", "Văn Thanh", "Sáu", "Văn Hoài", "Lợi"),
        "Nữ": ("Thị Bích", "Thị Hoa", "Thị Thủy", "Thị Nhung", "Thị Lệ"),
    },
    "truongson": {
        "family": ("Đinh", "Hồ", "Alăng", "Bhling", "Zơrâm", "Briu", "Pơloong", "Y"),
        "Nam": ("Văn Dũng", "Văn Nguyên", "Mia", "Văn Lơ", "Văn Thút", "Hùng", "Văn Blúi"),
        "Nữ": ("Thị Hoa", "Thị Hiền", "Thị Bích", "Thị Plơi", "Thị Nhi", "Thị Lan"),
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
    "Ê Đê": "ede",
    "Mnông": "ede",
    "Gia Rai": "jrai",
    "Chu Ru": "jrai",
    "Ra Glai": "raglai",
    "Ba Na": "truongson",
    "Xơ Đăng": "truongson",
    "Hrê": "truongson",
    "Co": "truongson",
    "Cơ Tu": "truongson",
    "Giẻ Triêng": "truongson",
    "Tà Ôi": "truongson",
    "Bru Vân Kiều": "truongson",
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
# Groups whose family (lineage) name is written last, and those that hand it down from
# the mother (the Chamic- and Ê Đê-speaking groups of the Central Highlands are matrilineal).
FAMILY_LAST = frozenset(g for g, p in _GROUP_POOL.items() if p == "ede")
MATRILINEAL = frozenset({"Ê Đê", "Gia Rai", "Chu Ru", "Ra Glai"})
ENDOGAMY = 0.9  # wives of the husband's group (most marriages are within a group; estimate)
_STANDIN = "Gia Rai"  # see family_ethnicities


@functools.cache
def _vocabulary() -> tuple[pl.Series, pl.Series, dict[str, tuple[int, int, int]]]:
    """Every family name and every rest of a name (names.py's Kinh ones, then each pool's),
    and where each pool starts in them (family, men's rest, women's rest): built once per
    process, so a name is two indices until the frame is made."""
    words, rests = names.family_words(), list(names.kinh_rests()[0])
    starts = {}
    for key, pool in _POOLS.items():
        starts[key] = (len(words), len(rests), len(rests) + len(pool["Nam"]))
        words += pool["family"]
        rests += [*pool["Nam"], *pool["Nữ"]]
    return pl.Series(words, dtype=pl.Utf8), pl.Series(rests, dtype=pl.Utf8), starts


def full_names(
    rng: np.random.Generator, keys: list[str], e: np.ndarray, male: np.ndarray, birth_year: np.ndarray, fam: Families
) -> pl.Series:
    """Everyone's name (``e``: each person's group, an index into ``keys``): Kinh-structure
    (names.py) except for members of a group with its own naming pool, who get a name from
    that pool in that group's order; then the family name handed down from the parent whose
    group the child belongs to (``_source``): the first word, or the last for the groups
    that write it last (``FAMILY_LAST``)."""
    word, rest = names.kinh_names(rng, male, birth_year)
    words, rests, starts = _vocabulary()
    pools = list(_POOLS)
    pool_of = np.array([pools.index(_GROUP_POOL[k]) if k in _GROUP_POOL else -1 for k in keys])[e]
    for j, (key, pool) in enumerate(_POOLS.items()):
        rows = np.flatnonzero(pool_of == j)
        if rows.size == 0:
            continue
        w0, men, women = starts[key]
        word[rows] = w0 + rng.integers(0, len(pool["family"]), rows.size)
        his, hers = rng.integers(0, len(pool["Nam"]), rows.size), rng.integers(0, len(pool["Nữ"]), rows.size)
        rest[rows] = np.where(male[rows], men + his, women + hers)
    matri, family_last = _group_masks(tuple(keys))
    src = _source(fam, e, matri)
    same = (src >= 0) & (e[np.maximum(src, 0)] == e[fam.descent])  # a name passes down within one group (one naming structure)
    word = _hand_down(word, np.where(same, src, -1), fam)
    out = (_spaced_words().gather(word) + rests.gather(rest)).alias("full_name")
    last = np.flatnonzero(family_last[e])
    if last.size:  # the few whose family name comes last
        swapped = pl.concat_str([rests.gather(rest[last]), words.gather(word[last])], separator=" ")
        out.scatter(last, pl.select(swapped).to_series())
    return out


@functools.cache
def _spaced_words() -> pl.Series:
    """Every family name with the space after it: a name is one join of two texts (a
    concat with a separator cost ~40 % more)."""
    return _vocabulary()[0] + " "


@functools.cache  # the same keys for family_ethnicities and full_names of a block
def _group_masks(keys: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per group of ``keys``: matrilineal (a child takes the mother's group and family
    name), and writing the family name last."""
    groups = np.array(keys, dtype=object)
    masks = np.isin(groups, list(MATRILINEAL)), np.isin(groups, list(FAMILY_LAST))
    for mask in masks:
        mask.setflags(write=False)  # shared by every caller
    return masks


def _source(fam: Families, eth: np.ndarray, matri: np.ndarray) -> np.ndarray:
    """The parent each row of ``fam.descent`` takes ethnicity and family name from: the
    father, except when there is none or the mother's group is matrilineal (row index, -1
    for none)."""
    mom, dad = fam.descent_mother, fam.descent_father
    use_mom = (mom >= 0) & ((dad < 0) | matri[eth[np.maximum(mom, 0)]])
    return np.where(use_mom, mom, dad)


def _hand_down(values: np.ndarray, src: np.ndarray, fam: Families, fixed: np.ndarray | None = None) -> np.ndarray:
    """values[child] = values[parent] down every generation of ``fam.descent`` (``src``:
    each one's parent as ``_source`` gives it, -1 for none); ``fixed`` rows keep theirs."""
    take = src >= 0 if fixed is None else (src >= 0) & ~fixed[fam.descent]
    parent = np.where(take, src, fam.descent)  # one with none takes its own (no mask per generation)
    start = 0
    for end in fam.generations:  # parents are in an earlier generation: theirs are final
        values[fam.descent[start:end]] = values[parent[start:end]]
        start = end
    return values


def family_ethnicities(
    rng: np.random.Generator, keys: list[str], drawn: np.ndarray, male: np.ndarray, fam: Families, born_after_reform: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Each person's ethnicity as a family hands it down: a child takes a parent's (Decree
    123/2015 art. 15.2, by the parents' agreement: here the father's, or the mother's in a
    matrilineal group or with no father); most wives share their husband's group.

    One adjustment for the check catalogue: a birth with no father must carry the mother's
    family name, which ``birth.father_undetermined_mismatch`` reads as the first word. An
    Ê Đê/Mnông name puts it last, so a mother of those groups with a post-reform child and
    no father is drawn from the neighbouring Gia Rai group instead (a generator choice, not
    a claim about the law; the rule's reading of such names is a known gap).

    ``drawn``: indices into ``keys``; returns the names and each person's index."""
    keys = list(dict.fromkeys([*keys, _STANDIN]))
    index = {k: i for i, k in enumerate(keys)}
    e = drawn.astype(np.int64)
    matri, last = _group_masks(tuple(keys))
    wives = np.flatnonzero(~male & (fam.spouse >= 0) & (fam.mother < 0) & (rng.random(male.size) < ENDOGAMY))
    fixed = np.zeros(male.size, dtype=bool)
    for _ in range(5):
        for _ in range(20):  # down the generations and across couples until nothing changes
            before = e.copy()
            e = _hand_down(e, _source(fam, e, matri), fam, fixed)
            w = wives[~fixed[wives]]
            e[w] = e[fam.spouse[w]]
            if np.array_equal(before, e):
                break
        kids = np.flatnonzero(born_after_reform & (fam.father < 0) & (fam.mother >= 0))
        moms = np.unique(fam.mother[kids])
        bad = moms[last[e[moms]]]
        if bad.size == 0:
            break
        e[bad] = index[_STANDIN]
        fixed[bad] = True
    return keys, e
