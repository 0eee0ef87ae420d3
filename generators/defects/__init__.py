"""Defect injection: the ground truth that proves the checks (issue #3, #5).

Interface (stable; generators/province.py calls it):

    inject(frames, rate, seed, context) -> Injected

``frames``: dataset name -> clean polars DataFrame with the canonical typed columns
of ddss.schema (dates as pl.Date, updated_at as pl.Datetime, area as Float64,
entry_no/birth years as Int64, codes and IDs as Utf8).
``Injected.frames``: same datasets, defects applied, rows in final file order.
``Injected.manifest``: one row per defect: dataset, row_index (0-based in the final
frame), defect_kind (a check_id of ddss.rules.catalog), dimension, detail.
``Injected.raw_overrides``: (dataset, row_index, column, raw_text) for defects that
only exist as text in a file (a wrong decimal separator, an impossible date); text
writers emit raw_text verbatim in that cell.
With rate 0 nothing is changed and the manifest is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

__all__ = ["Injected", "RawOverride", "inject"]


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


MANIFEST_SCHEMA = {
    "dataset": pl.Utf8,
    "row_index": pl.Int64,
    "defect_kind": pl.Utf8,
    "dimension": pl.Utf8,
    "detail": pl.Utf8,
}


def inject(frames: dict[str, pl.DataFrame], rate: float, seed: int, context: dict) -> Injected:
    """Apply defects at ``rate``; ``context`` carries province code, as_of date, etc."""
    if rate == 0:
        return Injected(dict(frames), pl.DataFrame(schema=MANIFEST_SCHEMA))
    raise NotImplementedError("defect injection is being built (issue #3)")
