"""Coded values and text form, wherever the column appears (S6; domain.md §Text).

``coded``: ethnicity and nationality from the shared code tables (Luật Dữ liệu 60/2024
art. 11), compared after case and spacing are normalised, so "kinh", "H'Mông" or "01"
are the group they name. ``text_checks``: text that arrived decomposed (NFD, normalised
at ingestion) and stray spaces in every name and address column.
"""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.common import sql
from ddss.rules.catalog.predicates import NotMatches, NotTrue
from ddss.rules.people import accepted_ethnicities, accepted_nationalities
from ddss.schema import DATASETS
from ddss.sql import ident, str_literal

# Text with a leading or trailing space, two spaces (or whitespace) in a row, or a tab or line
# break: RE2's \s is [\t\n\f\r ]. Equal to "differs from itself trimmed and with spaces collapsed".
SPACING_REGEX = r"^ | $|\s\s|[\t\n\f\r]"

__all__ = ["coded", "text_checks", "text_columns"]

_LISTS = {
    "ethnicity": (
        accepted_ethnicities,
        "Dân tộc sai danh mục",
        "không thuộc danh mục 54 dân tộc Việt Nam (mã, tên hoặc cách viết khác thông dụng)",
        "QĐ 121-TCTK/PPCĐ (danh mục 54 dân tộc)",
    ),
    "nationality": (
        accepted_nationalities,
        "Quốc tịch sai danh mục",
        "không phải 'Việt Nam', mã quốc gia ISO 3166-1 hay tên nước trong danh mục",
        "batch-format.md (Việt Nam hoặc mã ISO 3166-1)",
    ),
}


def _key(col: str) -> str:
    return f"lower(regexp_replace(trim({col}), '\\s+', ' ', 'g'))"


def coded(dataset: str, column: str, kind: str | None = None) -> tuple[Check]:
    """``<dataset>.<column>_invalid``: a given value outside its code table."""
    values, title, why, basis = _LISTS[kind or column]
    c = f"t.{ident(column)}"
    header = DATASETS[dataset].column(column).header_vi
    items = ", ".join(str_literal(v) for v in values())
    return (
        Check(
            f"{dataset}.{column}_invalid",
            dataset,
            "sach",
            "blocking",
            f"official-criteria S6; Luật Dữ liệu 60/2024/QH15 đ.11 (danh mục dùng chung); {basis}",
            title,
            f"'{header}' {why}.",
            sql(f"{c} IS NOT NULL AND {_key(c)} NOT IN ({items})"),
            column,
        ),
    )


def text_columns(dataset: str) -> tuple[str, ...]:
    """Name and address columns: where NFD and stray spaces matter to a match."""
    return tuple(c.name for c in DATASETS[dataset].columns if c.personal == "name" or c.name == "address")


def text_checks(dataset: str) -> tuple[Check, ...]:
    cols = text_columns(dataset)
    nfd = Check(
        f"{dataset}.nfd_text",
        dataset,
        "sach",
        "warning",
        "domain.md §Text (Unicode NFC)",
        "Văn bản dạng NFD",
        "Văn bản đến ở dạng Unicode tổ hợp (NFD) và đã được chuẩn hoá NFC khi nạp.",
        NotTrue("_nfc_fixed"),
        cols[0] if cols else None,
    )
    spacing = tuple(
        Check(
            f"{dataset}.{col}_spacing",
            dataset,
            "sach",
            "warning",
            "domain.md §Text (khoảng trắng thừa)",
            f"{DATASETS[dataset].column(col).header_vi} có khoảng trắng thừa",
            f"'{DATASETS[dataset].column(col).header_vi}' có khoảng trắng ở đầu, cuối hoặc hai khoảng trắng liền nhau.",
            # = t.col <> regexp_replace(trim(t.col), '\\s+', ' ', 'g'), as GX's native not-match-regex
            NotMatches(col, SPACING_REGEX),
            col,
        )
        for col in cols
    )
    return (nfd, *spacing)
