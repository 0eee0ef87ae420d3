"""The shared bookkeeping of one defect-injection run.

Every defect module works through a ``Plan`` so that the ground truth stays exact:
a row is hit by at most one defect (``pick`` never returns a taken row), rows are
only ever appended (so earlier row indices stay valid), and every change is
recorded in the manifest with the check_id it must trigger.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import polars as pl

__all__ = ["MANIFEST_SCHEMA", "Injected", "Plan", "RawOverride"]

MANIFEST_SCHEMA = {
    "dataset": pl.Utf8,
    "row_index": pl.Int64,
    "defect_kind": pl.Utf8,
    "dimension": pl.Utf8,
    "detail": pl.Utf8,
}


@dataclass(frozen=True)
class RawOverride:
    dataset: str
    row_index: int
    column: str
    raw_text: str


@dataclass
class Injected:
    frames: dict[str, pl.DataFrame]
    manifest: pl.DataFrame
    raw_overrides: list[RawOverride] = field(default_factory=list)


@dataclass
class Plan:
    frames: dict[str, pl.DataFrame]
    rate: float
    seed: int
    context: dict
    taken: dict[str, np.ndarray] = field(default_factory=dict)  # per dataset: bool mask of rows hit or protected
    _manifest: list[pl.DataFrame] = field(default_factory=list)  # one frame per record() call
    raw_overrides: list[RawOverride] = field(default_factory=list)

    def rng(self, kind: str) -> np.random.Generator:
        """A generator per defect kind, so adding a kind does not reshuffle the others."""
        return np.random.default_rng([self.seed, zlib.crc32(kind.encode())])

    def count(self, dataset: str) -> int:
        """How many defects of one kind: rate x rows, at least one when rows allow."""
        return max(1, round(self.rate * self.frames[dataset].height))

    def free(self, dataset: str, eligible: np.ndarray | pl.Series | None = None) -> np.ndarray:
        """Row indices not yet hit by a defect (and ``eligible``, a boolean mask, if given)."""
        n = self.frames[dataset].height
        mask = np.ones(n, dtype=bool)
        if eligible is not None:  # a mask computed before rows were appended covers the old rows only
            e = np.asarray(eligible, dtype=bool)
            mask[: e.size] = e[:n]
            mask[e.size :] = False
        return np.flatnonzero(mask & ~self._taken(dataset))

    def _taken(self, dataset: str) -> np.ndarray:
        n = self.frames[dataset].height
        t = self.taken.get(dataset)
        if t is None or t.size < n:
            grown = np.zeros(n, dtype=bool)
            if t is not None:
                grown[: t.size] = t
            self.taken[dataset] = t = grown
        return t

    def pick(
        self,
        dataset: str,
        kind: str,
        eligible: np.ndarray | pl.Series | None = None,
        n: int | None = None,
    ) -> np.ndarray:
        """Choose up to ``n`` (default ``count``) free rows at random and mark them taken."""
        candidates = self.free(dataset, eligible)
        want = min(self.count(dataset) if n is None else n, candidates.size)
        rows = np.sort(self.rng(kind).choice(candidates, size=want, replace=False))
        self.protect(dataset, rows)
        return rows

    def protect(self, dataset: str, rows: np.ndarray | list[int]) -> None:
        """Mark rows as off-limits without recording a defect (e.g. a row another defect relies on)."""
        self._taken(dataset)[np.asarray(rows, dtype=np.int64)] = True

    def update(self, dataset: str, rows: np.ndarray, column: str, values: list | np.ndarray | pl.Series) -> None:
        """Set ``column`` at ``rows`` to ``values`` (same length), keeping the column's dtype."""
        df = self.frames[dataset]
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        values = (
            pl.Series(values, dtype=df.schema[column]) if not isinstance(values, pl.Series) else values.cast(df.schema[column])
        )
        self.frames[dataset] = df.with_columns(df[column].clone().scatter(rows, values))

    def append(self, dataset: str, rows: pl.DataFrame) -> np.ndarray:
        """Append rows (same columns); returns their indices, already marked taken."""
        df = self.frames[dataset]
        start = df.height
        self.frames[dataset] = pl.concat([df, rows.select(df.columns).cast(df.schema)], how="vertical")
        idx = np.arange(start, start + rows.height, dtype=np.int64)
        self.protect(dataset, idx)
        return idx

    def record(self, dataset: str, rows: np.ndarray | list[int], kind: str, detail: str = "") -> None:
        """One manifest row per affected row. ``detail`` must not contain personal data."""
        from ddss.rules.catalog import by_id

        dimension = by_id(kind).dimension
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size:  # one small frame per call, not one dict per row
            part = pl.DataFrame({"row_index": rows}).select(
                pl.lit(dataset).alias("dataset"),
                "row_index",
                pl.lit(kind).alias("defect_kind"),
                pl.lit(dimension).alias("dimension"),
                pl.lit(detail).alias("detail"),
            )
            self._manifest.append(part.cast(MANIFEST_SCHEMA))

    def override(self, dataset: str, rows: np.ndarray, column: str, texts: list[str]) -> None:
        """Cell text a text writer must emit verbatim (defects that exist only as text)."""
        for r, text in zip(rows, texts, strict=True):
            self.raw_overrides.append(RawOverride(dataset, int(r), column, text))

    def result(self) -> Injected:
        parts = self._manifest or [pl.DataFrame(schema=MANIFEST_SCHEMA)]
        manifest = pl.concat(parts).sort("dataset", "row_index", "defect_kind")
        return Injected(self.frames, manifest, sorted(self.raw_overrides, key=lambda o: (o.dataset, o.row_index, o.column)))
