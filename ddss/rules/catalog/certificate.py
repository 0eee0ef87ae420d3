"""Checks on land-use right certificates (Sở NN&MT). Rows flagged: the certificate row."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.civil_common import absent, differs
from ddss.rules.catalog.common import LEGACY_LAND_CODES, missing, sql, stale
from ddss.rules.catalog.derived import HOLDERS
from ddss.rules.catalog.ids import id_checks
from ddss.rules.catalog.values import text_checks
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
# One serial is one certificate: all its rows (one per parcel x holder) share one issue
# date and one set of holders (derived.HOLDERS: per serial and parcel, computed once per
# validation; as a correlated aggregate here, evaluated for t and for the first row, the
# check took 0.86 CPU s at 262 000 certificates, 0.16 s now).
_FIRST_ROW = "(SELECT min(c._source_row) FROM {certificate} c WHERE c.certificate_serial = t.certificate_serial)"
_DUPLICATE = (
    "t.certificate_serial IS NOT NULL AND EXISTS (SELECT 1 FROM {certificate} f WHERE f.certificate_serial = t.certificate_serial"
    f" AND f._source_row = {_FIRST_ROW} AND (f.issue_date IS DISTINCT FROM t.issue_date OR f.{HOLDERS} <> t.{HOLDERS}))"
)
_ORG = "lower(trim(t.holder_type)) IN ('tổ chức', 'to chuc', 'tc')"
_ORG_WHY = "tổ chức không có số định danh cá nhân, ngày sinh"

CHECKS = (
    *missing(
        "certificate",
        unless={"owner_person_id": (_ORG, _ORG_WHY), "owner_date_of_birth": (_ORG, _ORG_WHY)},
    ),
    *id_checks("certificate", "owner_person_id", None, "year(t.owner_date_of_birth)"),
    Check(
        "certificate.serial_format",
        "certificate",
        "dung",
        "warning",
        _LAND + "; official-criteria D11 (mẫu số phát hành theo thời kỳ, theo thực tiễn; cảnh báo)",
        "Số phát hành sai mẫu",
        "Số phát hành không đúng mẫu của thời kỳ cấp (1 chữ + 6 số đến 30/6/2004; 2 chữ + 6 số đến hết 2024;"
        " 2 chữ + 8 số từ 01/08/2024 — hai mẫu sau cùng dùng song song trong thời gian chuyển tiếp).",
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
        "Số phát hành đã dùng cho một giấy chứng nhận khác (ngày cấp khác hoặc người sử dụng khác) ở dòng trước đó;"
        " một giấy gồm nhiều thửa hoặc nhiều đồng sử dụng là hợp lệ.",
        sql(_DUPLICATE),
        "certificate_serial",
    ),
    Check(
        "certificate.repeated_row",
        "certificate",
        "sach",
        "blocking",
        "domain.md §đúng, đủ, sạch, sống (sạch: không trùng lặp)",
        "Dòng giấy chứng nhận bị lặp",
        "Cùng số phát hành, thửa đất và người sử dụng với một dòng trước đó.",
        sql(
            "t.certificate_serial IS NOT NULL AND row_number() OVER (PARTITION BY t.certificate_serial, t.commune_code,"
            " t.map_sheet_no, t.parcel_no, coalesce(t.owner_person_id, t.owner_name) ORDER BY t._source_row) > 1"
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
    Check(
        "certificate.owner_deceased_sole_holder",
        "certificate",
        "song",
        "warning",
        "official-criteria L7; KH 515/KH-BCA-BNN&MT (đồng bộ người sử dụng đất với CSDL dân cư)",
        "Chủ duy nhất đã chết, chưa cập nhật",
        "Người sử dụng duy nhất của giấy chứng nhận đã chết sau ngày cấp (theo dữ liệu dân cư): cần cập nhật biến động (thừa kế).",
        sql(
            "EXISTS (SELECT 1 FROM {population} p WHERE p.person_id = t.owner_person_id AND p.date_of_death >= t.issue_date)"
            " AND NOT EXISTS (SELECT 1 FROM {certificate} c WHERE c.certificate_serial = t.certificate_serial"
            " AND coalesce(c.owner_person_id, c.owner_name) <> t.owner_person_id)"
        ),
        "owner_person_id",
    ),
    Check(
        "certificate.owner_document_mismatch",
        "certificate",
        "dung",
        "warning",
        "official-criteria D12 (loại giấy tờ khớp độ dài số: 12 số = căn cước/CCCD, 9 số = CMND)",
        "Loại giấy tờ không khớp số",
        "Loại giấy tờ của chủ sử dụng không khớp với số: CCCD/căn cước phải có 12 số, CMND 9 số.",
        sql(
            "(lower(trim(t.owner_document_type)) IN ('cccd', 'căn cước', 'căn cước công dân', 'thẻ căn cước', 'số định danh')"
            " AND NOT regexp_matches(t.owner_person_id, '^[0-9]{12}$'))"
            " OR (lower(trim(t.owner_document_type)) IN ('cmnd', 'chứng minh nhân dân')"
            " AND NOT regexp_matches(t.owner_person_id, '^[0-9]{9}$'))"
        ),
        "owner_document_type",
    ),
    stale("certificate"),
    *text_checks("certificate"),
)
