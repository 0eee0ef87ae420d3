"""Checks on marriage registrations (Sở Tư pháp). Rows flagged: the marriage record."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import component_missing, entry_checks, missing, sql
from ddss.rules.catalog.ids import id_checks
from ddss.rules.catalog.places import place_checks
from ddss.rules.catalog.predicates import PairAtLeast
from ddss.rules.catalog.values import coded, text_checks
from ddss.rules.people import MARRIAGE_LAW_2014_FROM, MARRIAGE_MIN_AGE, MARRIAGE_MIN_AGE_2000
from ddss.sql import date_literal

__all__ = ["CHECKS"]

_F8 = "official-criteria F8; CV 1437/BTP-CNTT (mỗi trường hợp một tệp PDF, theo bản tóm tắt — chưa kiểm chứng)"

_LAW = "domain.md §Civil registry; Luật Hôn nhân và gia đình 2014 đ.8; TTLT 01/2016 đ.2.1"
_AGE_LAW = (
    "domain.md §Civil registry; official-criteria D4; từ 01/01/2015 Luật HN&GĐ 52/2014 đ.8.1a (đủ 20/18 tuổi, TTLT 01/2016 đ.2.1);"
    " trước đó Luật HN&GĐ 22/2000 đ.9 (từ 20/18 tuổi, NQ 02/2000/NQ-HĐTP: bước sang tuổi 20/18)"
)
_LAW2014 = date_literal(MARRIAGE_LAW_2014_FROM)


def _under(min_age: dict[str, int]) -> str:
    return (
        f"t.registration_date < t.husband_date_of_birth + INTERVAL {min_age['Nam']} YEAR"
        f" OR t.registration_date < t.wife_date_of_birth + INTERVAL {min_age['Nữ']} YEAR"
    )


def _foreign(role: str) -> tuple[str, str]:
    """A foreign party identified by passport has no personal ID (official-criteria D1)."""
    return (
        f"t.{role}_passport_no IS NOT NULL AND lower(trim(t.{role}_nationality)) NOT IN ('việt nam', 'vn', 'vnm')",
        "người nước ngoài xác định bằng hộ chiếu",
    )


_PARTIES = "(t.husband_person_id, t.wife_person_id)"
# An earlier marriage of either party, not ended before this one by divorce (noted on the
# earlier entry) or by the death of its other spouse (official-criteria D6).
# One EXISTS per (earlier column, this column) pair: each is an equality DuckDB can hash-join;
# the same test written with IN/OR lists compares every marriage with every other (5.7 s at
# 20 000 persons, quadratic). The other spouse of the earlier marriage is the column that
# did not match.
_OTHER = {"husband_person_id": "wife_person_id", "wife_person_id": "husband_person_id"}
_OPEN_EARLIER = " OR ".join(
    f"EXISTS (SELECT 1 FROM {{marriage}} m WHERE m.{mine} = t.{theirs}"
    " AND (m.registration_date < t.registration_date OR (m.registration_date = t.registration_date AND m._source_row < t._source_row))"
    " AND NOT coalesce(m.divorce_date <= t.registration_date, false)"
    f" AND NOT EXISTS (SELECT 1 FROM {{population}} p WHERE p.person_id = m.{_OTHER[mine]}"
    f" AND p.person_id NOT IN {_PARTIES} AND p.date_of_death < t.registration_date))"
    for mine in _OTHER
    for theirs in _OTHER
)

CHECKS = (
    *missing("marriage", unless={"husband_person_id": _foreign("husband"), "wife_person_id": _foreign("wife")}),
    *id_checks("marriage", "husband_person_id", None, "year(t.husband_date_of_birth)"),
    *id_checks("marriage", "wife_person_id", None, "year(t.wife_date_of_birth)"),
    Check(
        "marriage.under_age",
        "marriage",
        "dung",
        "blocking",
        _AGE_LAW,
        "Chưa đủ tuổi kết hôn",
        f"Theo luật có hiệu lực vào ngày đăng ký: từ 01/01/2015 chồng chưa đủ {MARRIAGE_MIN_AGE['Nam']} tuổi hoặc vợ chưa đủ "
        f"{MARRIAGE_MIN_AGE['Nữ']} tuổi; trước đó chồng chưa bước sang tuổi 20 hoặc vợ chưa bước sang tuổi 18.",
        sql(
            f"CASE WHEN t.registration_date >= {_LAW2014} THEN ({_under(MARRIAGE_MIN_AGE)})"
            f" ELSE ({_under(MARRIAGE_MIN_AGE_2000)}) END"
        ),
        "registration_date",
    ),
    Check(
        "marriage.same_sex",
        "marriage",
        "dung",
        "blocking",
        "official-criteria D5; Luật HN&GĐ 2014 đ.8.2 (không thừa nhận hôn nhân giữa những người cùng giới tính)",
        "Hai bên cùng giới tính",
        "Theo dữ liệu dân cư, chồng và vợ có cùng giới tính.",
        # Nested, not "FROM population h, population w": DuckDB decorrelates that pair into a
        # join on sex first (128 s and 20 GB at 20 000 persons; nested: 0.1 s).
        sql(
            "EXISTS (SELECT 1 FROM {population} h WHERE h.person_id = t.husband_person_id"
            " AND EXISTS (SELECT 1 FROM {population} w WHERE w.person_id = t.wife_person_id AND w.sex = h.sex))"
        ),
        "husband_person_id",
    ),
    Check(
        "marriage.already_married",
        "marriage",
        "dung",
        "blocking",
        _LAW + "; official-criteria D6 (đ.5.2c: cấm kết hôn khi đang có vợ, có chồng)",
        "Đang có vợ/chồng",
        "Một bên đã đăng ký kết hôn trước đó và cuộc hôn nhân đó chưa chấm dứt.",
        sql(_OPEN_EARLIER),
        "registration_date",
    ),
    Check(
        "marriage.spouse_dead",
        "marriage",
        "dung",
        "blocking",
        "domain.md §Civil registry (không có sự kiện sau khi chết)",
        "Kết hôn sau khi đã chết",
        "Một bên đã chết (theo dữ liệu dân cư) trước ngày đăng ký kết hôn.",
        # One equality lookup per party (hash joins); "p.person_id IN (husband, wife)" is
        # not an equality DuckDB can hash: 2.0 s -> 0.09 s at 1 M persons.
        sql(
            " OR ".join(
                f"EXISTS (SELECT 1 FROM {{population}} p WHERE p.person_id = t.{party} AND p.date_of_death < t.registration_date)"
                for party in _OTHER
            )
        ),
        "registration_date",
    ),
    Check(
        "marriage.spouse_not_in_population",
        "marriage",
        "du",
        "blocking",
        _LAW,
        "Vợ/chồng chưa có trong CSDL dân cư",
        "Số định danh của chồng hoặc vợ không có trong dữ liệu dân cư.",
        sql(f"({absent('husband_person_id')}) OR ({absent('wife_person_id')})"),
        "husband_person_id",
    ),
    Check(
        "marriage.spouse_mismatch",
        "marriage",
        "dung",
        "blocking",
        _LAW,
        "Thông tin vợ/chồng khác CSDL dân cư",
        "Họ tên hoặc ngày sinh của chồng hoặc vợ khác với dữ liệu dân cư.",
        sql(
            f"({differs('husband_person_id', (('p.full_name', 'husband_name'), ('p.date_of_birth', 'husband_date_of_birth')))})"
            f" OR ({differs('wife_person_id', (('p.full_name', 'wife_name'), ('p.date_of_birth', 'wife_date_of_birth')))})"
        ),
        "husband_name",
    ),
    Check(
        "marriage.future_date",
        "marriage",
        "dung",
        "blocking",
        "domain.md §Civil registry (không có ngày trong tương lai)",
        "Ngày trong tương lai",
        "Ngày đăng ký kết hôn sau ngày tham chiếu.",
        sql("t.registration_date > {as_of}"),
        "registration_date",
    ),
    *entry_checks("marriage"),
    Check(
        "marriage.divorce_before_marriage",
        "marriage",
        "dung",
        "blocking",
        "domain.md §Civil registry (ngày sự kiện theo thứ tự)",
        "Ngày ly hôn trước ngày kết hôn",
        "Ngày ly hôn ghi trên bản ghi sớm hơn ngày đăng ký kết hôn.",
        PairAtLeast("divorce_date", "registration_date"),  # GX native: divorce >= marriage
        "divorce_date",
    ),
    *place_checks("marriage", "registering_commune_code", "t.registration_date"),
    *coded("marriage", "husband_nationality", "nationality"),
    *coded("marriage", "wife_nationality", "nationality"),
    component_missing("marriage", "scan_ref", _F8, "bản quét hồ sơ"),
    *text_checks("marriage"),
)
