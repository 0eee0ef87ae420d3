"""Checks on birth registrations (Sở Tư pháp). Rows flagged: the birth record."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import component_missing, entry_checks, missing, sql
from ddss.rules.catalog.ids import id_checks
from ddss.rules.catalog.places import place_checks
from ddss.rules.catalog.predicates import PairAtLeast
from ddss.rules.catalog.values import coded, text_checks
from ddss.rules.people import BIRTH_DEADLINE_DAYS, family_name_last_keys
from ddss.sql import str_literal

__all__ = ["CHECKS"]

_F8 = "official-criteria F8; CV 1437/BTP-CNTT (mỗi trường hợp một tệp PDF, theo bản tóm tắt — chưa kiểm chứng)"


def _FAMILY(col: str) -> str:  # noqa: N802 - an SQL fragment: the family name, case aside
    """The family name of ``col``: its first word, or its last where the mother's group
    (``p.ethnicity``; the child of an undetermined father follows her) writes it last."""
    words = f"string_split(regexp_replace(trim({col}), '\\s+', ' ', 'g'), ' ')"
    last = ", ".join(str_literal(v) for v in family_name_last_keys())
    ethnicity = "lower(regexp_replace(trim(p.ethnicity), '\\s+', ' ', 'g'))"
    return f"lower(CASE WHEN {ethnicity} IN ({last}) THEN {words}[-1] ELSE {words}[1] END)"


_LAW = "domain.md §Civil registry; Luật Hộ tịch 2014; NĐ 123/2015 đ.6"
# A birth registered without a personal ID (the population DB did not return one in time)
# is valid and needs enrichment, whatever its date (official-criteria F3).
_F3 = "domain.md §Civil registry; official-criteria F3; CV 3160/BTP-CNTT 13/09/2021 (cần bổ sung, không từ chối)"

CHECKS = (
    *missing("birth", warn={"child_person_id": _F3}),
    *id_checks("birth", "child_person_id", "t.child_sex", "year(t.child_date_of_birth)"),
    *id_checks("birth", "mother_person_id", "'Nữ'", "t.mother_birth_year"),
    *id_checks("birth", "father_person_id", "'Nam'", "t.father_birth_year"),
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
        PairAtLeast("registration_date", "child_date_of_birth"),  # GX native: registration >= birth
        "registration_date",
    ),
    Check(
        "birth.late_registration",
        "birth",
        "song",
        "warning",
        "domain.md §Civil registry; official-criteria L1; Luật Hộ tịch 2014 đ.15 (60 ngày)",
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
    Check(
        "birth.registration_type_on_time",
        "birth",
        "dung",
        "warning",
        "official-criteria D7; Luật Hộ tịch 2014 đ.15; mã loại đăng ký theo mẫu số hoá của Bộ Tư pháp (1 = đúng hạn)",
        "Loại đăng ký 'đúng hạn' nhưng quá hạn",
        f"Loại đăng ký ghi 'đúng hạn' (1) nhưng ngày đăng ký sau ngày sinh hơn {BIRTH_DEADLINE_DAYS} ngày.",
        sql(f"trim(t.registration_type) = '1' AND t.registration_date - t.child_date_of_birth > {BIRTH_DEADLINE_DAYS}"),
        "registration_type",
    ),
    Check(
        "birth.father_undetermined_mismatch",
        "birth",
        "dung",
        "warning",
        "official-criteria F2; NĐ 123/2015 đ.15.2 (cha chưa xác định: họ, dân tộc, quê quán, quốc tịch theo mẹ)",
        "Không có cha nhưng trẻ không theo họ mẹ",
        "Phần khai về cha để trống nhưng họ của trẻ khác họ của mẹ (theo dữ liệu dân cư).",
        sql(
            "t.father_person_id IS NULL AND t.father_name IS NULL AND EXISTS (SELECT 1 FROM {population} p"
            " WHERE p.person_id = t.mother_person_id AND ("
            f"{_FAMILY('p.full_name')} <> {_FAMILY('t.child_name')}))"
        ),
        "child_name",
    ),
    *place_checks("birth", "registering_commune_code", "t.registration_date"),
    *place_checks("birth", "place_of_birth", "t.child_date_of_birth"),
    *place_checks("birth", "home_town", "t.child_date_of_birth", lenient_before_reform=True),
    *coded("birth", "ethnicity"),
    *coded("birth", "nationality"),
    component_missing("birth", "scan_ref", _F8, "bản quét hồ sơ"),
    *text_checks("birth"),
)
