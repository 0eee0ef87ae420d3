"""Building blocks shared by the per-dataset catalogue modules (rules that repeat)."""

from __future__ import annotations

from ddss.admin_units import REFORM_DATE
from ddss.rules.catalog import Check
from ddss.rules.catalog.predicates import NotNull, Sql
from ddss.rules.land import LEGACY_CODES
from ddss.schema import DATASETS
from ddss.sql import date_literal, ident, str_literal

__all__ = ["LEGACY_LAND_CODES", "REFORM", "entry_checks", "missing", "sql", "stale"]

REFORM = date_literal(REFORM_DATE)
# BHK, NHK as an SQL list (parcel and certificate both test for the abolished codes).
LEGACY_LAND_CODES = ", ".join(str_literal(c) for c in LEGACY_CODES)
_DOMAIN = "domain.md"


def sql(expr: str) -> Sql:
    """A row predicate where NULL (an absent value) never counts as failing: absence is
    the business of the ``missing_*`` checks, so one empty cell yields one finding."""
    return Sql(f"coalesce(({expr}), false)")


def missing(
    dataset: str, warn: dict[str, str] | None = None, unless: dict[str, tuple[str, str]] | None = None
) -> tuple[Check, ...]:
    """đủ: one check per mandatory column (the father block is optional by law).

    ``warn``: column -> legal basis, for a column whose absence leaves the record valid
    but in need of enrichment (warning, not blocking). ``unless``: column -> (SQL that
    makes an empty value lawful, why), e.g. a foreign party identified by passport."""
    warn, unless = warn or {}, unless or {}
    out = []
    for c in DATASETS[dataset].columns:
        if not c.mandatory:
            continue
        rule = f"{_DOMAIN} §Civil registry / batch-format.md (trường bắt buộc)"
        if c.name in warn:
            rule = warn[c.name]
        if c.name in unless:
            exempt, why = unless[c.name]
            predicate: NotNull | Sql = sql(f"t.{ident(c.name)} IS NULL AND NOT coalesce(({exempt}), false)")
            rule += f"; {why}"
        else:
            predicate = NotNull(c.name)
        out.append(
            Check(
                f"{dataset}.missing_{c.name}",
                dataset,
                "du",
                "warning" if c.name in warn else "blocking",
                rule,
                f"Thiếu {c.header_vi.lower()}",
                f"Trường '{c.header_vi}' để trống"
                + (" (bản ghi vẫn hợp lệ, cần bổ sung)." if c.name in warn else " (trường bắt buộc)."),
                predicate,
                None,
            )
        )
    return tuple(out)


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


def component_missing(dataset: str, column: str, rule: str, what_vi: str) -> Check:
    """đủ (warning): an optional component column (scanned dossier, geometry) that the batch
    does carry — some row has it — is empty on this row. A batch without the column at
    all is not judged: the column is optional in the batch format."""
    c = ident(column)
    return Check(
        f"{dataset}.{column}_missing",
        dataset,
        "du",
        "warning",
        rule,
        f"Thiếu {what_vi}",
        f"Tập dữ liệu có cột '{DATASETS[dataset].column(column).header_vi}' nhưng dòng này để trống ({what_vi}).",
        sql(f"t.{c} IS NULL AND EXISTS (SELECT 1 FROM {{{dataset}}} x WHERE x.{c} IS NOT NULL)"),
        None,
    )
