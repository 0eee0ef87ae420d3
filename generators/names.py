"""Vietnamese names, built the way they are formed: family + middle + given, by sex.

Faker's vi_VN locale is unreliable for this (domain.md, "Text"), so the pools are the
project's own, with family-name shares close to published estimates (Nguyễn ~38 %).
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from generators.draws import categorical

__all__ = ["ETHNICITIES", "FAMILY", "family_words", "kinh_names", "kinh_rests", "old_tone"]

FAMILY = {
    "Nguyễn": 38.0,
    "Trần": 11.0,
    "Lê": 9.5,
    "Phạm": 7.1,
    "Hoàng": 3.1,
    "Huỳnh": 2.1,
    "Phan": 4.5,
    "Vũ": 2.0,
    "Võ": 1.9,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
    "Đinh": 0.8,
    "Trương": 0.8,
    "Lâm": 0.6,
    "Mai": 0.5,
    "Trịnh": 0.5,
    "Đoàn": 0.5,
    "Cao": 0.4,
    "Lương": 0.4,
    "Tạ": 0.3,
    "Hà": 0.4,
    "Tô": 0.3,
    "Châu": 0.3,
    "Kiều": 0.2,
    "Quách": 0.2,
    # Beyond the top 30: rarer family names, so the tail is not empty (shares in percent, small).
    "Phùng": 0.2,
    "Lưu": 0.2,
    "Thái": 0.15,
    "Chu": 0.15,
    "Từ": 0.1,
    "Tôn": 0.1,
    "Doãn": 0.1,
    "Khúc": 0.05,
    "Hàn": 0.05,
    "Khổng": 0.05,
    "La": 0.05,
    "Mạc": 0.05,
    "Nghiêm": 0.05,
    "Ông": 0.05,
    "Phí": 0.05,
    "Quan": 0.05,
    "Tăng": 0.05,
    "Thân": 0.05,
    "Triệu": 0.1,
    "Vương": 0.1,
    "Giang": 0.05,
    "Bạch": 0.03,
    "Đàm": 0.05,
    "Hứa": 0.05,
    "Diệp": 0.03,
    "Âu": 0.03,
    "Đồng": 0.05,
    "Lạc": 0.02,
    "Ninh": 0.03,
    "Văn": 0.03,
}
MIDDLE = {
    "Nam": ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thành", "Công", "Anh", "Hoàng", "Xuân", "Gia", "Trọng", "Tuấn", "Đình"],
    "Nữ": ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Mai", "Kim", "Bảo", "Phương", "Hồng", "Diệu", "Khánh"],
}
GIVEN = {
    "Nam": [
        "Anh",
        "Bảo",
        "Bình",
        "Cường",
        "Dũng",
        "Duy",
        "Đạt",
        "Đức",
        "Giang",
        "Hải",
        "Hiếu",
        "Hòa",
        "Hoàng",
        "Hùng",
        "Huy",
        "Khang",
        "Khoa",
        "Kiên",
        "Long",
        "Lộc",
        "Minh",
        "Nam",
        "Nghĩa",
        "Phong",
        "Phúc",
        "Quang",
        "Quân",
        "Sơn",
        "Tài",
        "Tâm",
        "Thắng",
        "Thành",
        "Thịnh",
        "Toàn",
        "Trung",
        "Tuấn",
        "Tùng",
        "Việt",
        "Vinh",
        "Vũ",
    ],
    "Nữ": [
        "An",
        "Anh",
        "Châu",
        "Chi",
        "Dung",
        "Duyên",
        "Giang",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hiền",
        "Hoa",
        "Hồng",
        "Hương",
        "Huyền",
        "Lan",
        "Linh",
        "Loan",
        "Mai",
        "My",
        "Nga",
        "Ngân",
        "Ngọc",
        "Nhung",
        "Oanh",
        "Phương",
        "Quỳnh",
        "Tâm",
        "Thảo",
        "Thu",
        "Thủy",
        "Trang",
        "Trinh",
        "Tuyết",
        "Uyên",
        "Vân",
        "Vy",
        "Xuân",
        "Yến",
        "Yên",
    ],
}
# Shares of the 2019 census, rounded; the rest spread over smaller groups.
ETHNICITIES = {
    "Kinh": 85.3,
    "Tày": 1.9,
    "Thái": 1.9,
    "Mường": 1.5,
    "Khmer": 1.4,
    "Mông": 1.5,
    "Nùng": 1.1,
    "Dao": 0.9,
    "Hoa": 0.8,
    "Gia Rai": 0.5,
    "Ê Đê": 0.4,
    "Ba Na": 0.3,
    "Sán Chay": 0.2,
    "Chăm": 0.2,
    "Cơ Ho": 0.2,
    "Xơ Đăng": 0.2,
    "Sán Dìu": 0.2,
    "Hrê": 0.1,
    "Ra Glai": 0.1,
    "Mnông": 0.1,
}


# Share of women whose middle name is "Thị", by birth cohort: the usual women's middle name
# of older generations, much rarer among the young (an observed trend; no official figure).
THI_BY_COHORT = ((1960, 0.85), (1980, 0.7), (2000, 0.5), (2400, 0.3))
# Names of two syllables (no middle name) and of four (two middle names) (estimates).
TWO_SYLLABLES, FOUR_SYLLABLES = 0.04, 0.12
# A name is built from two indices: its family name into ``family_words()`` and the rest
# (middle names and given name) into ``kinh_rests()``, every combination listed once per
# process; the strings are joined once per frame (no string work per draw).
_SEXES = ("Nữ", "Nam")  # index = male


def _parts(sex: str) -> tuple[list[str], list[str], list[str]]:
    """First middle names, second middle names, given names of one sex. A woman's first
    middle name is "Thị" (index 0) or one of the others; the second is never "Thị", a
    man's second never "Văn"."""
    if sex == "Nam":
        first = MIDDLE["Nam"]
        return first, [m for m in first if m != "Văn"], GIVEN["Nam"]
    other = [m for m in MIDDLE["Nữ"] if m != "Thị"]
    return ["Thị", *other], other, GIVEN["Nữ"]


@functools.cache
def kinh_rests() -> tuple[tuple[str, ...], tuple[int, int]]:
    """Every Kinh-structure rest of a name (given; middle + given; two middles + given),
    women's then men's, and where each sex's part starts."""
    out: list[str] = []
    starts = []
    for sex in _SEXES:
        starts.append(len(out))
        first, second, given = _parts(sex)
        out += given
        out += [f"{m} {g}" for m in first for g in given]
        out += [f"{m} {m2} {g}" for m in first for m2 in second for g in given]
    return tuple(out), (starts[0], starts[1])


def family_words() -> list[str]:
    return list(FAMILY)


def kinh_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One Kinh-structure name per person, 2-4 syllables, as (family index into
    ``family_words()``, rest index into ``kinh_rests()[0]``); ``birth_year`` sets the
    cohort's share of "Thị"."""
    n = male.size
    w = np.array(list(FAMILY.values()), dtype=float)
    family = categorical(rng, w, n)
    # Per-sex sizes as woman's + male * (man's - woman's): ~10x cheaper than np.where over
    # two scalars (~1 ms for 250 000 rows), five of them here.
    (f1, f2, fg), (m1_size, m2_size, mg) = ([len(x) for x in _parts(sex)] for sex in _SEXES)
    n1, n2, ng = f1 + (m1_size - f1) * male, f2 + (m2_size - f2) * male, fg + (mg - fg) * male
    # np.select over the cohorts, as one search per year of birth (a block spans ~100) and a
    # gather: 4.3 -> 1.9 ms for 250 000 persons
    cohorts = np.array([y for y, _ in THI_BY_COHORT])
    first, last = (int(birth_year.min()), int(birth_year.max())) if n else (0, 0)
    on = np.arange(first, last + 1)
    p_thi = np.array([p for _, p in THI_BY_COHORT] + [0.3])[np.searchsorted(cohorts, on, side="right")][birth_year - first]
    # a man's first middle name: any of his list; a woman's: "Thị" by cohort, else another
    drawn = (rng.random(n) * (f1 - 1 + (m1_size - f1 + 1) * male)).astype(np.int64)
    m1 = np.where(male, drawn, np.where(rng.random(n) < p_thi, 0, 1 + drawn))
    m2 = (rng.random(n) * n2).astype(np.int64)
    given = (rng.random(n) * ng).astype(np.int64)
    shape = rng.random(n)
    two, four = shape < TWO_SYLLABLES, shape > 1 - FOUR_SYLLABLES
    # Where the sex's rests start, then ng rests per middle-name choice: none (the given
    # names), one (1 + m1) or two (1 + n1 + m1 * n2 + m2), as kinh_rests lists them.
    women_at, men_at = kinh_rests()[1]
    middle = np.where(two, 0, np.where(four, 1 + n1 + m1 * n2 + m2, 1 + m1))
    return family, women_at + (men_at - women_at) * male + ng * middle + given


def old_tone(names: pl.Series) -> pl.Series:
    """The same names written with the old tone placement on a final oa/oe/uy ("Hòa" ->
    "Hoà", "Thủy" -> "Thuỷ"): both conventions are in use (domain.md §Text)."""
    # Literal replacements in one pass (a syllable ends at a space: one is added at the end
    # and taken off again): the matches cannot overlap, each ending at its own space.
    return (names + " ").str.replace_many(*_old_tone_pairs()).str.strip_suffix(" ")


@functools.cache
def _old_tone_pairs() -> tuple[list[str], list[str]]:
    from ddss.rules.text import OLD_TO_NEW_TONE

    pairs = [
        (cased_new + " ", cased_old + " ")
        for old, new in OLD_TO_NEW_TONE.items()
        for cased_old, cased_new in ((old, new), (old.capitalize(), new.capitalize()))
    ]
    return [p for p, _ in pairs], [r for _, r in pairs]
