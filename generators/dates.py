"""Day numbers (days since 1970-01-01), the vectorised form every generator computes dates in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import polars as pl

__all__ = ["anniversaries", "civil", "dates", "days", "nullable", "timestamps", "years", "years_later"]

_EPOCH = dt.date(1970, 1, 1)


def days(d: dt.date) -> int:
    return (d - _EPOCH).days


def dates(day_numbers: np.ndarray, keep: np.ndarray | None = None) -> pl.Series:
    """Day numbers as a polars Date series; null where ``keep`` (if given) is false."""
    return nullable(day_numbers, keep, pl.Int32).cast(pl.Date)


def nullable(values: np.ndarray, keep: np.ndarray | None, dtype: type[pl.DataType] = pl.Int64) -> pl.Series:
    """A numpy array as a polars Series, null where ``keep`` (if given) is false."""
    out = pl.Series(values, dtype=dtype)
    # (not a numpy masked array: importing numpy.ma costs a process ~0.1 CPU s)
    return out if keep is None else out.set(pl.Series(~np.asarray(keep, dtype=bool)), None)


def timestamps(day_numbers: np.ndarray, hour: int = 9) -> pl.Series:
    """Day numbers as timestamps (microseconds) at ``hour`` o'clock, without a Python
    datetime per row."""
    micros = (np.asarray(day_numbers, dtype=np.int64) * 86_400 + hour * 3_600) * 1_000_000
    return pl.Series(micros, dtype=pl.Int64).cast(pl.Datetime("us"))


# Proleptic Gregorian calendar by integer arithmetic on 400-year eras (H. Hinnant's
# "chrono-compatible low-level date algorithms"), in years that begin on 1 March (so a
# 29 February is a year's last day): whole arrays at once, no per-row dates.
def _march_years(day_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year counted from 1 March, day of that year 0-365) of each day number."""
    day_numbers = np.asarray(day_numbers, dtype=np.int64)
    if day_numbers.size > 4096:
        # Many dates over fewer days (a block's 250 000 dates of birth span ~37 000): each
        # day computed once and gathered, 4.8 -> 2.4 ms (seven integer divisions per value).
        first, last = int(day_numbers.min()), int(day_numbers.max())
        if last - first < day_numbers.size // 2:
            year, doy = _march_years(np.arange(first, last + 1))
            at = day_numbers - first
            return year[at], doy[at]
    z = day_numbers + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    return yoe + era * 400, doe - (365 * yoe + yoe // 4 - yoe // 100)


def civil(day_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month 1-12, day 1-31) of each day number."""
    year, doy = _march_years(day_numbers)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return year + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def years(day_numbers: np.ndarray) -> np.ndarray:
    """``civil(day_numbers)[0]`` without the months and days: the year from 1 March, one
    more from 1 January (the year's day 306)."""
    year, doy = _march_years(day_numbers)
    return year + (doy >= 306)


def anniversaries(day_numbers: np.ndarray, counts: Iterable[int]) -> dict[int, np.ndarray]:
    """Day numbers of each date ``k`` years later, for each count ``k`` of ``counts``; 29 February
    becomes 28 February in a year that has none (as DuckDB's ``+ INTERVAL k YEAR`` and
    polars' ``dt.offset_by``). The start of every year the dates reach is computed once."""
    counts = list(counts)
    year, doy = _march_years(day_numbers)
    if year.size == 0:
        return {k: year.copy() for k in counts}
    first = int(year.min()) + min(0, *counts)
    start, leap = _year_starts(first, int(year.max()) + max(0, *counts))
    feb29 = doy == 365
    at = year - first
    return {k: start[at + k] + doy - (feb29 & ~leap[at + k + 1]) for k in counts}


def years_later(day_numbers: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Day numbers of each date ``counts[i]`` years later (one count per date; 29 February
    as in ``anniversaries``)."""
    year, doy = _march_years(day_numbers)
    if year.size == 0:
        return year.copy()
    counts = np.asarray(counts, dtype=np.int64)
    first = int(year.min()) + min(0, int(counts.min()))
    start, leap = _year_starts(first, int(year.max()) + max(0, int(counts.max())))
    at = year - first + counts
    return start[at] + doy - ((doy == 365) & ~leap[at + 1])


def _year_starts(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """For each year from ``first`` to ``last + 1``: the day number of its 1 March, and
    whether that calendar year is a leap year (``_march_years``' years, indexed from ``first``)."""
    y = np.arange(first, last + 2)
    start = 365 * y + y // 4 - y // 100 + y // 400 - 719_468
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return start, leap
