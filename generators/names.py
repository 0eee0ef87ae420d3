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


def full_names(rng: np.random.Generator, sex: pl.Series, family: pl.Series | None = None) -> pl.Series:
    """One name per person; ``family`` (e.g. inherited from a parent) overrides the draw."""
    n = sex.len()
    fam = family if family is not None else family_names(rng, n)
    male = sex == "Nam"
    middle = pl.when(male).then(_draw(rng, MIDDLE["Nam"], n)).otherwise(_draw(rng, MIDDLE["Nữ"], n))
    given = pl.when(male).then(_draw(rng, GIVEN["Nam"], n)).otherwise(_draw(rng, GIVEN["Nữ"], n))
    return pl.select(pl.concat_str([fam, middle, given], separator=" ")).to_series().alias("full_name")


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
