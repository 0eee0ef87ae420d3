"""Checks on the population reference (Công an tỉnh). Rows flagged: the population row."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.common import missing, pre_reform_commune, sql, stale
from ddss.rules.catalog.predicates import InSet
from ddss.rules.people import ETHNIC_GROUPS, SEXES

__all__ = ["CHECKS"]

_ID_RULE = "domain.md §Personal identification number; Luật Căn cước 26/2023/QH15 đ.12; NĐ 137/2015 đ.13; TT 59/2021/TT-BCA"
_ID12 = "regexp_matches(t.person_id, '^[0-9]{12}$')"
_NORM = "lower(regexp_replace(trim(t.full_name), '\\s+', ' ', 'g')) || '|' || coalesce(CAST(t.date_of_birth AS VARCHAR), '')"

CHECKS = (
    *missing("population"),
    Check(
        "population.id_structure",
        "population",
        "dung",
        "blocking",
        _ID_RULE,
        "Số định danh sai cấu trúc",
        "Số định danh cá nhân phải gồm đúng 12 chữ số.",
        sql("NOT regexp_matches(t.person_id, '^[0-9]{9}$') AND NOT " + _ID12),
        "person_id",
    ),
    Check(
        "population.legacy_cmnd",
        "population",
        "song",
        "blocking",
        "domain.md §Personal identification number (CMND 9 số hết hiệu lực từ 01/01/2025)",
        "Còn dùng số CMND 9 số",
        "Bản ghi vẫn dùng số chứng minh nhân dân 9 số thay cho số định danh 12 số.",
        sql("regexp_matches(t.person_id, '^[0-9]{9}$')"),
        "person_id",
    ),
    Check(
        "population.id_birth_code",
        "population",
        "dung",
        "blocking",
        _ID_RULE,
        "Mã tỉnh nơi đăng ký khai sinh sai",
        "Ba chữ số đầu của số định danh không phải mã tỉnh nơi đăng ký khai sinh hợp lệ (số phải cấp lại).",
        sql(_ID12 + " AND left(t.person_id, 3) NOT IN (SELECT code FROM {birth_codes})"),
        "person_id",
    ),
    Check(
        "population.id_sex",
        "population",
        "dung",
        "blocking",
        _ID_RULE,
        "Số định danh không khớp giới tính",
        "Chữ số thứ 4 (thế kỷ và giới tính) mâu thuẫn với giới tính của bản ghi (số phải cấp lại).",
        sql(_ID12 + " AND t.sex IN ('Nam', 'Nữ') AND (CAST(substr(t.person_id, 4, 1) AS INTEGER) % 2 = 1) <> (t.sex = 'Nữ')"),
        "person_id",
    ),
    Check(
        "population.id_birth_year",
        "population",
        "dung",
        "blocking",
        _ID_RULE,
        "Số định danh không khớp năm sinh",
        "Chữ số thứ 4–6 (thế kỷ, năm sinh) mâu thuẫn với ngày sinh của bản ghi (số phải cấp lại).",
        sql(
            _ID12 + " AND 1900 + 100 * (CAST(substr(t.person_id, 4, 1) AS INTEGER) // 2)"
            " + CAST(substr(t.person_id, 5, 2) AS INTEGER) <> year(t.date_of_birth)"
        ),
        "person_id",
    ),
    Check(
        "population.duplicate_id",
        "population",
        "sach",
        "blocking",
        "domain.md §Text; §đúng, đủ, sạch, sống (sạch: không trùng lặp)",
        "Một người bị ghi trùng",
        "Cùng số định danh, họ tên (sau khi bỏ khác biệt hoa/thường, khoảng trắng) và ngày sinh với một dòng trước đó.",
        sql(f"t.person_id IS NOT NULL AND row_number() OVER (PARTITION BY t.person_id, {_NORM} ORDER BY t._source_row) > 1"),
        "person_id",
    ),
    Check(
        "population.id_conflict",
        "population",
        "dung",
        "blocking",
        _ID_RULE,
        "Hai người dùng chung số định danh",
        "Số định danh đã thuộc về một người khác (họ tên hoặc ngày sinh khác) ở dòng trước đó.",
        sql(
            f"t.person_id IS NOT NULL AND first_value({_NORM}) OVER (PARTITION BY t.person_id ORDER BY t._source_row) <> {_NORM}"
        ),
        "person_id",
    ),
    Check(
        "population.sex_invalid",
        "population",
        "sach",
        "blocking",
        "batch-format.md §population (Nam / Nữ)",
        "Giới tính sai danh mục",
        "Giới tính phải là 'Nam' hoặc 'Nữ'.",
        InSet("sex", SEXES),
        "sex",
    ),
    Check(
        "population.ethnicity_invalid",
        "population",
        "sach",
        "blocking",
        "batch-format.md §population (54 dân tộc)",
        "Dân tộc sai danh mục",
        "Dân tộc không thuộc danh mục 54 dân tộc Việt Nam.",
        InSet("ethnicity", ETHNIC_GROUPS),
        "ethnicity",
    ),
    Check(
        "population.death_before_birth",
        "population",
        "dung",
        "blocking",
        "domain.md §Civil registry (ngày sự kiện ≥ ngày sinh)",
        "Ngày mất trước ngày sinh",
        "Ngày mất sớm hơn ngày sinh.",
        sql("t.date_of_death < t.date_of_birth"),
        "date_of_birth",
    ),
    Check(
        "population.future_date",
        "population",
        "dung",
        "blocking",
        "domain.md §Civil registry (không có ngày trong tương lai)",
        "Ngày trong tương lai",
        "Ngày sinh, ngày mất hoặc ngày cập nhật sau ngày tham chiếu.",
        sql("t.date_of_birth > {as_of} OR t.date_of_death > {as_of} OR t.updated_at >= {as_of} + INTERVAL 1 DAY"),
        "updated_at",
    ),
    pre_reform_commune("population", ("residence_commune_code",), "t.updated_at"),
    stale("population", only_if="t.date_of_death IS NULL"),
    Check(
        "population.nfd_text",
        "population",
        "sach",
        "warning",
        "domain.md §Text (Unicode NFC)",
        "Văn bản dạng NFD",
        "Văn bản đến ở dạng Unicode tổ hợp (NFD) và đã được chuẩn hoá NFC khi nạp.",
        sql("t._nfc_fixed"),
        "full_name",
    ),
    Check(
        "population.name_spacing",
        "population",
        "sach",
        "warning",
        "domain.md §Text (khoảng trắng thừa)",
        "Họ tên có khoảng trắng thừa",
        "Họ tên có khoảng trắng ở đầu, cuối hoặc hai khoảng trắng liền nhau.",
        sql("t.full_name <> regexp_replace(trim(t.full_name), '\\s+', ' ', 'g')"),
        "full_name",
    ),
)
