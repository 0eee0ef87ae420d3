"""A province as a sequence of blocks of persons, each generated on its own (issue #21).

A large province is made of fixed-size blocks, each from its own seed, so that the
files do not depend on how many blocks are held in memory at once. Keys that must be
unique across the whole province are kept unique here:

- personal IDs, certificate serials and parcel numbers: block ``b`` of ``n`` draws them
  from the numbers congruent to ``b`` modulo ``n`` (IDs and serials unique within each
  6-digit prefix or serial form: ``unique_serials``), so no two blocks can ever share one,
  and blocks can be made apart (in parallel) without looking at each other (the makers
  draw them so: ``population.generate_population``, ``land.generate_certificates``,
  ``land.generate_parcels``);
- register entry numbers continue from the blocks before (``Carry``, applied in block
  order after defects): a register book's entries go on counting where the previous block
  stopped, as they would in one register (the checks want 1..n without a gap); the
  scanned dossier's file name, made from the entry, follows it.

A province of one block is left exactly as ``clean_frames`` makes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import polars as pl

from generators.dossiers import scan_refs
from generators.orders import stable_sort

__all__ = ["BLOCK_PERSONS", "Carry", "Serials", "block_seed", "block_sizes", "unique_serials"]

BLOCK_PERSONS = 250_000  # persons per block: a constant, so the output never depends on the chunk size
_SERIALS = 1_000_000  # six random digits in a personal ID and in a certificate serial
_BOOK = ["registering_commune_code", "register_book"]


def block_sizes(persons: int, block_persons: int = BLOCK_PERSONS) -> list[int]:
    """Blocks of nearly equal size, none above ``block_persons``: an equal split rather than
    a small remainder, so no block is too small to hold births, marriages and defects."""
    blocks = max(1, -(-persons // block_persons))
    base, extra = divmod(persons, blocks)
    return [base + (1 if b < extra else 0) for b in range(blocks)]


def block_seed(seed: int, block: int) -> np.random.SeedSequence:
    """Block 0 uses the province seed itself (a one-block province is what it always was)."""
    return np.random.SeedSequence(seed) if block == 0 else np.random.SeedSequence([seed, block])


class Serials(NamedTuple):
    """What a block's maker needs to draw its serial digits with ``unique_serials``: the
    draws, and which block of how many this is."""

    rng: np.random.Generator
    block: int
    blocks: int


def unique_serials(rng: np.random.Generator, group: np.ndarray, block: int, blocks: int) -> np.ndarray:
    """One six-digit serial per row, congruent to ``block`` modulo ``blocks``, unique within
    ``group`` (a personal ID's first six digits; a certificate serial's form), drawn by
    ``rng`` (see module doc)."""
    cap = len(range(block, _SERIALS, blocks))
    group = group.astype(np.int64)
    k = rng.integers(0, cap, group.size)
    order, ordered = stable_sort(group * cap + k)
    by_group = ordered // cap  # each row's group, in that order
    if group.size:  # the most rows of one group: the longest run of equal values
        runs = np.diff(np.flatnonzero(np.concatenate(([True], by_group[1:] != by_group[:-1], [True]))))
        if runs.max() > cap // 2:
            raise ValueError(f"too many rows in one group (an ID prefix, a serial form) for {blocks} blocks; use larger blocks")
    # Redraw the later of two equal draws until none is left (a few rounds). Only the groups
    # of redrawn rows can then hold two equal draws: their rows (side by side in the first
    # order) are ordered again, not every row (5 sorts of a block's IDs were ~12 ms, now 1).
    clash = order[1:][ordered[1:] == ordered[:-1]]
    while clash.size:
        k[clash] = rng.integers(0, cap, clash.size)
        touched = np.unique(group[clash])
        ends = zip(np.searchsorted(by_group, touched), np.searchsorted(by_group, touched, side="right"), strict=True)
        rows = np.sort(np.concatenate([order[a:b] for a, b in ends]))  # in row order: a stable sort's ties
        sub, keys = stable_sort(group[rows] * cap + k[rows])
        clash = rows[sub[1:][keys[1:] == keys[:-1]]]
    return block + blocks * k


def _offset(df: pl.DataFrame, last: pl.DataFrame | None, keys: list[str]) -> pl.Series:
    if last is None or last.is_empty():
        return pl.Series("_last", [0] * df.height, dtype=pl.Int64)
    return df.select(keys).join(last, on=keys, how="left", maintain_order="left")["_last"].fill_null(0)


def _merge_last(last: pl.DataFrame | None, now: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    parts = [now] if last is None else [last, now]
    return pl.concat(parts).group_by(keys).agg(pl.col("_last").max()).sort(keys)


@dataclass
class Carry:
    """Where each register book's entries (and death notices) stopped."""

    books: dict[str, pl.DataFrame] = field(default_factory=dict)
    notices: pl.DataFrame | None = None

    def registers(self, frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        """Entry numbers (after defects, so a gap or repeat stays what it was made) continued
        from the highest entry of the same book in earlier blocks; death notices likewise."""
        out = dict(frames)
        for name in ("birth", "death", "marriage"):
            df = frames.get(name)
            if df is None or df.is_empty():
                continue
            df = df.with_columns((pl.col("entry_no") + _offset(df, self.books.get(name), _BOOK)).alias("entry_no"))
            if "scan_ref" in df.columns:
                # The dossier is named by its entry: named again by the carried number (two
                # blocks' entries of one book would otherwise share a file name); a scan a
                # defect left out stays out.
                df = df.with_columns(
                    pl.when(pl.col("scan_ref").is_not_null()).then(pl.coalesce(scan_refs(), pl.col("scan_ref"))).alias("scan_ref")
                )
            now = df.select(*_BOOK, pl.col("entry_no").alias("_last")).drop_nulls()
            self.books[name] = _merge_last(self.books.get(name), now, _BOOK)
            if name == "death" and "death_notice_no" in df.columns:
                df = self._notices(df)
            out[name] = df
        return out

    def _notices(self, df: pl.DataFrame) -> pl.DataFrame:
        """Death notices "<n>/<year>/GBT": n goes on counting per commune and book."""
        parts = pl.col("death_notice_no").str.extract_groups(r"^(\d+)(/.*)$")
        n = df.select(parts.struct.field("1").cast(pl.Int64)).to_series()
        n = n + _offset(df, self.notices, _BOOK)
        rest = df.select(parts.struct.field("2")).to_series()
        df = df.with_columns(
            pl.when(n.is_not_null())
            .then(pl.concat_str([n.cast(pl.Utf8), rest]))
            .otherwise(pl.col("death_notice_no"))
            .alias("death_notice_no")
        )
        now = df.select(*_BOOK, n.alias("_last")).drop_nulls()
        self.notices = _merge_last(self.notices, now, _BOOK)
        return df
