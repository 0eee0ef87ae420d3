"""Text the CSV writer makes by lookup instead of by formatting (generators/writers.py)
must be the bytes polars' own formatting gives."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from generators.writers import date_text, timestamp_text


@pytest.mark.parametrize("date_fmt", ["%Y-%m-%d", "%d/%m/%Y"])
@pytest.mark.parametrize(
    "span",
    [
        (1_500_000_000_000_000, 1_800_000_000_000_000),  # ~10 years around now: by lookup
        (-1_000_000, 1_000_000),  # either side of 1970, fractions of a second
        (-62_000_000_000_000_000, -61_999_700_000_000_000),  # the first centuries
        (-5_000_000_000_000_000, 8_000_000_000_000_000),  # far wider than its length: formatted
    ],
)
def test_timestamp_text_is_what_the_csv_writer_writes(date_fmt, span):
    values = np.random.default_rng(7).integers(*span, 5_000)
    ts = pl.Series("updated_at", values).cast(pl.Datetime("us")).scatter([0, 9], None)
    want = ts.to_frame().write_csv(null_value="", datetime_format=date_fmt + " %H:%M:%S")
    assert timestamp_text(ts, date_fmt).to_frame().write_csv(null_value="") == want


def test_timestamp_text_of_nothing_but_nulls():
    ts = pl.Series("t", [None, None], dtype=pl.Datetime("us"))
    assert timestamp_text(ts, "%Y-%m-%d").to_list() == [None, None]


@pytest.mark.parametrize("date_fmt", ["%Y-%m-%d", "%d/%m/%Y"])
@pytest.mark.parametrize(
    "span",
    [
        (18_000, 21_000),
        (-3_000, 1_000),
        (-700_000, -697_000),
        (-25_000, 21_000),
        (-3_000_000, 3_000_000),
    ],  # the last two: formatted
)
def test_date_text_is_strftime(date_fmt, span):
    values = np.random.default_rng(7).integers(*span, 5_000).astype(np.int32)
    d = pl.Series("date_of_birth", values).cast(pl.Date).scatter([0, 9], None)
    assert date_text(d, date_fmt).to_list() == d.dt.strftime(date_fmt).to_list()
    assert date_text(d, date_fmt).name == "date_of_birth"
