"""Register book closure defects (book_closure, official-criteria F7, L6).

Runs after the civil defects. First the clean totals are brought in line with the civil
entries as they will be loaded: a civil defect that moves an entry out of its book (an
empty or changed Quyển số or commune, a row quarantined at load) or adds one (a second
marriage appended to a book) is that record's defect only, and must not also show as a
book total that differs. Then each kind is injected on rows no other kind touched:
a total raised (entries missing), lowered (entries extra), a closed paper-era book with
no digitised entry (appended), and defects of the closure row itself.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ddss import admin_units
from ddss.admin_units import REFORM_DATE
from ddss.rules.catalog.book_closure import EVENT_TYPES, PAPER_YEARS_BEFORE
from generators.closures import BOOK, loaded_entries
from generators.defects.plan import Plan

__all__ = ["apply"]

DS = "book_closure"
_KEY = BOOK[:3]


def apply(plan: Plan) -> None:
    if DS not in plan.frames or plan.frames[DS].is_empty():
        return
    _reconcile(plan)
    for code, dataset in EVENT_TYPES.items():
        _counts(plan, code, dataset)
    for code, dataset in EVENT_TYPES.items():
        _not_digitised(plan, code, dataset)
    _row_defects(plan)


def _reconcile(plan: Plan) -> None:
    df = plan.frames[DS]
    n = (
        df.select(_KEY)
        .join(loaded_entries(plan.frames, plan.raw_overrides), on=_KEY, how="left", maintain_order="left")["_n"]
        .fill_null(0)
    )
    plan.frames[DS] = df.with_columns(n.alias("total_entries"))


def _counts(plan: Plan, code: str, dataset: str) -> None:
    df = plan.frames[DS]
    own = (df["event_type"] == code).to_numpy() & (df["total_entries"].fill_null(0) >= 1).to_numpy()
    rng = plan.rng(f"{DS}.{dataset}.counts")

    kind = f"{DS}.{dataset}_entries_missing"
    rows = plan.pick(DS, kind, own)
    totals = df["total_entries"].gather(rows).to_numpy()
    plan.update(DS, rows, "total_entries", (totals + rng.integers(1, 4, rows.size)).tolist())
    plan.record(DS, rows, kind, "tổng số khi khóa sổ lớn hơn số bản ghi đã số hóa")

    kind = f"{DS}.{dataset}_entries_extra"
    rows = plan.pick(DS, kind, own)
    totals = df["total_entries"].gather(rows).to_numpy()
    plan.update(DS, rows, "total_entries", (totals - rng.integers(1, totals + 1)).tolist() if rows.size else [])
    plan.record(DS, rows, kind, "tổng số khi khóa sổ nhỏ hơn số bản ghi đã số hóa")


def _not_digitised(plan: Plan, code: str, dataset: str) -> None:
    """Append closures of paper-era books (a commune as coded then, a year with no book
    of that type in the data): registers never digitised."""
    kind = f"{DS}.{dataset}_book_not_digitised"
    df = plan.frames[DS]
    rng = plan.rng(kind)
    pre = admin_units.communes_pre2025()
    # As coded before the reform (the book is of a paper year); a code with no pre-reform
    # form would be unknown at the closure date, a second defect.
    as_then = {c if c in pre else _pre_reform_code(c) for c in df["registering_commune_code"].drop_nulls()}
    communes = sorted(c for c in as_then if c in pre)
    if not communes:
        return
    # Only books of the years drawn below can clash: the others are left out of the set.
    books = [f"{year}/{code}" for year in range(2010, PAPER_YEARS_BEFORE)]
    existing: set[tuple[str, str]] = set()
    for name in (DS, *EVENT_TYPES.values()):
        if name in plan.frames:
            frame = plan.frames[name].select("registering_commune_code", "register_book")
            existing |= set(frame.filter(pl.col("register_book").is_in(books)).iter_rows())
    new = []
    for _ in range(plan.count(DS)):
        commune = communes[int(rng.integers(len(communes)))]
        year = int(rng.integers(2010, PAPER_YEARS_BEFORE))
        book = f"{year}/{code}"
        if (commune, book) in existing:
            continue
        existing.add((commune, book))
        total = int(rng.integers(5, 80))
        new.append(
            {
                "registering_commune_code": commune,
                "event_type": code,
                "register_book": book,
                "book_year": year,
                "total_entries": total,
                "total_pages": (total + 1) // 2,
                "closure_date": dt.date(year, 12, 31),
            }
        )
    if new:
        idx = plan.append(DS, pl.DataFrame(new))
        plan.record(DS, idx, kind, "năm đăng ký trước 2025 đã khóa sổ nhưng chưa số hóa")


def _pre_reform_code(code: str) -> str:
    """A 2025 commune as coded before the reform (the first old commune merged into it)."""
    pre = admin_units.communes_pre2025()
    return next((c for c in admin_units.communes_2025()[code].related if c in pre), code)


def _row_defects(plan: Plan) -> None:
    df = plan.frames[DS]
    rng = plan.rng(f"{DS}.row")

    rows = plan.pick(DS, f"{DS}.event_type_invalid")
    plan.update(DS, rows, "event_type", ["KX"] * rows.size)
    plan.record(DS, rows, f"{DS}.event_type_invalid", "loại sổ không thuộc KS, KT, KH")

    rows = plan.pick(DS, f"{DS}.total_entries_negative", (df["total_entries"].fill_null(0) >= 1).to_numpy())
    plan.update(DS, rows, "total_entries", (-df["total_entries"].gather(rows)).to_list())
    plan.record(DS, rows, f"{DS}.total_entries_negative", "tổng số sự kiện âm")

    rows = plan.pick(DS, f"{DS}.total_pages_negative", (df["total_pages"].fill_null(0) >= 1).to_numpy())
    plan.update(DS, rows, "total_pages", (-df["total_pages"].gather(rows)).to_list())
    plan.record(DS, rows, f"{DS}.total_pages_negative", "tổng số trang âm")

    # A paper-era book closed the year before its own, a later one closed after the
    # reference date: either way the commune code stays valid for the date it now has.
    kind = f"{DS}.closure_date_invalid"
    rows = plan.pick(DS, kind, df["closure_date"].is_not_null().to_numpy())
    as_of: dt.date = plan.context["as_of"]
    wrong = [
        dt.date(int(y) - 1, 12, 31) if d < REFORM_DATE else as_of + dt.timedelta(days=int(rng.integers(10, 200)))
        for y, d in zip(df["book_year"].gather(rows).to_list(), df["closure_date"].gather(rows).to_list(), strict=True)
    ]
    plan.update(DS, rows, "closure_date", wrong)
    plan.record(DS, rows, kind, "ngày khóa sổ trước năm của sổ hoặc sau ngày đối chiếu")

    plan.blank(DS, f"{DS}.missing_closure_date", "closure_date", "ngày khóa sổ để trống")
