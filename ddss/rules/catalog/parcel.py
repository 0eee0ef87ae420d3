"""Checks on land parcels (Sở Nông nghiệp và Môi trường). Rows flagged: the parcel row."""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.common import LEGACY_LAND_CODES, component_missing, missing, sql, stale
from ddss.rules.catalog.places import place_checks
from ddss.rules.catalog.predicates import Between, InSet
from ddss.rules.catalog.values import text_checks
from ddss.rules.land import CODES_SINCE_2024, LEGACY_CODES, LEGACY_UNTIL
from ddss.sql import date_literal

__all__ = ["CHECKS"]

_LAND = "domain.md §Land; Luật Đất đai 2024; TT 08/2024/TT-BTNMT"

CHECKS = (
    *missing("parcel"),
    Check(
        "parcel.area_nonpositive",
        "parcel",
        "dung",
        "blocking",
        _LAND,
        "Diện tích không dương",
        "Diện tích thửa đất phải lớn hơn 0 m².",
        Between("area_m2", min_value=0, strict_min=True),  # GX native: area > 0
        "area_m2",
    ),
    Check(
        "parcel.duplicate_key",
        "parcel",
        "sach",
        "blocking",
        _LAND + " (thửa duy nhất theo xã, tờ, số thửa)",
        "Thửa đất bị trùng",
        "Cùng mã xã, tờ bản đồ và số thửa với một dòng trước đó.",
        sql("row_number() OVER (PARTITION BY t.commune_code, t.map_sheet_no, t.parcel_no ORDER BY t._source_row) > 1"),
        "parcel_no",
    ),
    Check(
        "parcel.land_use_unknown",
        "parcel",
        "sach",
        "blocking",
        _LAND + "; Luật Dữ liệu 60/2024 đ.11 (danh mục dùng chung)",
        "Mã mục đích sử dụng sai danh mục",
        "Mã loại đất không có trong danh mục mã loại đất.",
        InSet("land_use_code", CODES_SINCE_2024 + LEGACY_CODES),
        "land_use_code",
    ),
    Check(
        "parcel.land_use_outdated",
        "parcel",
        "song",
        "blocking",
        _LAND + " (BHK, NHK gộp vào HNK từ 01/08/2024)",
        "Mã loại đất đã bãi bỏ",
        "Bản ghi cập nhật từ 01/08/2024 vẫn dùng mã BHK/NHK đã gộp vào HNK.",
        sql(f"t.land_use_code IN ({LEGACY_LAND_CODES}) AND t.updated_at >= {date_literal(LEGACY_UNTIL)}"),
        "land_use_code",
    ),
    Check(
        "parcel.purpose_areas_exceed",
        "parcel",
        "dung",
        "warning",
        "official-criteria D13 (tổng diện tích theo mục đích ≤ diện tích thửa; thực tiễn, chưa kiểm chứng văn bản)",
        "Diện tích theo mục đích vượt diện tích thửa",
        "Tổng diện tích đất ở và diện tích mục đích khác lớn hơn diện tích thửa đất.",
        sql(
            "(t.area_residential_m2 IS NOT NULL OR t.area_other_m2 IS NOT NULL) AND t.area_m2 > 0"
            " AND coalesce(t.area_residential_m2, 0) + coalesce(t.area_other_m2, 0) > t.area_m2 + 0.005"
        ),
        "area_m2",
    ),
    *place_checks("parcel", "commune_code", "t.updated_at", lenient_before_reform=True),
    stale("parcel"),
    component_missing(
        "parcel",
        "geometry_ref",
        "official-criteria F10; báo cáo Bộ NN&MT 02/2026 (thuộc tính, không gian, bản quét)",
        "dữ liệu không gian",
    ),
    component_missing(
        "parcel", "scan_ref", "official-criteria F10; báo cáo Bộ NN&MT 02/2026 (thuộc tính, không gian, bản quét)", "hồ sơ quét"
    ),
    *text_checks("parcel"),
)
