"""Checks on the population reference (Công an tỉnh). Rows flagged: the population row."""

from __future__ import annotations

from ddss.admin_units import provinces_2025
from ddss.rules.cards import expiry_year_unexpected_sql
from ddss.rules.catalog import Check
from ddss.rules.catalog.common import missing, sql, stale
from ddss.rules.catalog.derived import PERSON_KEY, key_column
from ddss.rules.catalog.ids import id_checks
from ddss.rules.catalog.places import place_checks
from ddss.rules.catalog.predicates import InSet, Matches, NotMatches, PairAtLeast
from ddss.rules.catalog.values import coded, text_checks
from ddss.rules.people import SEXES
from ddss.sql import str_literal

__all__ = ["CHECKS"]

_ID_RULE = "domain.md §Personal identification number; Luật Căn cước 26/2023/QH15 đ.12; NĐ 137/2015 đ.13; TT 59/2021/TT-BCA"
_ID12 = "regexp_matches(t.person_id, '^[0-9]{12}$')"
# One person: the same name (tone placement, case, spaces aside) and date of birth, as the
# derived column ddss.rules.catalog.derived defines (computed once per validation).
_NORM = f"t.{PERSON_KEY}"
_CMND = "regexp_matches(t.person_id, '^[0-9]{9}$')"
# S1: one person under two IDs. Name and date of birth alone collide lawfully (common
# names, many births a day); with the same mother's ID as well only twins could, and twins
# are not given one name. Rows without the mother's ID are not judged; the first row of a
# group is the lawful one, like id_conflict.
_SAME_PERSON = (
    "t.mother_person_id IS NOT NULL AND t.person_id IS NOT NULL AND t.date_of_birth IS NOT NULL AND t.full_name IS NOT NULL "
    "AND first_value(t.person_id) OVER (PARTITION BY t.mother_person_id, t.date_of_birth, t.sex, "
    f"t.{key_column('full_name')} ORDER BY t._source_row) <> t.person_id"
)
_L4 = (
    "official-criteria L4; Luật Căn cước 26/2023/QH15 đ.21, đ.46 (thẻ cấp trước 01/07/2024 có giá trị đến ngày in trên thẻ);"
    " Luật CCCD 59/2014/QH13 đ.21"
)

# D2: digits 1-3 are the province where the birth was registered. The place is a commune
# code of the list valid at birth (old province: "0" + its code) or converted to the 2025
# list (any old province merged into the new one, or the new province's own code, which
# births registered after the reform carry). Only a code that fits none of these fails.
_CROSSWALK = (
    "(VALUES "
    + ", ".join(
        f"({str_literal(p.code)}, {str_literal(b)})" for p in provinces_2025().values() for b in (*p.birth_codes, "0" + p.code)
    )
    + ") AS x(province_code, birth_code)"
)
_D2 = (
    f"{_ID12} AND left(t.person_id, 3) IN (SELECT code FROM {{birth_codes}})"
    " AND t.birth_registration_place IN (SELECT code FROM {communes})"
    " AND left(t.person_id, 3) NOT IN ("
    "SELECT '0' || c.province_code FROM {communes} c WHERE c.code = t.birth_registration_place AND c.list = 'pre2025'"
    f" UNION ALL SELECT x.birth_code FROM {{communes}} c JOIN {_CROSSWALK} ON x.province_code = c.province_code"
    " WHERE c.code = t.birth_registration_place AND c.list = '2025')"
)

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
        Matches("person_id", "^([0-9]{9}|[0-9]{12})$"),  # a 9-digit CMND is legacy_cmnd's business
        "person_id",
    ),
    Check(
        "population.legacy_cmnd",
        "population",
        "sach",
        "blocking",
        "domain.md §Personal identification number (CMND không duy nhất, không dùng làm khoá); official-criteria S8",
        "Số CMND 9 số thay cho số định danh",
        "Bản ghi dùng số chứng minh nhân dân 9 số (không duy nhất, không thể dùng để đối chiếu) thay cho số định danh 12 số.",
        NotMatches("person_id", "^[0-9]{9}$"),
        "person_id",
    ),
    Check(
        "population.legacy_cmnd_stale",
        "population",
        "song",
        "warning",
        "domain.md §Personal identification number (CMND hết hiệu lực từ 01/01/2025); official-criteria L3; Luật Căn cước 2023",
        "Bản ghi từ 2025 còn dùng CMND",
        "Bản ghi cập nhật từ 01/01/2025 vẫn ghi số CMND, loại giấy tờ đã hết hiệu lực từ 31/12/2024.",
        sql(f"{_CMND} AND t.updated_at >= DATE '2025-01-01'"),
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
        "population.id_birth_place",
        "population",
        "dung",
        "warning",
        _ID_RULE + "; official-criteria D2 (TT 59/2021/TT-BCA đ.6.2)",
        "Mã tỉnh trong số định danh khác nơi đăng ký khai sinh",
        "Ba chữ số đầu của số định danh không phải mã tỉnh của nơi đăng ký khai sinh ghi trên bản ghi"
        " (nếu nơi đăng ký đúng thì số phải cấp lại).",
        sql(_D2),
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
        check_id="population.same_person_two_ids",
        dataset="population",
        dimension="sach",
        severity="warning",
        rule=(
            "official-criteria S1; Luật Căn cước 26/2023/QH15 đ.9, đ.12 (mỗi công dân một số định danh); "
            "domain.md §Personal identification number"
        ),
        title_vi="Một người có hai số định danh",
        description_vi=(
            "Cùng họ tên, ngày sinh, giới tính và cùng số định danh của mẹ với một dòng trước đó nhưng mang số định danh "
            "khác: có thể là một người được cấp hai số (anh chị em sinh đôi có tên khác nhau nên không bị tính)."
        ),
        predicate=sql(_SAME_PERSON),
        value_column="person_id",
    ),
    *id_checks("population", "mother_person_id"),
    *id_checks("population", "father_person_id"),
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
    *coded("population", "ethnicity"),
    *coded("population", "nationality"),
    Check(
        "population.death_before_birth",
        "population",
        "dung",
        "blocking",
        "domain.md §Civil registry (ngày sự kiện ≥ ngày sinh)",
        "Ngày mất trước ngày sinh",
        "Ngày mất sớm hơn ngày sinh.",
        PairAtLeast("date_of_death", "date_of_birth"),  # GX native: death >= birth
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
    *place_checks("population", "residence_commune_code", "t.updated_at", lenient_before_reform=True),
    *place_checks("population", "birth_registration_place", "t.date_of_birth", lenient_before_reform=True),
    *place_checks("population", "home_town", "t.date_of_birth", lenient_before_reform=True),
    stale("population", only_if="t.date_of_death IS NULL"),
    Check(
        check_id="population.card_expired",
        dataset="population",
        dimension="song",
        severity="warning",
        rule=_L4,
        title_vi="Thẻ căn cước đã hết hạn",
        description_vi="Người còn sống có thẻ căn cước đã quá ngày hết hạn in trên thẻ: cần cấp đổi thẻ và cập nhật.",
        predicate=sql("t.date_of_death IS NULL AND t.id_card_expiry_date < {as_of}"),
        value_column="id_card_expiry_date",
    ),
    Check(
        check_id="population.card_expiry_inconsistent",
        dataset="population",
        dimension="dung",
        severity="warning",
        rule=_L4 + "; chỉ thẻ cấp từ 01/01/2016, so năm hết hạn (ngày trong năm không có trong tài liệu tham chiếu)",
        title_vi="Hạn thẻ căn cước không khớp tuổi đổi thẻ",
        description_vi=(
            "Năm hết hạn in trên thẻ không ứng với tuổi đổi thẻ (14, 25, 40, 60; cấp trong 2 năm trước tuổi đổi thẻ "
            "thì có giá trị đến tuổi đổi thẻ tiếp theo; cấp từ 58 tuổi thì không thời hạn) theo ngày sinh và ngày cấp."
        ),
        predicate=sql(expiry_year_unexpected_sql("t.date_of_birth", "t.id_card_issue_date", "t.id_card_expiry_date")),
        value_column="id_card_expiry_date",
    ),
    *text_checks("population"),
)
