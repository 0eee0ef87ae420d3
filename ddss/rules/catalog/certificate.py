"""Checks on land-use right certificates (Sở NN&MT). Rows flagged: the certificate row."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import LEGACY_LAND_CODES, missing, sql, stale
from ddss.rules.land import LEGACY_UNTIL, SERIAL_ERAS
from ddss.sql import date_literal, str_literal

__all__ = ["CHECKS"]

_LAND = "domain.md §Land; Luật Đất đai 2024; TT 10/2024/TT-BTNMT"
_SERIAL_OK = " OR ".join(
    f"(t.issue_date >= {date_literal(start)} AND t.issue_date < {date_literal(end)} "
    f"AND regexp_matches(t.certificate_serial, {str_literal(regex)}))"
    for start, end, regex in SERIAL_ERAS
)
_SAME_PARCEL = "p.commune_code = t.commune_code AND p.map_sheet_no = t.map_sheet_no AND p.parcel_no = t.parcel_no"

CHECKS = (
    *missing("certificate"),
    Check(
        "certificate.serial_format",
        "certificate",
        "dung",
        "blocking",
        _LAND + " (mẫu số phát hành theo thời kỳ)",
        "Số phát hành sai mẫu",
        "Số phát hành không đúng mẫu của thời kỳ cấp (1 chữ + 6 số; 2 chữ + 6 số; từ 01/08/2024: 2 chữ + 8 số).",
        sql(f"t.certificate_serial IS NOT NULL AND t.issue_date IS NOT NULL AND NOT ({_SERIAL_OK})"),
        "certificate_serial",
    ),
    Check(
        "certificate.duplicate_serial",
        "certificate",
        "sach",
        "blocking",
        _LAND + " (số phát hành duy nhất)",
        "Số phát hành bị trùng",
        "Số phát hành đã dùng cho một giấy chứng nhận ở dòng trước đó.",
        sql(
            "t.certificate_serial IS NOT NULL AND row_number() OVER (PARTITION BY t.certificate_serial ORDER BY t._source_row) > 1"
        ),
        "certificate_serial",
    ),
    Check(
        "certificate.owner_not_in_population",
        "certificate",
        "du",
        "blocking",
        _LAND + "; KH 515/KH-BCA-BNN&MT",
        "Chủ sử dụng chưa có trong CSDL dân cư",
        "Số định danh của chủ sử dụng không có trong dữ liệu dân cư.",
        sql(absent("owner_person_id")),
        "owner_person_id",
    ),
    Check(
        "certificate.owner_mismatch",
        "certificate",
        "dung",
        "blocking",
        _LAND + "; KH 515/KH-BCA-BNN&MT",
        "Thông tin chủ sử dụng khác CSDL dân cư",
        "Họ tên hoặc ngày sinh của chủ sử dụng khác với dữ liệu dân cư.",
        sql(differs("owner_person_id", (("p.full_name", "owner_name"), ("p.date_of_birth", "owner_date_of_birth")))),
        "owner_name",
    ),
    Check(
        "certificate.owner_dead",
        "certificate",
        "dung",
        "blocking",
        "domain.md §Land (chủ còn sống ngày cấp); §Civil registry",
        "Cấp cho người đã chết",
        "Chủ sử dụng đã chết (theo dữ liệu dân cư) trước ngày cấp giấy chứng nhận.",
        sql("EXISTS (SELECT 1 FROM {population} p WHERE p.person_id = t.owner_person_id AND p.date_of_death < t.issue_date)"),
        "issue_date",
    ),
    Check(
        "certificate.owner_minor",
        "certificate",
        "dung",
        "blocking",
        _LAND,
        "Chủ sử dụng chưa thành niên",
        "Chủ sử dụng chưa đủ 18 tuổi vào ngày cấp.",
        sql("t.issue_date < t.owner_date_of_birth + INTERVAL 18 YEAR"),
        "issue_date",
    ),
    Check(
        "certificate.parcel_missing",
        "certificate",
        "du",
        "blocking",
        _LAND,
        "Thửa đất không tồn tại",
        "Giấy chứng nhận ghi một thửa đất (xã, tờ, thửa) không có trong dữ liệu thửa đất.",
        sql(f"t.parcel_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {{parcel}} p WHERE {_SAME_PARCEL})"),
        "parcel_no",
    ),
    Check(
        "certificate.land_use_outdated",
        "certificate",
        "song",
        "blocking",
        _LAND + " (BHK, NHK gộp vào HNK từ 01/08/2024)",
        "Cấp mới với mã loại đất đã bãi bỏ",
        "Giấy cấp từ 01/08/2024 cho thửa đất còn mang mã BHK/NHK.",
        sql(
            f"t.issue_date >= {date_literal(LEGACY_UNTIL)} AND EXISTS (SELECT 1 FROM {{parcel}} p WHERE {_SAME_PARCEL}"
            f" AND p.land_use_code IN ({LEGACY_LAND_CODES}))"
        ),
        "issue_date",
    ),
    Check(
        "certificate.future_date",
        "certificate",
        "dung",
        "blocking",
        "domain.md §Land (ngày cấp không sau hôm nay)",
        "Ngày cấp trong tương lai",
        "Ngày cấp sau ngày tham chiếu.",
        sql("t.issue_date > {as_of}"),
        "issue_date",
    ),
    stale("certificate"),
)
