"""Register book closures (F7, L6): one closure table, every rule's flagged rows.

Each closure row is one case; a rule must flag exactly its failing rows and none of the
lawful ones or look-alikes (an empty paper year, an open book with no closure row, the
same Quyển số in another commune, a book closed in the January after its year, a closure
row with a defect of its own that must not also count as a book total that differs).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.rules.harness import HCM_NEW, HCM_OLD_CLOSED, OTHER_PROVINCE, failing

D = dt.date
X = HCM_NEW


def _close(book: str, year: int, total: int | None, *, ev: str = "KS", commune: str = X, pages: int = 1, closed=None) -> dict:
    return {
        "registering_commune_code": commune,
        "event_type": ev,
        "register_book": book,
        "book_year": year,
        "total_entries": total,
        "total_pages": pages,
        "closure_date": closed or D(year, 12, 31),
    }


CLOSURES = [
    _close("2025/KS", 2025, 2, closed=D(2026, 1, 5)),  # 1 lawful: closed in the following January
    _close("2024/KS", 2024, 3),  # 2 one birth of three digitised: entries missing
    _close("2023/KS", 2023, 0),  # 3 one birth in a book closed empty: entry not in the book
    _close("2019/KS", 2019, 10),  # 4 paper year, nothing digitised: L6
    _close("2025/KS-2", 2025, 5),  # 5 a 2025 book with nothing digitised: entries missing, not L6
    _close("2025/KT", 2025, 1, ev="KT"),  # 6 lawful death book
    _close("2018/KS", 2018, 0),  # 7 lawful: a paper year closed with no event
    _close("2022/KS", 2022, -1),  # 8 negative total: its own defect only
    _close("2025/KS", 2025, 1, commune=OTHER_PROVINCE),  # 9 lawful: same book number, another commune
    _close("2021/KS", 2021, 1, closed=D(2020, 12, 31)),  # 10 closed before its year (count lawful)
    _close("2025/KS", 2025, 2, ev="KX"),  # 11 unknown event type
    _close("2020/KS", 2020, 1, pages=-2),  # 12 negative pages (count lawful)
    _close("2024/KT", 2024, 2, ev="KT"),  # 13 death: one of two digitised
    _close("2010/KH", 2010, 1, ev="KH"),  # 14 marriage: two digitised, one in the book
    _close("2012/KH", 2012, 4, ev="KH"),  # 15 marriage paper year not digitised
    _close("2013/KH", 2013, 3, ev="KH"),  # 16 marriage: one of three digitised
    _close("2023/KT", 2023, 0, ev="KT"),  # 17 death: one digitised, book closed empty
    _close("2016/KT", 2016, 7, ev="KT"),  # 18 death paper year not digitised
    _close("2025/KH", 2025, 1, ev="KH"),  # 19 lawful marriage book
    _close("2026/KS", 2026, 1, closed=D(2026, 12, 31)),  # 20 closed after the reference date (count lawful)
]


def _entries(books: list[tuple[str, str, int]]) -> list[dict]:
    """(commune, book, how many) -> civil rows with just what the count reads."""
    out = []
    for commune, book, n in books:
        out += [{"registering_commune_code": commune, "register_book": book, "entry_no": i + 1} for i in range(n)]
    return out


TABLES = {
    "book_closure": CLOSURES,
    # "2026/KS" of commune X has a birth but no closure row other than row 20; "2026/KT" is
    # the open current-year book: not judged.
    "birth": _entries(
        [
            (X, "2025/KS", 2),
            (X, "2024/KS", 1),
            (X, "2023/KS", 1),
            (X, "2022/KS", 1),
            (OTHER_PROVINCE, "2025/KS", 1),
            (X, "2021/KS", 1),
            (X, "2020/KS", 1),
            (X, "2026/KS", 1),
        ]
    ),
    "death": _entries([(X, "2025/KT", 1), (X, "2024/KT", 1), (X, "2023/KT", 1), (X, "2026/KT", 3)]),
    "marriage": _entries([(X, "2010/KH", 2), (X, "2013/KH", 1), (X, "2025/KH", 1)]),
}

CASES = [
    ("book_closure.birth_entries_missing", [2, 5]),
    ("book_closure.birth_entries_extra", [3]),
    ("book_closure.birth_book_not_digitised", [4]),
    ("book_closure.death_entries_missing", [13]),
    ("book_closure.death_entries_extra", [17]),
    ("book_closure.death_book_not_digitised", [18]),
    ("book_closure.marriage_entries_missing", [16]),
    ("book_closure.marriage_entries_extra", [14]),
    ("book_closure.marriage_book_not_digitised", [15]),
    ("book_closure.total_entries_negative", [8]),
    ("book_closure.total_pages_negative", [12]),
    ("book_closure.closure_date_invalid", [10, 20]),
    ("book_closure.event_type_invalid", [11]),
]


@pytest.mark.parametrize(("check_id", "expected"), CASES, ids=[c[0] for c in CASES])
def test_closure_rule(tmp_path, check_id, expected):
    assert failing(tmp_path, check_id, TABLES) == expected


def test_a_closed_pre_reform_commune_is_lawful_for_its_own_years(tmp_path):
    rows = [
        _close("2020/KS", 2020, 0, commune=HCM_OLD_CLOSED),  # closed before the reform: lawful
        _close("2025/KS", 2025, 0, commune=HCM_OLD_CLOSED, closed=D(2025, 6, 30)),  # its last day: lawful
        _close("2025/KS", 2025, 0, commune=HCM_OLD_CLOSED, closed=D(2025, 12, 31)),  # after the reform
    ]
    assert failing(tmp_path, "book_closure.registering_commune_code_pre_reform", {"book_closure": rows}) == [3]


def test_a_missing_total_is_one_finding(tmp_path):
    rows = [_close("2025/KS", 2025, 1), _close("2024/KS", 2024, None)]
    tables = {"book_closure": rows, "birth": _entries([(X, "2025/KS", 1), (X, "2024/KS", 1)])}
    for i, (check_id, expected) in enumerate(
        (
            ("book_closure.missing_total_entries", [2]),
            ("book_closure.birth_entries_missing", []),
            ("book_closure.birth_entries_extra", []),
        )
    ):
        (tmp_path / str(i)).mkdir()  # one database per check: the harness fills the file it is given
        assert failing(tmp_path / str(i), check_id, tables) == expected, check_id


def test_a_batch_without_closures_runs_none_of_their_checks():
    """The dataset is optional: absent, every closure check is "chưa kiểm tra được", never failed."""
    from ddss.checks.gx_run import not_run_reasons
    from ddss.rules.catalog import for_dataset

    reasons = not_run_reasons({"population", "birth", "death", "marriage", "parcel", "certificate"})
    closure_checks = {c.check_id for c in for_dataset("book_closure")}
    assert closure_checks <= set(reasons)
    assert all("book_closure" in reasons[c] for c in closure_checks)
    assert not any(c.startswith("birth.") for c in reasons)
