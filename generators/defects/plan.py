"""The shared bookkeeping of one defect-injection run.

Every defect module works through a ``Plan`` so that the ground truth stays exact:
a row is hit by at most one defect (``pick`` never returns a taken row), rows are
only ever appended (so earlier row indices stay valid), and every change is
recorded in the manifest with the check_id it must trigger.
"""

from __future__ import annotations

import operator
import zlib
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

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


class RawOverride(NamedTuple):
    # A named tuple (was a frozen dataclass): ~3 300 are made per block of 250 000 persons,
    # and a frozen dataclass's __init__ cost ~10 ms of a block's ~220 ms of defects.
    dataset: str
    row_index: int
    column: str
    raw_text: str


@dataclass
class Injected:
    frames: dict[str, pl.DataFrame]
    manifest: pl.DataFrame
    raw_overrides: list[RawOverride] = field(default_factory=list)


class _Frames(dict):
    """The frames, with cell updates held back until a frame is read: each column's updates
    become one scatter (one copy of the column) instead of one per defect kind. Every read
    (``[]``, ``get``, ``items``, ``values``) sees all updates made before it."""

    def __init__(self, frames: dict[str, pl.DataFrame]) -> None:
        super().__init__(frames)
        # dataset -> column -> [(rows, values)], in the order the updates were made
        self.pending: dict[str, dict[str, list[tuple[np.ndarray, pl.Series]]]] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        self._flush(name)
        return super().__getitem__(name)

    def __setitem__(self, name: str, df: pl.DataFrame) -> None:
        self.pending.pop(name, None)  # a frame set whole replaces what was held back, as before
        super().__setitem__(name, df)

    def height(self, name: str) -> int:
        """Rows of a frame (updates never change it: no flush)."""
        return super().__getitem__(name).height

    def dtype(self, name: str, column: str) -> pl.DataType:
        return super().__getitem__(name).schema[column]

    def get(self, name: str, default=None):
        return self[name] if name in self else default

    def items(self):
        self.flush()
        return super().items()

    def values(self):
        self.flush()
        return super().values()

    def flush(self) -> None:
        for name in list(self.pending):
            self._flush(name)

    def _flush(self, name: str) -> None:
        columns = self.pending.pop(name, None)
        if not columns:
            return
        df = super().__getitem__(name)
        new = []
        for column, parts in columns.items():
            rows = np.concatenate([r for r, _ in parts])
            values = pl.concat([v for _, v in parts]) if len(parts) > 1 else parts[0][1]
            # A row set twice keeps its last value, as one scatter per update would.
            last = rows.size - 1 - np.unique(rows[::-1], return_index=True)[1]
            if last.size < rows.size:
                rows, values = rows[last], values.gather(last)
            new.append(_scatter(df[column], rows, values))
        super().__setitem__(name, df.with_columns(new))


def _scatter(col: pl.Series, rows: np.ndarray, values: pl.Series) -> pl.Series:
    """``col`` with ``values`` set at ``rows``, chunk by chunk: a frame with rows appended
    keeps every column cut at the same rows (a frame whose columns are cut differently is
    copied again by every later query on it), and only the chunks hit are copied."""
    lengths = col.chunk_lengths()
    if len(lengths) == 1:
        return col.clone().scatter(rows, values)
    parts, start = [], 0
    for n in lengths:
        piece = col.slice(start, n)
        hit = (rows >= start) & (rows < start + n)
        if hit.any():
            piece = piece.clone().scatter(rows[hit] - start, values.filter(pl.Series(hit)))
        parts.append(piece)
        start += n
    return pl.concat(parts, rechunk=False)


@dataclass
class Plan:
    frames: dict[str, pl.DataFrame]
    rate: float
    seed: int
    context: dict
    taken: dict[str, np.ndarray] = field(default_factory=dict)  # per dataset: bool mask of rows hit or protected
    # one (dataset, rows, kind, detail) per record() call: the manifest is built once, in result()
    _manifest: list[tuple[str, np.ndarray, str, str, str]] = field(default_factory=list)  # dataset, rows, kind, dimension, detail
    raw_overrides: list[RawOverride] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.frames = _Frames(self.frames)

    def rng(self, kind: str) -> np.random.Generator:
        """A generator per defect kind, so adding a kind does not reshuffle the others."""
        return np.random.default_rng([self.seed, zlib.crc32(kind.encode())])

    def count(self, dataset: str) -> int:
        """How many defects of one kind: rate x rows, at least one when rows allow."""
        return max(1, round(self.rate * self.frames.height(dataset)))

    def free(self, dataset: str, eligible: np.ndarray | pl.Series | None = None) -> np.ndarray:
        """Row indices not yet hit by a defect (and ``eligible``, a boolean mask, if given)."""
        n = self.frames.height(dataset)
        mask = ~self._taken(dataset)
        if eligible is not None:  # a mask computed before rows were appended covers the old rows only
            e = np.asarray(eligible, dtype=bool)
            mask[: e.size] &= e[:n]
            mask[e.size :] = False
        return np.flatnonzero(mask)

    def _taken(self, dataset: str) -> np.ndarray:
        n = self.frames.height(dataset)
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

    def blank(self, dataset: str, kind: str, column: str, detail: str, eligible: np.ndarray | pl.Series | None = None) -> None:
        """A missing-value defect: rows picked for ``kind`` (among ``eligible``), ``column``
        emptied there, recorded with ``detail``."""
        rows = self.pick(dataset, kind, eligible)
        self.update(dataset, rows, column, [None] * rows.size)
        self.record(dataset, rows, kind, detail)

    def protect(self, dataset: str, rows: np.ndarray | list[int]) -> None:
        """Mark rows as off-limits without recording a defect (e.g. a row another defect relies on)."""
        self._taken(dataset)[np.asarray(rows, dtype=np.int64)] = True

    def update(self, dataset: str, rows: np.ndarray, column: str, values: list | np.ndarray | pl.Series) -> None:
        """Set ``column`` at ``rows`` to ``values`` (same length), keeping the column's dtype."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        dtype = self.frames.dtype(dataset, column)
        values = pl.Series(values, dtype=dtype) if not isinstance(values, pl.Series) else values.cast(dtype)
        if values.len() != rows.size:
            raise ValueError(f"{dataset}.{column}: {rows.size} rows, {values.len()} values")
        self.frames.pending.setdefault(dataset, {}).setdefault(column, []).append((rows, values))

    def append(self, dataset: str, rows: pl.DataFrame) -> np.ndarray:
        """Append rows (same columns); returns their indices, already marked taken."""
        df = self.frames[dataset]
        start = df.height
        # Not rechunked (a copy of every column): the new rows are one more chunk of each
        # column, which updates keep (_scatter).
        self.frames[dataset] = pl.concat([df, rows.select(df.columns).cast(df.schema)], how="vertical", rechunk=False)
        idx = np.arange(start, start + rows.height, dtype=np.int64)
        self.protect(dataset, idx)
        return idx

    def record(self, dataset: str, rows: np.ndarray | list[int], kind: str, detail: str = "") -> None:
        """One manifest row per affected row. ``detail`` must not contain personal data."""
        from ddss.rules.catalog import by_id

        dimension = by_id(kind).dimension  # an unknown check_id fails here, where the defect is made
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size:
            self._manifest.append((dataset, rows, kind, dimension, detail))

    def override(self, dataset: str, rows: np.ndarray, column: str, texts: list[str]) -> None:
        """Cell text a text writer must emit verbatim (defects that exist only as text)."""
        rows = np.asarray(rows, dtype=np.int64).tolist()
        if len(rows) != len(texts):
            raise ValueError(f"{dataset}.{column}: {len(rows)} rows, {len(texts)} texts")
        self.raw_overrides.extend(map(RawOverride, repeat(dataset), rows, repeat(column), texts))

    def result(self) -> Injected:
        self.frames.flush()
        return Injected(
            dict(self.frames),
            self._manifest_frame(),
            sorted(self.raw_overrides, key=operator.itemgetter(0, 1, 2)),  # dataset, row_index, column
        )

    def _manifest_frame(self) -> pl.DataFrame:
        """Every record() call's rows in one frame: a small table of (dataset, kind,
        dimension, detail), one row per call, gathered by the call each row came from."""
        if not self._manifest:
            return pl.DataFrame(schema=MANIFEST_SCHEMA)
        calls = pl.DataFrame(
            {
                "dataset": [d for d, _, _, _, _ in self._manifest],
                "defect_kind": [k for _, _, k, _, _ in self._manifest],
                "dimension": [m for _, _, _, m, _ in self._manifest],
                "detail": [t for _, _, _, _, t in self._manifest],
            },
            schema={k: pl.Utf8 for k in ("dataset", "defect_kind", "dimension", "detail")},
        )
        call = np.repeat(np.arange(len(self._manifest)), [r.size for _, r, _, _, _ in self._manifest])
        rows = np.concatenate([r for _, r, _, _, _ in self._manifest])
        # Sorted by dataset, row, kind: the two texts by their rank among the calls' values
        # (code point order, as polars sorts UTF-8), so the sort itself is on integers.
        rank = {name: {v: i for i, v in enumerate(sorted(set(calls[name])))} for name in ("dataset", "defect_kind")}
        ds = np.array([rank["dataset"][d] for d, _, _, _, _ in self._manifest])[call]
        kind = np.array([rank["defect_kind"][k] for _, _, k, _, _ in self._manifest])[call]
        order = np.lexsort((kind, rows, ds))
        manifest = calls[call[order]].with_columns(pl.Series("row_index", rows[order], dtype=pl.Int64))
        return manifest.select(list(MANIFEST_SCHEMA))
