"""Land parcels in the three official groups (domain.md §Land; official-criteria.md §4, §6.5).

The campaign of Kế hoạch 515/KH-BCA-BNN&MT reports every parcel in one of three groups; the
exact criteria were not published (official-criteria.md §7), so ddss writes its rules down:

1. **usable as is** — the parcel has no blocking finding, at least one certificate in the
   batch names it, and every such certificate has no blocking finding, with its owner
   checked against the population (ID, name and date of birth the same, alive at issue);
2. **needs correction or authentication** — every other parcel that can be located: a
   blocking finding on it or on a certificate of it, no certificate yet, or an owner not
   (yet) authenticated, e.g. because the population snapshot was not loaded;
3. **unusable** — the parcel cannot be located (commune, map sheet or parcel number
   missing) or has no usable attributes at all (neither a positive area nor a valid
   land-use code).

Group 1 also needs the three components of official-criteria F10 (attribute record, map
geometry ``geometry_ref``, scanned dossier ``scan_ref``). Those columns are optional in the
batch format: when the parcel file carries them (some row has each), a group-1 parcel must
have both; when it does not, that part of the rule cannot be applied and the scorecard says so.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ddss.rules.land import CODES_SINCE_2024, LEGACY_CODES
from ddss.sql import str_literal
from ddss.store import fetch_frame

__all__ = ["GROUPS", "RULES", "carries_components", "count_groups", "parcel_groups", "scorecard_section"]

GROUPS: dict[int, tuple[str, str]] = {
    1: ("Nhóm 1: dùng được ngay", "Group 1: usable as is"),
    2: ("Nhóm 2: cần chỉnh lý, bổ sung hoặc xác thực với CSDL dân cư", "Group 2: needs correction or authentication"),
    3: ("Nhóm 3: không sử dụng được, phải xây dựng lại", "Group 3: unusable, to be rebuilt"),
}
RULES: dict[int, tuple[str, str]] = {
    1: (
        "Thửa không có lỗi chặn; có ít nhất một giấy chứng nhận trong lô và mọi giấy chứng nhận của thửa không có lỗi chặn,"
        " chủ sử dụng đã đối khớp với CSDL dân cư (số định danh, họ tên, ngày sinh; còn sống khi cấp)."
        " Khi tệp thửa đất có các cột này: có đủ ba thành phần (thuộc tính, dữ liệu không gian, hồ sơ quét).",
        "No blocking finding on the parcel; at least one certificate in the batch and every certificate of the parcel free"
        " of blocking findings, its owner authenticated against the population (ID, name, date of birth; alive at issue);"
        " and, when the parcel file carries them, both a geometry and a scanned dossier (three components: attributes,"
        " geometry, scan).",
    ),
    2: (
        "Thửa xác định được vị trí nhưng có lỗi chặn, chưa có giấy chứng nhận, giấy chứng nhận có lỗi chặn,"
        " hoặc chủ sử dụng chưa xác thực được với CSDL dân cư.",
        "The parcel can be located but has a blocking finding, no certificate, a certificate with a blocking finding,"
        " or an owner not authenticated against the population.",
    ),
    3: (
        "Thiếu mã xã, số tờ bản đồ hoặc số thửa (không xác định được thửa), hoặc không có thuộc tính dùng được"
        " (diện tích không dương và mã loại đất trống hoặc sai danh mục).",
        "Commune, map sheet or parcel number missing (the parcel cannot be located), or no usable attributes"
        " (no positive area and no valid land-use code).",
    ),
}

_CODES = ", ".join(str_literal(c) for c in CODES_SINCE_2024 + LEGACY_CODES)


def parcel_groups(
    con: duckdb.DuckDBPyConnection,
    parcel_file: tuple[str, str],
    certificate_file: tuple[str, str] | None,
    blocking: pl.DataFrame,
    owners_checked: bool,
    components: bool = False,
) -> pl.DataFrame:
    """Group of every parcel row of ``parcel_file`` (batch_id, source_file).

    ``blocking``: (dataset, source_row) of records with an unwaived blocking finding in this
    run; ``owners_checked``: the owner checks against the population could run;
    ``components``: apply the three-components rule (``carries_components``).
    """
    con.register("_ddss_blocking", blocking.select("dataset", "source_row").to_arrow())
    cert = (
        "SELECT * FROM stg_certificate WHERE _batch_id = $cb AND _source_file = $cf"
        if certificate_file
        else "SELECT * FROM stg_certificate WHERE false"
    )
    params = {"pb": parcel_file[0], "pf": parcel_file[1], "owners": owners_checked, "components": components}
    if certificate_file:
        params |= {"cb": certificate_file[0], "cf": certificate_file[1]}
    try:
        return fetch_frame(
            con,
            f"""
            WITH p AS (SELECT * FROM stg_parcel WHERE _batch_id = $pb AND _source_file = $pf),
            c AS ({cert}),
            bad_c AS (SELECT source_row FROM _ddss_blocking WHERE dataset = 'certificate'),
            bad_p AS (SELECT source_row FROM _ddss_blocking WHERE dataset = 'parcel'),
            per_parcel AS (
                SELECT commune_code, map_sheet_no, parcel_no, count(*) AS n,
                       count(*) FILTER (WHERE _source_row IN (SELECT source_row FROM bad_c)) AS bad
                FROM c GROUP BY ALL
            )
            SELECT p._source_row AS source_row,
                CASE
                    WHEN p.commune_code IS NULL OR p.map_sheet_no IS NULL OR p.parcel_no IS NULL
                      OR (coalesce(p.area_m2, 0) <= 0 AND (p.land_use_code IS NULL OR p.land_use_code NOT IN ({_CODES})))
                        THEN 3
                    WHEN p._source_row IN (SELECT source_row FROM bad_p) THEN 2
                    WHEN k.n IS NULL OR k.bad > 0 OR NOT $owners THEN 2
                    WHEN $components AND (p.geometry_ref IS NULL OR p.scan_ref IS NULL) THEN 2
                    ELSE 1
                END AS land_group
            FROM p LEFT JOIN per_parcel k
              ON k.commune_code = p.commune_code AND k.map_sheet_no = p.map_sheet_no AND k.parcel_no = p.parcel_no
            ORDER BY p._source_row
            """,  # noqa: S608 - constant codes and fixed table names only; values are bound
            params,
        )
    finally:
        con.unregister("_ddss_blocking")


def count_groups(groups: pl.DataFrame) -> dict[int, int]:
    counts = dict(groups.group_by("land_group").len().iter_rows())
    return {g: int(counts.get(g, 0)) for g in GROUPS}


def carries_components(con: duckdb.DuckDBPyConnection, parcel_file: tuple[str, str]) -> bool:
    """The parcel file carries both component columns (some row has a geometry, some a scan)."""
    ((geometry, scan),) = con.execute(
        "SELECT bool_or(geometry_ref IS NOT NULL), bool_or(scan_ref IS NOT NULL) FROM stg_parcel"
        " WHERE _batch_id = ? AND _source_file = ?",
        list(parcel_file),
    ).fetchall()
    return bool(geometry and scan)


def scorecard_section(
    con: duckdb.DuckDBPyConnection,
    parcel_file: tuple[str, str],
    certificate_file: tuple[str, str] | None,
    blocking: pl.DataFrame,
    owners_checked: bool,
) -> dict:
    """The scorecard's ``land_groups`` (docs/scorecard.md): counts, shares, rules and notes."""
    components = carries_components(con, parcel_file)
    counts = count_groups(parcel_groups(con, parcel_file, certificate_file, blocking, owners_checked, components))
    total = sum(counts.values())
    notes = []
    if not components:
        notes.append(
            (
                "Chưa áp dụng điều kiện đủ ba thành phần dữ liệu (thuộc tính, không gian, bản quét) cho nhóm 1:"
                " tệp thửa đất không có cột dữ liệu không gian và hồ sơ quét.",
                "The three-components rule for group 1 is not applied: the parcel file has no geometry and scan columns.",
            )
        )
    if not owners_checked:
        notes.append(
            (
                "Chưa xác thực được chủ sử dụng với CSDL dân cư (thiếu dữ liệu dân cư hoặc giấy chứng nhận):"
                " không thửa nào vào nhóm 1.",
                "Owners could not be authenticated (population or certificates not loaded): no parcel is in group 1.",
            )
        )
    return {
        "parcels": total,
        "groups": [
            {
                "group": g,
                "label_vi": GROUPS[g][0],
                "label_en": GROUPS[g][1],
                "rule_vi": RULES[g][0],
                "rule_en": RULES[g][1],
                "parcels": n,
                "share": n / total if total else 0.0,
            }
            for g, n in counts.items()
        ],  # fmt: skip
        "three_components_applied": components,
        "owners_checked": owners_checked,
        "notes": [{"vi": vi, "en": en} for vi, en in notes],
    }
