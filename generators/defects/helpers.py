"""Small helpers the defect modules share: who is referenced, fresh IDs, old commune codes."""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
import polars as pl

from ddss import admin_units
from generators.char_ranges import code_ranges

__all__ = ["among", "fresh_ids", "may_be_among", "nfd_differs", "pre_reform_codes", "referenced_ids", "taken_ids", "unreferenced"]

_REFS = {
    "birth": ("child_person_id", "mother_person_id", "father_person_id"),
    "death": ("person_id",),
    "marriage": ("husband_person_id", "wife_person_id"),
    "certificate": ("owner_person_id",),
}


def _ref_columns(frames: dict[str, pl.DataFrame], skip: tuple[str, ...] = ()) -> list[pl.Series]:
    """The columns of other datasets that hold person IDs (``_REFS``), of the datasets present."""
    return [frames[name][c] for name, cols in _REFS.items() if name not in skip and name in frames for c in cols]


def referenced_ids(frames: dict[str, pl.DataFrame], skip: tuple[str, ...] = ()) -> pl.Series:
    """Person IDs that some other dataset points at (their population rows must stay intact);
    an ID may repeat (only membership is asked of it: no hashing pass to make it unique)."""
    parts = _ref_columns(frames, skip)
    return pl.concat([p.cast(pl.Utf8).alias("id") for p in parts]).drop_nulls() if parts else pl.Series("id", [], pl.Utf8)


def unreferenced(frames: dict[str, pl.DataFrame], skip: tuple[str, ...] = ()) -> np.ndarray:
    """Mask over population rows: True where no other dataset points at the person.
    Compared by 64-bit hashes of the IDs (several times cheaper than the strings): two IDs
    sharing a hash could only make an unreferenced row look referenced, i.e. ineligible for
    a defect, never the other way round."""
    refs = referenced_ids(frames, skip).hash()
    return ~frames["population"]["person_id"].hash().is_in(refs.implode()).fill_null(False).to_numpy()


def among(values: pl.Series, ids: pl.Series | list[pl.Series]) -> np.ndarray:
    """Mask over ``values`` (a few): True where the value is one of ``ids`` (many; or in
    any of several series, which are not concatenated). Hashes the few and scans the many:
    several times faster than ``values.is_in(ids)``, which hashes all of ``ids`` each call."""
    parts = [ids] if isinstance(ids, pl.Series) else ids
    # The many are scanned by 64-bit hash (cheaper than by string); what they keep is then
    # compared as text, so a shared hash never makes a false match.
    values = values.cast(pl.Utf8)
    few = values.hash().implode()
    texts = [p.cast(pl.Utf8).alias("id") for p in parts]
    hit = pl.concat([t.filter(t.hash().is_in(few)) for t in texts]) if texts else values.clear()
    return values.is_in(hit.implode()).fill_null(False).to_numpy()


def may_be_among(column: str, values: pl.Series) -> pl.Expr:
    """Rows whose ``column`` may be one of ``values`` (a few), by 64-bit hash: a prefilter
    (several times cheaper than comparing the strings of every row), to be followed by an
    exact join or comparison on the values themselves, where a row kept for a shared hash
    finds nothing."""
    return pl.col(column).hash().is_in(values.hash().implode())


def taken_ids(frames: dict[str, pl.DataFrame]) -> list[pl.Series]:
    """Every ID in use anywhere (a fresh ID must avoid them all), as the columns that hold
    them (not concatenated: ``among`` scans each); an ID may repeat."""
    return [frames["population"]["person_id"], *_ref_columns(frames)]


def fresh_ids(
    rng: np.random.Generator, templates: list[str], taken: pl.Series | list[pl.Series], residue: tuple[int, int] | None = None
) -> list[str]:
    """Well-formed IDs (same first six digits as each template) that nobody has.

    ``residue`` (block, blocks) in a province made in blocks (generators/blocks.py): the six
    last digits are drawn ≡ block (mod blocks) like the block's own persons', so no person
    of another block can have the ID (``taken`` covers this block)."""
    prefix = pl.Series([t[:6] for t in templates], dtype=pl.Utf8)
    out = pl.Series([None] * len(templates), dtype=pl.Utf8)
    todo = np.arange(len(templates))
    while todo.size:
        if residue is None:
            tail = pl.Series(rng.integers(0, 1_000_000, todo.size)).cast(pl.Utf8).str.zfill(6)
        else:
            block, blocks = residue
            k = rng.integers(0, len(range(block, 1_000_000, blocks)), todo.size)
            tail = pl.Series(block + blocks * k).cast(pl.Utf8).str.zfill(6)
        out = out.scatter(todo, prefix.gather(todo) + tail)
        clash = among(out, taken) | out.is_duplicated().to_numpy()
        todo = np.flatnonzero(clash & np.isin(np.arange(out.len()), todo))
    return out.to_list()


def pre_reform_codes(province: str) -> list[str]:
    """Communes of the old provinces merged into ``province`` whose codes were closed in 2025."""
    olds = set(admin_units.province(province).old_codes)
    current = set(admin_units.communes_2025())
    return sorted(c.code for c in admin_units.communes_pre2025().values() if c.province_code in olds and c.code not in current)


@functools.cache
def _decomposable() -> str:
    """A regex character class of every character with a canonical decomposition (NFD
    changes it). None lies above U+2FA1D (the last CJK compatibility ideograph); Hangul
    syllables decompose by rule, not by the table."""
    codes = (c for c in range(0xC0, 0x30000) if (d := unicodedata.decomposition(chr(c))) and not d.startswith("<"))
    ranges = code_ranges(codes)
    return "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "\\x{ac00}-\\x{d7a3}]"


def nfd_differs(text: pl.Series) -> np.ndarray:
    """Mask: True where NFD changes the text (a null is False). A text holding a decomposable
    character always changes; the few others (no such character, maybe combining marks out
    of order) are normalised to be sure: exact, without normalising every row."""
    out = text.str.contains(_decomposable()).fill_null(False).to_numpy().copy()
    rest = np.flatnonzero(~out & text.is_not_null().to_numpy())
    if rest.size:
        other = text.gather(rest)
        out[rest] = (other.str.normalize("NFD") != other).to_numpy()
    return out
