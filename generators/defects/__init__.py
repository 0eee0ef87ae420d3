"""Defect injection: the ground truth that proves the checks (issue #3, #5).

Interface (stable; generators/province.py calls it):

    inject(frames, rate, seed, context) -> Injected

``frames``: dataset name -> clean polars DataFrame with the canonical typed columns
of ddss.schema (dates as pl.Date, updated_at as pl.Datetime, area as Float64,
entry_no/birth years as Int64, codes and IDs as Utf8).
``context``: at least ``province`` (str), ``as_of`` (datetime.date), ``seed`` (int).
``Injected.frames``: same datasets, defects applied, rows in final file order
(defects only change cells or append rows, never delete or reorder).
``Injected.manifest``: one row per defect: dataset, row_index (0-based in the final
frame), defect_kind (a check_id of ddss.rules.catalog), dimension, detail.
``Injected.raw_overrides``: (dataset, row_index, column, raw_text) for defects that
only exist as text in a file (a wrong decimal separator, an impossible date); text
writers emit raw_text verbatim in that cell.
With rate 0 nothing is changed and the manifest is empty.

Each module in ``MODULES`` exposes ``apply(plan)``; they run in this order over one
shared ``Plan`` (plan.py), which guarantees no row is hit twice.
"""

from __future__ import annotations

import importlib

import polars as pl

from generators.defects.plan import MANIFEST_SCHEMA, Injected, Plan, RawOverride

__all__ = ["MANIFEST_SCHEMA", "MODULES", "Injected", "RawOverride", "inject"]

# Order matters: people first (they decide which persons stay untouched for the
# cross-dataset defects), then the registries that reference them.
# Book closures last: their totals follow the civil rows as every other module left them.
MODULES = ("people", "cards", "same_person", "civil", "land", "file_forms", "closures")


def inject(frames: dict[str, pl.DataFrame], rate: float, seed: int, context: dict) -> Injected:
    """Apply defects at ``rate``; ``context`` carries province code, as_of date, etc."""
    if rate == 0:
        return Injected(dict(frames), pl.DataFrame(schema=MANIFEST_SCHEMA))
    if not 0 < rate <= 0.2:
        raise ValueError("defect rate must be between 0 and 0.2")
    plan = Plan(dict(frames), rate, seed, context)
    for name in MODULES:
        try:
            module = importlib.import_module(f"generators.defects.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"generators.defects.{name}":
                raise
            continue  # module not written yet
        module.apply(plan)
    return plan.result()
