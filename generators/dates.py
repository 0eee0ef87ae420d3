"""Day numbers (days since 1970-01-01), the vectorised form every generator computes dates in."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

__all__ = ["dates", "datetimes", "days"]

_EPOCH = dt.date(1970, 1, 1)


def days(d: dt.date) -> int:
    return (d - _EPOCH).days


def dates(day_numbers: np.ndarray) -> pl.Series:
    """Day numbers as a polars Date series."""
    return pl.Series(day_numbers, dtype=pl.Int32).cast(pl.Date)


def datetimes(day_numbers: np.ndarray, hour: int = 9) -> list[dt.datetime]:
    """Day numbers as datetimes at ``hour`` o'clock."""
    return [dt.datetime(1970, 1, 1) + dt.timedelta(days=int(d), hours=hour) for d in day_numbers]
