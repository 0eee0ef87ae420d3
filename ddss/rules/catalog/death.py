"""Checks on death registrations (Sở Tư pháp). Rows flagged: the death record."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import entry_checks, missing, pre_reform_commune, sql
from ddss.rules.people import DEATH_DEADLINE_DAYS

__all__ = ["CHECKS"]

_LAW = "domain.md §Civil registry; Luật Hộ tịch 2014 đ.33"

CHECKS = (
    *missing("death"),
    Check(
        "death.person_not_in_population",
        "death",
        "du",
        "blocking",
        _LAW,
        "Người chết chưa có trong CSDL dân cư",
        "Số định danh của người chết không có trong dữ liệu dân cư.",
        sql(absent("person_id")),
        "person_id",
    ),
    Check(
        "death.name_mismatch",
        "death",
        "dung",
        "blocking",
        _LAW,
        "Họ tên khác CSDL dân cư",
        "Họ tên người chết khác với dữ liệu dân cư.",
        sql(differs("person_id", (("p.full_name", "full_name"),))),
        "full_name",
    ),
    Check(
        "death.alive_in_population",
        "death",
        "song",
        "blocking",
        "domain.md §Civil registry; QĐ 06/QĐ-TTg (dữ liệu sống)",
        "Đã khai tử nhưng dân cư vẫn còn sống",
        "Đã đăng ký khai tử nhưng dữ liệu dân cư chưa cập nhật ngày mất của người này.",
        sql("EXISTS (SELECT 1 FROM {population} p WHERE p.person_id = t.person_id AND p.date_of_death IS NULL)"),
        "person_id",
    ),
    Check(
        "death.registered_before_death",
        "death",
        "dung",
        "blocking",
        "domain.md §Civil registry (ngày đăng ký ≥ ngày sự kiện)",
        "Đăng ký trước ngày chết",
        "Ngày đăng ký khai tử sớm hơn ngày chết.",
        sql("t.registration_date < t.date_of_death"),
        "registration_date",
    ),
    Check(
        "death.late_registration",
        "death",
        "song",
        "warning",
        _LAW + " (15 ngày)",
        "Đăng ký khai tử quá hạn",
        f"Đăng ký khai tử sau hơn {DEATH_DEADLINE_DAYS} ngày kể từ ngày chết.",
        sql(f"t.registration_date <= {{as_of}} AND t.registration_date - t.date_of_death > {DEATH_DEADLINE_DAYS}"),
        "registration_date",
    ),
    Check(
        "death.future_date",
        "death",
        "dung",
        "blocking",
        "domain.md §Civil registry (không có ngày trong tương lai)",
        "Ngày trong tương lai",
        "Ngày đăng ký hoặc ngày chết sau ngày tham chiếu.",
        sql("t.registration_date > {as_of} OR t.date_of_death > {as_of}"),
        "registration_date",
    ),
    *entry_checks("death"),
    pre_reform_commune("death", ("registering_commune_code", "place_of_death"), "t.registration_date"),
)
