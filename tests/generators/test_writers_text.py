"""Text the CSV writer makes by lookup instead of by formatting (generators/writers.py)
must be the bytes polars' own formatting gives."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from generators.writers import _day_table, date_text, timestamp_text


@pytest.mark.parametrize("date_fmt", ["%Y-%m-%d", "%d/%m/%Y"])
@pytest.mark.parametrize(
    "span",
    [
        (1_500_000_000_000_000, 1_800_000_000_000_000, True),  # ~10 years around now
        (-1_000_000, 1_000_000, True),  # either side of 1970, fractions of a second
        (-62_000_000_000_000_000, -61_999_700_000_000_000, True),  # the first centuries
        (-5_000_000_000_000_000, 8_000_000_000_000_000, False),  # far wider than its length
    ],
)
def test_timestamp_text_is_what_the_csv_writer_writes(date_fmt, span):
    *bounds, by_lookup = span
    values = np.random.default_rng(7).integers(*bounds, 5_000)
    ts = pl.Series("updated_at", values).cast(pl.Datetime("us")).scatter([0, 9], None)
    assert (_day_table(ts.cast(pl.Int64) // 86_400_000_000, date_fmt) is not None) == by_lookup  # the path taken
    want = ts.to_frame().write_csv(null_value="", datetime_format=date_fmt + " %H:%M:%S")
    assert timestamp_text(ts, date_fmt).to_frame().write_csv(null_value="") == want


def test_timestamp_text_of_nothing_but_nulls():
    ts = pl.Series("t", [None, None], dtype=pl.Datetime("us"))
    assert timestamp_text(ts, "%Y-%m-%d").to_list() == [None, None]


@pytest.mark.parametrize("date_fmt", ["%Y-%m-%d", "%d/%m/%Y"])
@pytest.mark.parametrize(
    "span",
    [
        (18_000, 21_000, True),
        (-3_000, 1_000, True),
        (-700_000, -697_000, True),
        (-25_000, 21_000, False),  # more days than values: each formatted
        (-3_000_000, 3_000_000, False),
    ],
)
def test_date_text_is_strftime(date_fmt, span):
    *bounds, by_lookup = span
    values = np.random.default_rng(7).integers(*bounds, 5_000).astype(np.int32)
    d = pl.Series("date_of_birth", values).cast(pl.Date).scatter([0, 9], None)
    assert (_day_table(d.cast(pl.Int32), date_fmt) is not None) == by_lookup  # the path taken
    assert date_text(d, date_fmt).to_list() == d.dt.strftime(date_fmt).to_list()
    assert date_text(d, date_fmt).name == "date_of_birth"
