"""Small helpers the defect modules share: who is referenced, fresh IDs, old commune codes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ddss import admin_units

__all__ = ["days", "fresh_ids", "pre_reform_codes", "referenced_ids", "to_date"]

_REFS = {
    "birth": ("child_person_id", "mother_person_id", "father_person_id"),
    "death": ("person_id",),
    "marriage": ("husband_person_id", "wife_person_id"),
    "certificate": ("owner_person_id",),
}


def referenced_ids(frames: dict[str, pl.DataFrame], skip: tuple[str, ...] = ()) -> set[str]:
    """Person IDs that some other dataset points at (their population rows must stay intact)."""
    out: set[str] = set()
    for name, cols in _REFS.items():
        if name in skip or name not in frames:
            continue
        for c in cols:
            out.update(x for x in frames[name][c].to_list() if x is not None)
    return out


def fresh_ids(rng: np.random.Generator, templates: list[str], taken: set[str]) -> list[str]:
    """Well-formed IDs (same first six digits as each template) that nobody has."""
    out = []
    for t in templates:
        while True:
            candidate = t[:6] + f"{int(rng.integers(0, 1_000_000)):06d}"
            if candidate not in taken:
                taken.add(candidate)
                out.append(candidate)
                break
    return out


def pre_reform_codes(province: str) -> list[str]:
    """Communes of the old provinces merged into ``province`` whose codes were closed in 2025."""
    olds = set(admin_units.province(province).old_codes)
    current = set(admin_units.communes_2025())
    return sorted(c.code for c in admin_units.communes_pre2025().values() if c.province_code in olds and c.code not in current)


def days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def to_date(n: int | np.ndarray) -> dt.date | list[dt.date]:
    base = dt.date(1970, 1, 1)
    if isinstance(n, np.ndarray):
        return [base + dt.timedelta(days=int(x)) for x in n]
    return base + dt.timedelta(days=int(n))
