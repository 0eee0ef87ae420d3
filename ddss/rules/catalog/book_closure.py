"""Checks on register book closures (Sở Tư pháp, optional dataset). Rows flagged: the
closure row of the book.

At year end each register book is closed with the total number of events and pages
written and signed (Luật Hộ tịch art. 58.2), so the digitised entries of a book can be
counted against it (official-criteria F7): fewer entries than the total means entries
missing from the electronic database, more means entries that are not in the book. A
closed book of a paper-register year with no digitised entry at all is a register year
not yet loaded (ND 87/2020 art. 24.2, official-criteria L6): a warning, the backlog of
digitisation, not a fault of the records sent.

A book is the civil files' (registering commune, Quyển số) of one event type; entries are
counted over the current rows of birth, death or marriage (every batch, not only the
last). A book with entries but no closure row (the current year's open book, or a closure
the Sở has not sent) is not judged; a batch without closures runs none of these checks
("chưa kiểm tra được").

check_ids (one block per event type, made by ``_book``): book_closure.birth_entries_missing,
book_closure.birth_entries_extra, book_closure.birth_book_not_digitised, and the same with
death_ and marriage_.
"""

from __future__ import annotations

from ddss.rules.catalog import Check
from ddss.rules.catalog.common import missing, sql
from ddss.rules.catalog.places import place_checks
from ddss.rules.catalog.predicates import Between, InSet
from ddss.sql import str_literal

__all__ = ["CHECKS", "EVENT_TYPES", "PAPER_YEARS_BEFORE"]

# Event type code of the closure row -> the civil dataset whose entries fill the book.
EVENT_TYPES: dict[str, str] = {"KS": "birth", "KT": "death", "KH": "marriage"}
_LABEL = {"birth": "khai sinh", "death": "khai tử", "marriage": "kết hôn"}
# ND 87/2020 art. 24.2: paper registers had to be digitised and loaded before 01/01/2025.
PAPER_YEARS_BEFORE = 2025

_F7 = (
    "official-criteria F7; Luật Hộ tịch 2014 đ.58.2 (khóa sổ cuối năm: tổng số trang, tổng số sự kiện); domain.md §Civil registry"
)
_L6 = "official-criteria L6; NĐ 87/2020/NĐ-CP đ.24.2 (số hóa Sổ hộ tịch giấy trước 01/01/2025); Luật Hộ tịch 2014 đ.58.2"
_ROW = "official-criteria F7; Luật Hộ tịch 2014 đ.58.2"


def _book(code: str, dataset: str) -> tuple[Check, Check, Check]:
    """The three count checks of one event type. Exactly one of them can fire on a row:
    the count is judged only on a sane closure row (book named, total given and not
    negative), so a defect of the row itself is one finding, not two."""
    n = (
        f"(SELECT count(*) FROM {{{dataset}}} e WHERE e.registering_commune_code = t.registering_commune_code "
        "AND e.register_book = t.register_book)"
    )
    this = (
        f"t.event_type = {str_literal(code)} AND t.total_entries >= 0 "
        "AND t.registering_commune_code IS NOT NULL AND t.register_book IS NOT NULL"
    )
    paper_year_absent = f"{n} = 0 AND t.book_year < {PAPER_YEARS_BEFORE}"
    label = _LABEL[dataset]
    return (
        Check(
            check_id=f"book_closure.{dataset}_entries_missing",
            dataset="book_closure",
            dimension="du",
            severity="blocking",
            rule=_F7,
            title_vi=f"Thiếu bản ghi so với tổng số khi khóa sổ ({label})",
            description_vi=(
                f"Số bản ghi {label} đã số hóa của quyển sổ ít hơn tổng số sự kiện ghi khi khóa sổ: "
                "còn sự kiện trong sổ chưa có trong cơ sở dữ liệu."
            ),
            predicate=sql(f"{this} AND {n} < t.total_entries AND NOT ({paper_year_absent})"),
            value_column="total_entries",
        ),
        Check(
            check_id=f"book_closure.{dataset}_entries_extra",
            dataset="book_closure",
            dimension="sach",
            severity="blocking",
            rule=_F7,
            title_vi=f"Nhiều bản ghi hơn tổng số khi khóa sổ ({label})",
            description_vi=(
                f"Số bản ghi {label} đã số hóa của quyển sổ nhiều hơn tổng số sự kiện ghi khi khóa sổ: "
                "có bản ghi không có trong sổ giấy."
            ),
            predicate=sql(f"{this} AND {n} > t.total_entries"),
            value_column="total_entries",
        ),
        Check(
            check_id=f"book_closure.{dataset}_book_not_digitised",
            dataset="book_closure",
            dimension="du",
            severity="warning",
            rule=_L6,
            title_vi=f"Năm đăng ký chưa số hóa ({label})",
            description_vi=(
                f"Quyển sổ {label} của một năm trước {PAPER_YEARS_BEFORE} đã khóa với sự kiện nhưng chưa có "
                "bản ghi nào trong cơ sở dữ liệu điện tử: năm đăng ký này chưa được số hóa."
            ),
            predicate=sql(f"{this} AND t.total_entries > 0 AND {paper_year_absent}"),
            value_column="book_year",
        ),
    )


CHECKS = (
    *missing("book_closure"),
    Check(
        check_id="book_closure.event_type_invalid",
        dataset="book_closure",
        dimension="dung",
        severity="blocking",
        rule=_ROW + "; docs/batch-format.md (KS, KT, KH)",
        title_vi="Loại sổ không hợp lệ",
        description_vi="Loại sổ phải là KS (khai sinh), KT (khai tử) hoặc KH (kết hôn).",
        predicate=InSet("event_type", tuple(EVENT_TYPES)),
        value_column="event_type",
    ),
    Check(
        check_id="book_closure.total_entries_negative",
        dataset="book_closure",
        dimension="dung",
        severity="blocking",
        rule=_ROW,
        title_vi="Tổng số sự kiện khi khóa sổ là số âm",
        description_vi="Tổng số sự kiện ghi khi khóa sổ không được nhỏ hơn 0.",
        predicate=Between("total_entries", min_value=0),
        value_column="total_entries",
    ),
    Check(
        check_id="book_closure.total_pages_negative",
        dataset="book_closure",
        dimension="dung",
        severity="blocking",
        rule=_ROW,
        title_vi="Tổng số trang khi khóa sổ là số âm",
        description_vi="Tổng số trang ghi khi khóa sổ không được nhỏ hơn 0.",
        predicate=Between("total_pages", min_value=0),
        value_column="total_pages",
    ),
    Check(
        check_id="book_closure.closure_date_invalid",
        dataset="book_closure",
        dimension="dung",
        severity="blocking",
        rule=_ROW + " (sổ khóa vào cuối năm của sổ)",
        title_vi="Ngày khóa sổ không hợp lệ",
        description_vi="Ngày khóa sổ phải thuộc năm của sổ hoặc sau đó, và không sau ngày đối chiếu.",
        predicate=sql("year(t.closure_date) < t.book_year OR t.closure_date > {as_of}"),
        value_column="closure_date",
    ),
    *place_checks("book_closure", "registering_commune_code", "t.closure_date"),
    *(c for code, dataset in EVENT_TYPES.items() for c in _book(code, dataset)),
)
