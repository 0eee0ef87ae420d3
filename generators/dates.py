"""Day numbers (days since 1970-01-01), the vectorised form every generator computes dates in."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

__all__ = ["add_years", "civil", "dates", "datetimes", "days", "from_civil", "nullable"]

_EPOCH = dt.date(1970, 1, 1)


def days(d: dt.date) -> int:
    return (d - _EPOCH).days


def dates(day_numbers: np.ndarray, keep: np.ndarray | None = None) -> pl.Series:
    """Day numbers as a polars Date series; null where ``keep`` (if given) is false."""
    return nullable(day_numbers, keep, pl.Int32).cast(pl.Date)


def nullable(values: np.ndarray, keep: np.ndarray | None, dtype: type[pl.DataType] = pl.Int64) -> pl.Series:
    """A numpy array as a polars Series, null where ``keep`` (if given) is false: the mask
    goes in with the values (no query per column)."""
    if keep is None:
        return pl.Series(values, dtype=dtype)
    return pl.Series(np.ma.masked_array(values, mask=~np.asarray(keep, dtype=bool)), dtype=dtype)


def datetimes(day_numbers: np.ndarray, hour: int = 9) -> list[dt.datetime]:
    """Day numbers as datetimes at ``hour`` o'clock."""
    return [dt.datetime(1970, 1, 1) + dt.timedelta(days=int(d), hours=hour) for d in day_numbers]


# Proleptic Gregorian calendar by integer arithmetic on 400-year eras (H. Hinnant's
# "chrono-compatible low-level date algorithms"): whole arrays at once, no per-row dates.
def civil(day_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month 1-12, day 1-31) of each day number."""
    z = np.asarray(day_numbers, dtype=np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers of (year, month, day) (a valid date each)."""
    y = np.asarray(year, dtype=np.int64) - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def add_years(year: np.ndarray, month: np.ndarray, day: np.ndarray, years: int) -> np.ndarray:
    """Day numbers of each (year, month, day) ``years`` later; 29 February becomes 28
    February in a year that has none (as DuckDB's ``+ INTERVAL n YEAR`` and polars'
    ``dt.offset_by``)."""
    y = year + years
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return from_civil(y, month, np.where((month == 2) & (day == 29) & ~leap, 28, day))
