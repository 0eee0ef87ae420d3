"""Checks on birth registrations (Sở Tư pháp). Rows flagged: the birth record."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import entry_checks, missing, pre_reform_commune, sql
from ddss.rules.people import BIRTH_DEADLINE_DAYS

__all__ = ["CHECKS"]

_LAW = "domain.md §Civil registry; Luật Hộ tịch 2014; NĐ 123/2015 đ.6"

CHECKS = (
    *missing("birth"),
    Check(
        "birth.child_not_in_population",
        "birth",
        "du",
        "blocking",
        _LAW,
        "Trẻ chưa có trong CSDL dân cư",
        "Số định danh của trẻ không có trong dữ liệu dân cư.",
        sql(absent("child_person_id")),
        "child_person_id",
    ),
    Check(
        "birth.child_mismatch",
        "birth",
        "dung",
        "blocking",
        _LAW,
        "Thông tin trẻ khác CSDL dân cư",
        "Họ tên, giới tính hoặc ngày sinh của trẻ khác với dữ liệu dân cư.",
        sql(
            differs(
                "child_person_id",
                (("p.full_name", "child_name"), ("p.date_of_birth", "child_date_of_birth"), ("p.sex", "child_sex")),
            )
        ),
        "child_name",
    ),
    Check(
        "birth.mother_not_in_population",
        "birth",
        "du",
        "blocking",
        _LAW,
        "Mẹ chưa có trong CSDL dân cư",
        "Số định danh của mẹ không có trong dữ liệu dân cư.",
        sql(absent("mother_person_id")),
        "mother_person_id",
    ),
    Check(
        "birth.mother_mismatch",
        "birth",
        "dung",
        "blocking",
        _LAW,
        "Thông tin mẹ khác CSDL dân cư",
        "Họ tên hoặc năm sinh của mẹ khác với dữ liệu dân cư.",
        sql(differs("mother_person_id", (("p.full_name", "mother_name"), ("year(p.date_of_birth)", "mother_birth_year")))),
        "mother_name",
    ),
    Check(
        "birth.father_not_in_population",
        "birth",
        "du",
        "blocking",
        _LAW,
        "Cha chưa có trong CSDL dân cư",
        "Số định danh của cha không có trong dữ liệu dân cư.",
        sql(absent("father_person_id")),
        "father_person_id",
    ),
    Check(
        "birth.father_mismatch",
        "birth",
        "dung",
        "blocking",
        _LAW,
        "Thông tin cha khác CSDL dân cư",
        "Họ tên hoặc năm sinh của cha khác với dữ liệu dân cư.",
        sql(differs("father_person_id", (("p.full_name", "father_name"), ("year(p.date_of_birth)", "father_birth_year")))),
        "father_name",
    ),
    Check(
        "birth.registered_before_birth",
        "birth",
        "dung",
        "blocking",
        "domain.md §Civil registry (ngày đăng ký ≥ ngày sự kiện)",
        "Đăng ký trước ngày sinh",
        "Ngày đăng ký khai sinh sớm hơn ngày sinh của trẻ.",
        sql("t.registration_date < t.child_date_of_birth"),
        "registration_date",
    ),
    Check(
        "birth.late_registration",
        "birth",
        "song",
        "warning",
        "domain.md §Civil registry; Luật Hộ tịch 2014 đ.15 (60 ngày)",
        "Đăng ký khai sinh quá hạn",
        f"Đăng ký khai sinh sau hơn {BIRTH_DEADLINE_DAYS} ngày kể từ ngày sinh (đăng ký muộn).",
        sql(f"t.registration_date <= {{as_of}} AND t.registration_date - t.child_date_of_birth > {BIRTH_DEADLINE_DAYS}"),
        "registration_date",
    ),
    Check(
        "birth.future_date",
        "birth",
        "dung",
        "blocking",
        "domain.md §Civil registry (không có ngày trong tương lai)",
        "Ngày trong tương lai",
        "Ngày đăng ký hoặc ngày sinh sau ngày tham chiếu.",
        sql("t.registration_date > {as_of} OR t.child_date_of_birth > {as_of}"),
        "registration_date",
    ),
    *entry_checks("birth"),
    pre_reform_commune("birth", ("registering_commune_code", "place_of_birth"), "t.registration_date"),
)
