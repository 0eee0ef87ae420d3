"""Vietnamese names, built the way they are formed: family + middle + given, by sex.

Faker's vi_VN locale is unreliable for this (domain.md, "Text"), so the pools are the
project's own, with family-name shares close to published estimates (Nguyễn ~38 %).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["ETHNICITIES", "FAMILY", "ethnicities", "family_names", "full_names", "old_tone"]

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


def _draw(rng: np.random.Generator, pool: dict[str, float] | list[str], n: int) -> pl.Series:
    if isinstance(pool, dict):
        keys, w = list(pool), np.array(list(pool.values()), dtype=float)
        idx = rng.choice(len(keys), size=n, p=w / w.sum())
    else:
        keys = pool
        idx = rng.integers(0, len(keys), size=n)
    return pl.Series(keys, dtype=pl.Utf8).gather(idx)


def family_names(rng: np.random.Generator, n: int) -> pl.Series:
    return _draw(rng, FAMILY, n)


# Share of women whose middle name is "Thị", by birth cohort: the usual women's middle name
# of older generations, much rarer among the young (an observed trend; no official figure).
THI_BY_COHORT = ((1960, 0.85), (1980, 0.7), (2000, 0.5), (2400, 0.3))
# Names of two syllables (no middle name) and of four (two middle names) (estimates).
TWO_SYLLABLES, FOUR_SYLLABLES = 0.04, 0.12


def full_names(
    rng: np.random.Generator, sex: pl.Series, family: pl.Series | None = None, birth_year: np.ndarray | None = None
) -> pl.Series:
    """One Kinh-structure name per person, 2-4 syllables; ``family`` (e.g. inherited from a
    parent) overrides the draw; ``birth_year`` sets the cohort's share of "Thị"."""
    n = sex.len()
    fam = family if family is not None else family_names(rng, n)
    male = sex == "Nam"
    other_f = [m for m in MIDDLE["Nữ"] if m != "Thị"]
    year = birth_year if birth_year is not None else np.full(n, 1980)
    p_thi = np.select([year < y for y, _ in THI_BY_COHORT], [p for _, p in THI_BY_COHORT], 0.3)
    thi = pl.Series(rng.random(n) < p_thi)
    female_middle = pl.when(thi).then(pl.lit("Thị")).otherwise(_draw(rng, other_f, n))
    middle = pl.when(male).then(_draw(rng, MIDDLE["Nam"], n)).otherwise(female_middle)
    second = pl.when(male).then(_draw(rng, [m for m in MIDDLE["Nam"] if m != "Văn"], n)).otherwise(_draw(rng, other_f, n))
    shape = rng.random(n)
    middles = (
        pl.when(pl.Series(shape < TWO_SYLLABLES))
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.Series(shape > 1 - FOUR_SYLLABLES))
        .then(pl.concat_str([middle, second], separator=" "))
        .otherwise(middle)
    )
    given = pl.when(male).then(_draw(rng, GIVEN["Nam"], n)).otherwise(_draw(rng, GIVEN["Nữ"], n))
    return pl.select(pl.concat_str([fam, middles, given], separator=" ", ignore_nulls=True)).to_series().alias("full_name")


def ethnicities(rng: np.random.Generator, n: int) -> pl.Series:
    return _draw(rng, ETHNICITIES, n)


def old_tone(names: pl.Series) -> pl.Series:
    """The same names written with the old tone placement on a final oa/oe/uy ("Hòa" ->
    "Hoà", "Thủy" -> "Thuỷ"): both conventions are in use (domain.md §Text)."""
    from ddss.rules.text import OLD_TO_NEW_TONE

    out = names
    for old, new in OLD_TO_NEW_TONE.items():
        for cased_old, cased_new in ((old, new), (old.capitalize(), new.capitalize())):
            out = out.str.replace_all(cased_new + "( |$)", cased_old + "$1")
    return out
