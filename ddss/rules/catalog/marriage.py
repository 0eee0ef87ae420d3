"""Checks on marriage registrations (Sở Tư pháp). Rows flagged: the marriage record."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import entry_checks, missing, pre_reform_commune, sql
from ddss.rules.people import MARRIAGE_MIN_AGE

__all__ = ["CHECKS"]

_LAW = "domain.md §Civil registry; Luật Hôn nhân và gia đình 2014 đ.8; TTLT 01/2016 đ.2.1"
_PARTIES = "(t.husband_person_id, t.wife_person_id)"
# An earlier marriage of either party, not ended by the death of its other spouse before this one.
_OPEN_EARLIER = (
    "EXISTS (SELECT 1 FROM {marriage} m WHERE (m.husband_person_id IN " + _PARTIES + " OR m.wife_person_id IN " + _PARTIES + ")"
    " AND (m.registration_date < t.registration_date OR (m.registration_date = t.registration_date AND m._source_row < t._source_row))"
    " AND NOT EXISTS (SELECT 1 FROM {population} p WHERE p.person_id IN (m.husband_person_id, m.wife_person_id)"
    " AND p.person_id NOT IN " + _PARTIES + " AND p.date_of_death < t.registration_date))"
)

CHECKS = (
    *missing("marriage"),
    Check(
        "marriage.under_age",
        "marriage",
        "dung",
        "blocking",
        _LAW,
        "Chưa đủ tuổi kết hôn",
        f"Chồng chưa đủ {MARRIAGE_MIN_AGE['Nam']} tuổi hoặc vợ chưa đủ {MARRIAGE_MIN_AGE['Nữ']} tuổi vào ngày đăng ký.",
        sql(
            f"t.registration_date < t.husband_date_of_birth + INTERVAL {MARRIAGE_MIN_AGE['Nam']} YEAR"
            f" OR t.registration_date < t.wife_date_of_birth + INTERVAL {MARRIAGE_MIN_AGE['Nữ']} YEAR"
        ),
        "registration_date",
    ),
    Check(
        "marriage.already_married",
        "marriage",
        "dung",
        "blocking",
        _LAW + " (đ.5: cấm kết hôn khi đang có vợ, có chồng)",
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
        sql(
            "EXISTS (SELECT 1 FROM {population} p WHERE p.person_id IN "
            + _PARTIES
            + " AND p.date_of_death < t.registration_date)"
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
    pre_reform_commune("marriage", ("registering_commune_code",), "t.registration_date"),
)
