"""D1, D12, S8 on every personal-ID column of the civil registry and land records.

The population's own ``person_id`` has its finer checks in population.py. Here, per ID
column: ``<dataset>.<column>_invalid`` — not a 12-digit personal ID (a typo, or a 9-digit
CMND, which is not unique and never a key: domain.md); ``<dataset>.<column>_reissue`` —
12 digits whose province, century/sex or year digits contradict the record, an ID that
is cancelled and re-issued (TT 59/2021/TT-BCA art. 6). A foreign party identified by
passport has no personal ID and is not checked here (see ``missing``'s exceptions).
"""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.common import sql
from ddss.rules.catalog.predicates import Matches
from ddss.schema import DATASETS
from ddss.sql import ident

__all__ = ["ID12", "ID_RULE", "id_checks", "id_digits_wrong"]

ID_RULE = (
    "domain.md §Personal identification number; official-criteria D1, D12, S8; Luật Căn cước 26/2023/QH15 đ.12; "
    "NĐ 137/2015 đ.13; TT 59/2021/TT-BCA đ.6"
)


def ID12(col: str) -> str:  # noqa: N802 - reads as the pattern it tests
    return f"regexp_matches({col}, '^[0-9]{{12}}$')"


def id_digits_wrong(col: str, sex_expr: str | None = None, year_expr: str | None = None) -> str:
    """SQL: a 12-digit ID whose digits 1-3 are no birth code, or whose digit 4 / 5-6
    contradict the sex / birth year the record gives (either may be None)."""
    parts = [f"left({col}, 3) NOT IN (SELECT code FROM {{birth_codes}})"]
    if sex_expr is not None:
        parts.append(f"(CAST(substr({col}, 4, 1) AS INTEGER) % 2 = 1) <> ({sex_expr} = 'Nữ')")
    if year_expr is not None:
        parts.append(
            f"1900 + 100 * (CAST(substr({col}, 4, 1) AS INTEGER) // 2) + CAST(substr({col}, 5, 2) AS INTEGER) <> {year_expr}"
        )
    return f"{ID12(col)} AND ({' OR '.join(parts)})"


def id_checks(dataset: str, column: str, sex_expr: str | None = None, year_expr: str | None = None) -> tuple[Check, Check]:
    """The sex and year digits are judged against the record only for an ID the population
    does not hold: for one it holds, the population's own ID checks judge the number and
    the ``_mismatch`` checks the record, so a wrong birth year on the record is not
    mistaken for a number to re-issue."""
    c = f"t.{ident(column)}"
    code_wrong = id_digits_wrong(c)
    digits_wrong = id_digits_wrong(c, sex_expr, year_expr)
    reissue = (
        f"({code_wrong}) OR (({digits_wrong}) AND {c} NOT IN (SELECT person_id FROM {{population}} WHERE person_id IS NOT NULL))"
        if sex_expr is not None or year_expr is not None
        else code_wrong
    )
    header = DATASETS[dataset].column(column).header_vi
    return (
        Check(
            f"{dataset}.{column}_invalid",
            dataset,
            "dung",
            "blocking",
            ID_RULE,
            f"{header} không phải số định danh 12 số",
            f"'{header}' không gồm đúng 12 chữ số (sai cấu trúc, hoặc số CMND 9 số — không dùng làm khoá vì không duy nhất).",
            Matches(column, "^[0-9]{12}$"),  # GX native; empty is the missing_* check's business
            column,
        ),
        Check(
            f"{dataset}.{column}_reissue",
            dataset,
            "dung",
            "blocking",
            ID_RULE,
            f"{header} sai, phải cấp lại",
            "Ba chữ số đầu không phải mã tỉnh đăng ký khai sinh, hoặc chữ số giới tính/năm sinh mâu thuẫn với bản ghi: "
            "số định danh phải hủy và cấp lại (TT 59/2021/TT-BCA đ.6).",
            sql(reissue),
            column,
        ),
    )
