"""Building blocks shared by the per-dataset catalogue modules (rules that repeat)."""

from __future__ import annotations

from ddss.admin_units import REFORM_DATE
from ddss.rules.catalog import Check
from ddss.rules.catalog.predicates import NotNull, Sql
from ddss.rules.land import LEGACY_CODES
from ddss.schema import DATASETS
from ddss.sql import date_literal, ident, str_literal

__all__ = ["LEGACY_LAND_CODES", "REFORM", "entry_checks", "missing", "pre_reform_commune", "sql", "stale"]

REFORM = date_literal(REFORM_DATE)
# BHK, NHK as an SQL list (parcel and certificate both test for the abolished codes).
LEGACY_LAND_CODES = ", ".join(str_literal(c) for c in LEGACY_CODES)
_DOMAIN = "domain.md"


def sql(expr: str) -> Sql:
    """A row predicate where NULL (an absent value) never counts as failing: absence is
    the business of the ``missing_*`` checks, so one empty cell yields one finding."""
    return Sql(f"coalesce(({expr}), false)")


def missing(dataset: str) -> tuple[Check, ...]:
    """đủ: one NotNull check per mandatory column (the father block is optional by law)."""
    return tuple(
        Check(
            f"{dataset}.missing_{c.name}",
            dataset,
            "du",
            "blocking",
            f"{_DOMAIN} §Civil registry / batch-format.md (trường bắt buộc)",
            f"Thiếu {c.header_vi.lower()}",
            f"Trường bắt buộc '{c.header_vi}' để trống.",
            NotNull(c.name),
            None,
        )
        for c in DATASETS[dataset].columns
        if c.mandatory
    )


def pre_reform_commune(dataset: str, columns: tuple[str, ...], date_expr: str) -> Check:
    """sống: a record dated after 1 July 2025 must carry 2025 communes of this province."""
    valid = "(SELECT code FROM {communes} WHERE list = '2025' AND province_code = {province})"
    bad = " OR ".join(f"t.{ident(c)} NOT IN {valid}" for c in columns)
    return Check(
        f"{dataset}.pre_reform_commune",
        dataset,
        "song",
        "blocking",
        f"{_DOMAIN} §Administrative units; Nghị quyết 202/2025/QH15",
        "Mã xã cũ / ngoài tỉnh sau sắp xếp",
        "Bản ghi cập nhật sau 01/07/2025 nhưng mã xã không thuộc danh mục xã mới của tỉnh (mã trước sắp xếp hoặc của tỉnh khác).",
        sql(f"{date_expr} >= {REFORM} AND ({bad})"),
        columns[0],
    )


def stale(dataset: str, only_if: str | None = None) -> Check:
    """sống: updated_at older than the dataset's allowed age. ``only_if`` narrows the rows
    the rule applies to (a deceased person's record is closed, not stale)."""
    expr = "t.updated_at < {as_of} - INTERVAL ({fresh_days}) DAY"
    return Check(
        f"{dataset}.stale",
        dataset,
        "song",
        "warning",
        f"{_DOMAIN} §đúng, đủ, sạch, sống (sống: cập nhật kịp thời); pyproject [tool.ddss.freshness_days]",
        "Lâu chưa cập nhật",
        "Ngày cập nhật cũ hơn thời hạn cho phép của tập dữ liệu.",
        sql(f"({only_if}) AND {expr}" if only_if else expr),
        "updated_at",
    )


def entry_checks(dataset: str) -> tuple[Check, ...]:
    """sạch: register entries 1..n per book (commune, book): no repeats, no gaps."""
    book = "t.registering_commune_code, t.register_book"
    rule = f"{_DOMAIN} §Civil registry (sổ hộ tịch); Luật Hộ tịch 2014; TT 04/2020/TT-BTP"
    return (
        Check(
            f"{dataset}.entry_repeated",
            dataset,
            "sach",
            "blocking",
            rule,
            "Số đăng ký bị lặp",
            "Số thứ tự trong sổ đã dùng cho một bản ghi trước đó cùng quyển.",
            sql(f"row_number() OVER (PARTITION BY {book}, t.entry_no ORDER BY t._source_row) > 1"),
            "entry_no",
        ),
        Check(
            f"{dataset}.entry_gap",
            dataset,
            "sach",
            "blocking",
            rule,
            "Số đăng ký bị nhảy cóc",
            "Số thứ tự trong sổ lớn hơn số liền trước quá 1 (thiếu số) hoặc quyển không bắt đầu từ 1.",
            sql(f"t.entry_no - coalesce(lag(t.entry_no) OVER (PARTITION BY {book} ORDER BY t.entry_no, t._source_row), 0) > 1"),
            "entry_no",
        ),
    )
