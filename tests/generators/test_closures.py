"""Generated register book closures: totals equal the civil entries of each closed book,
and come from counts, so a province generated in chunks gets the same rows."""

from __future__ import annotations

import polars as pl
import pytest

from generators.closures import book_closures, book_counts, closures_from_counts
from generators.province import DEFAULT_AS_OF, clean_frames


@pytest.fixture(scope="module")
def frames():
    return clean_frames("79", 1500, 11)


def test_closures_are_additive_over_chunks(frames):
    halves = [{d: df[i::2] for d, df in frames.items() if d in ("birth", "death", "marriage")} for i in (0, 1)]
    chunked = closures_from_counts(pl.concat([book_counts(h) for h in halves]), DEFAULT_AS_OF)
    assert chunked.equals(book_closures(frames, DEFAULT_AS_OF))


def test_totals_count_the_entries_of_every_closed_book(frames):
    closures = frames["book_closure"]
    assert closures.height > 0
    assert (closures["book_year"] < DEFAULT_AS_OF.year).all()  # the current year's book is open
    civil = pl.concat(
        [
            frames[d].select("registering_commune_code", "register_book", "registration_date")
            for d in ("birth", "death", "marriage")
        ]
    ).filter(pl.col("registration_date").dt.year() < DEFAULT_AS_OF.year)
    assert closures["total_entries"].sum() == civil.height
    assert (closures["closure_date"].dt.year() >= closures["book_year"]).all()
