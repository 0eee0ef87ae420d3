"""Administrative-unit codes (S6, S7): every commune-code column, valid for its own date.

Codes are never reissued, but the list in force depends on the date (domain.md
§Administrative units): before 1 July 2025 the pre-reform list, from then on the 2025
list. A code of another province is a correct code (a birth in another province's
hospital, a death away from home): the checks ask "valid anywhere in the country at the
record's date", never "in this province". Each column has its own checks, so a finding
names the column that failed.
"""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.common import REFORM, sql
from ddss.schema import DATASETS
from ddss.sql import ident

__all__ = ["place_checks"]

_LIST = "(SELECT code FROM {communes} WHERE list = '%s')"
_RULE = "domain.md §Administrative units; official-criteria S6, S7; QĐ 19/2025/QĐ-TTg; Nghị quyết 202/2025/QH15"


def place_checks(dataset: str, column: str, date_expr: str, lenient_before_reform: bool = False) -> tuple[Check, Check]:
    """``<dataset>.<column>_unknown`` (sạch): the code is in no list valid at ``date_expr``;
    ``<dataset>.<column>_pre_reform`` (sống): dated from the reform but a closed pre-reform code.
    ``lenient_before_reform``: a column a database may keep as first written or convert to
    the 2025 list without a new record date (where a birth was registered, a home town, a
    residence, a parcel's commune): before the reform either list is accepted. Event
    columns (registering commune, place of birth or death) use the list of their date."""
    c = f"t.{ident(column)}"
    header = DATASETS[dataset].column(column).header_vi
    pre, new = _LIST % "pre2025", _LIST % "2025"
    unknown = f"{c} NOT IN {pre} AND {c} NOT IN {new}"
    if not lenient_before_reform:  # a record dated before the reform must use the list then in force
        unknown = f"({unknown}) OR ({date_expr} < {REFORM} AND {c} NOT IN {pre})"
    return (
        Check(
            f"{dataset}.{column}_unknown",
            dataset,
            "sach",
            "blocking",
            _RULE,
            f"Mã đơn vị hành chính sai danh mục ({header})",
            f"Mã '{header}' không có trong danh mục xã của cả nước có hiệu lực vào ngày của bản ghi.",
            sql(unknown),
            column,
        ),
        Check(
            f"{dataset}.{column}_pre_reform",
            dataset,
            "song",
            "blocking",
            _RULE,
            f"Mã xã cũ sau sắp xếp ({header})",
            f"Bản ghi từ 01/07/2025 nhưng '{header}' còn mang mã xã đã đóng khi sắp xếp đơn vị hành chính.",
            sql(f"{date_expr} >= {REFORM} AND {c} IN {pre} AND {c} NOT IN {new}"),
            column,
        ),
    )
