"""generators/entries.py: register books and entry numbers."""

import datetime as dt

import numpy as np
import polars as pl

from generators.dossiers import scan_refs
from generators.entries import number_entries


def _by_sorting(df: pl.DataFrame, code: str) -> pl.DataFrame:
    """The same numbering by two sorts of the frame (what number_entries replaced)."""
    book = (pl.col("registration_date").dt.year().cast(pl.Utf8) + pl.lit(f"/{code}")).alias("register_book")
    df = df.with_columns(book).sort("registering_commune_code", "register_book", "registration_date", "_tie")
    entry = pl.int_range(1, pl.len() + 1).over("registering_commune_code", "register_book").cast(pl.Int64)
    df = df.with_columns(entry.alias("entry_no")).sort("registration_date", "registering_commune_code", "entry_no")
    return df.drop("_tie").with_columns(scan_refs().alias("scan_ref"))


def test_entries_count_per_book_in_registration_order_and_file_by_day():
    rng = np.random.default_rng(5)
    n = 3000
    df = pl.DataFrame(
        {
            "registration_date": pl.Series(rng.integers(20_000, 20_800, n), dtype=pl.Int32).cast(pl.Date),
            "registering_commune_code": pl.Series(["00004", "26734", "00013", "99999"]).gather(rng.integers(0, 4, n)),
            "name": [f"p{i}" for i in range(n)],
            "_tie": rng.permutation(n),
        }
    )
    got = number_entries(df, "KS")
    assert got.equals(_by_sorting(df, "KS"))
    first = got.filter((pl.col("registering_commune_code") == "00004") & (pl.col("register_book") == "2025/KS"))
    assert first["entry_no"].to_list() == list(range(1, first.height + 1))
    assert first["registration_date"].is_sorted() and first["registration_date"].min() >= dt.date(2025, 1, 1)
    empty = number_entries(df.clear(), "KT")
    assert empty.height == 0 and empty.schema == _by_sorting(df.clear(), "KT").schema
