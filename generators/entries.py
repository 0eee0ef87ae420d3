"""Register books and entry numbers of the civil datasets (births, deaths, marriages): one
book per commune, type and year (Quyển số "<year>/<type>"), entries 1..n in registration
order, each entry's scanned dossier named after it (generators/dossiers.py)."""

from __future__ import annotations

import numpy as np
import polars as pl

from generators.dates import years
from generators.dossiers import scan_refs

__all__ = ["number_entries"]


def number_entries(df: pl.DataFrame, code: str) -> pl.DataFrame:
    """``df``'s rows numbered in their books (``code``: the register type, e.g. "KS"), ties
    in registration order broken by ``_tie`` (dropped), and filed by day, commune and entry.
    Every row has its commune and date (a register entry always has; the clean makers
    fill both): a null commune has no place in the books' order and raises."""
    # Both orders from the key columns (numpy), the frame gathered once: two sorts of the
    # whole frame cost twice as much (6.3 -> 4.9 ms for 5 000 births). A book is one year
    # of a commune, so (commune, day) orders (commune, book, day) as the book's text would.
    commune = df["registering_commune_code"]
    place = commune.cast(pl.Enum(commune.unique().sort())).to_physical().to_numpy().astype(np.int64)  # text order
    day = df["registration_date"].cast(pl.Int32).to_numpy()
    year = years(day)
    first = np.lexsort((df["_tie"].to_numpy(), day, place))
    book = place[first] * 10_000 + year[first]
    at = np.arange(first.size)
    entry = at - np.maximum.accumulate(np.where(np.diff(book, prepend=-1) != 0, at, 0)) + 1
    final = np.lexsort((entry, place[first], day[first]))
    rows = first[final]
    df = (
        df[rows]
        .drop("_tie")
        .with_columns(
            (pl.Series(year[rows]).cast(pl.Utf8) + f"/{code}").alias("register_book"),
            pl.Series("entry_no", entry[final], pl.Int64),
        )
    )
    return df.with_columns(scan_refs().alias("scan_ref"))
