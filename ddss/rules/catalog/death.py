"""Checks on death registrations (Sở Tư pháp). Rows flagged: the death record."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import component_missing, entry_checks, missing, sql
from ddss.rules.catalog.ids import id_checks
from ddss.rules.catalog.places import place_checks
from ddss.rules.catalog.predicates import PairAtLeast
from ddss.rules.catalog.values import text_checks
from ddss.rules.people import DEATH_DEADLINE_DAYS

__all__ = ["CHECKS"]

_F8 = "official-criteria F8; CV 1437/BTP-CNTT (mỗi trường hợp một tệp PDF, theo bản tóm tắt — chưa kiểm chứng)"

_LAW = "domain.md §Civil registry; Luật Hộ tịch 2014 đ.33; NĐ 123/2015 đ.4.2"

CHECKS = (
    *missing("death"),
    *id_checks("death", "person_id"),
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
        "death.date_mismatch",
        "death",
        "dung",
        "blocking",
        "domain.md §Civil registry; official-criteria S2 (đối chiếu từng trường với CSDL dân cư); Luật Hộ tịch 2014 đ.60.2",
        "Ngày chết khác CSDL dân cư",
        "Ngày chết trên bản ghi khai tử khác ngày mất trong dữ liệu dân cư.",
        sql(
            "EXISTS (SELECT 1 FROM {population} p WHERE p.person_id = t.person_id"
            " AND p.date_of_death IS NOT NULL AND p.date_of_death <> t.date_of_death)"
        ),
        "date_of_death",
    ),
    Check(
        "death.registered_before_death",
        "death",
        "dung",
        "blocking",
        "domain.md §Civil registry (ngày đăng ký ≥ ngày sự kiện)",
        "Đăng ký trước ngày chết",
        "Ngày đăng ký khai tử sớm hơn ngày chết.",
        PairAtLeast("registration_date", "date_of_death"),  # GX native: registration >= death
        "registration_date",
    ),
    Check(
        "death.late_registration",
        "death",
        "song",
        "warning",
        _LAW + "; official-criteria L1 (15 ngày)",
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
    *place_checks("death", "registering_commune_code", "t.registration_date"),
    *place_checks("death", "place_of_death", "t.date_of_death"),
    component_missing("death", "scan_ref", _F8, "bản quét hồ sơ"),
    *text_checks("death"),
)
