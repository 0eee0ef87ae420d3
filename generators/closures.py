"""Register book closures (optional dataset book_closure) derived from the civil frames.

At year end each book is closed with its total events and pages (Luật Hộ tịch art. 58.2),
so a clean closure row carries exactly the number of entries the book holds. The rows
are a function of per-book COUNTS (``book_counts``), so a province generated in chunks
sums the chunks' counts (``closures_from_counts(pl.concat(counts))``) and gets the same
rows as in one piece. Only books of years before the reference year are closed: the
current year's book is still open and has no closure row.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.admin_units import REFORM_DATE
from ddss.rules.catalog.book_closure import EVENT_TYPES

__all__ = ["BOOK", "ENTRIES_PER_PAGE", "book_closures", "book_counts", "closures_from_counts", "loaded_entries"]

BOOK = ["registering_commune_code", "event_type", "register_book", "book_year"]
# Layout assumption of the generator only (no check reads pages against entries): two
# entries to a page.
ENTRIES_PER_PAGE = 2


def book_counts(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Entries per book (commune, event type, Quyển số, year of registration)."""
    parts = [
        frames[dataset]
        .select(
            "registering_commune_code",
            pl.lit(code).alias("event_type"),
            "register_book",
            pl.col("registration_date").dt.year().cast(pl.Int64).alias("book_year"),
        )
        .group_by(BOOK)
        .agg(pl.len().cast(pl.Int64).alias("entries"))
        for code, dataset in EVENT_TYPES.items()
        if dataset in frames
    ]
    schema = {"registering_commune_code": pl.Utf8, "event_type": pl.Utf8, "register_book": pl.Utf8, "book_year": pl.Int64}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema | {"entries": pl.Int64})


@functools.cache  # the lists do not change in a run: once per process, not per block
def _closed_codes() -> pl.Series:
    """The commune codes the 2025 reform closed."""
    return pl.Series(sorted(set(admin_units.communes_pre2025()) - set(admin_units.communes_2025())), dtype=pl.Utf8)


def closures_from_counts(counts: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """One closure row per book closed before ``as_of``'s year, in a stable order.

    Closed on 31 December of its year; a commune whose code the 2025 reform closed kept
    its book until its last day (30 June 2025)."""
    closed_codes = _closed_codes()
    last_day = REFORM_DATE - dt.timedelta(days=1)
    books = (
        counts.group_by(BOOK)
        .agg(pl.col("entries").sum().alias("total_entries"))
        .filter(pl.col("book_year") < as_of.year)
        .sort(BOOK)
    )
    year_end = pl.date(pl.col("book_year"), 12, 31)
    gone = pl.col("registering_commune_code").is_in(closed_codes.implode()) & (year_end >= pl.lit(REFORM_DATE))
    return books.select(
        *BOOK[:-1],
        "book_year",
        pl.col("total_entries").cast(pl.Int64),
        ((pl.col("total_entries") + ENTRIES_PER_PAGE - 1) // ENTRIES_PER_PAGE).cast(pl.Int64).alias("total_pages"),
        pl.when(gone).then(pl.lit(last_day)).otherwise(year_end).alias("closure_date"),
    )


def book_closures(frames: dict[str, pl.DataFrame], as_of: dt.date) -> pl.DataFrame:
    return closures_from_counts(book_counts(frames), as_of)


def loaded_entries(frames: dict[str, pl.DataFrame], raw_overrides) -> pl.DataFrame:
    """Entries per (commune, event type, Quyển số) among the civil rows that will load: a row
    a raw text defect makes unreadable is quarantined at load and counts for no book."""
    quarantined: dict[str, set[int]] = {}
    for o in raw_overrides:
        quarantined.setdefault(o.dataset, set()).add(o.row_index)
    parts = []
    for code, dataset in EVENT_TYPES.items():
        df = frames.get(dataset)
        if df is None or df.is_empty():
            continue
        keep = ~np.isin(np.arange(df.height), sorted(quarantined.get(dataset, ())))
        parts.append(
            df.filter(pl.Series(keep))
            .drop_nulls(["registering_commune_code", "register_book"])
            .group_by("registering_commune_code", "register_book")
            .agg(pl.len().cast(pl.Int64).alias("_n"))
            .select("registering_commune_code", pl.lit(code).alias("event_type"), "register_book", "_n")
        )
    schema = {"registering_commune_code": pl.Utf8, "event_type": pl.Utf8, "register_book": pl.Utf8, "_n": pl.Int64}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
