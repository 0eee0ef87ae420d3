"""People rules as data: the 54 ethnic groups, sex values, civil-registry deadlines and ages."""

from __future__ import annotations

__all__ = ["BIRTH_DEADLINE_DAYS", "DEATH_DEADLINE_DAYS", "ETHNIC_GROUPS", "MARRIAGE_MIN_AGE", "SEXES"]

SEXES = ("Nam", "Nữ")

# The 54 officially recognised ethnic groups (Danh mục các dân tộc Việt Nam, QĐ 121-TCTK/PPCĐ 1979).
ETHNIC_GROUPS: tuple[str, ...] = (
    "Kinh",
    "Tày",
    "Thái",
    "Mường",
    "Khmer",
    "Hoa",
    "Nùng",
    "Mông",
    "Dao",
    "Gia Rai",
    "Ê Đê",
    "Ba Na",
    "Sán Chay",
    "Chăm",
    "Cơ Ho",
    "Xơ Đăng",
    "Sán Dìu",
    "Hrê",
    "Ra Glai",
    "Mnông",
    "Thổ",
    "Xtiêng",
    "Khơ Mú",
    "Bru Vân Kiều",
    "Cơ Tu",
    "Giáy",
    "Tà Ôi",
    "Mạ",
    "Giẻ Triêng",
    "Co",
    "Chơ Ro",
    "Xinh Mun",
    "Hà Nhì",
    "Chu Ru",
    "Lào",
    "La Chí",
    "Kháng",
    "Phù Lá",
    "La Hủ",
    "La Ha",
    "Pà Thẻn",
    "Lự",
    "Ngái",
    "Chứt",
    "Lô Lô",
    "Mảng",
    "Cơ Lao",
    "Bố Y",
    "Cống",
    "Si La",
    "Pu Péo",
    "Rơ Măm",
    "Brâu",
    "Ơ Đu",
)
assert len(ETHNIC_GROUPS) == 54

# Law on Civil Status 2014 art. 16 (birth: 60 days) and art. 33 (death: 15 days).
BIRTH_DEADLINE_DAYS = 60
DEATH_DEADLINE_DAYS = 15
# Law on Marriage and Family 2014 art. 8; full years from the exact date of birth (TTLT 01/2016 art. 2.1).
MARRIAGE_MIN_AGE = {"Nam": 20, "Nữ": 18}
