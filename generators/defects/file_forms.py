"""Defects that exist only as text in a file: a cell ingestion cannot parse.

Such a row is quarantined at load, so it must be one nothing else points at: an
uncertified parcel, an unreferenced person.
"""

from __future__ import annotations

import polars as pl

from generators.defects.helpers import unreferenced
from generators.defects.plan import Plan

__all__ = ["apply"]


def apply(plan: Plan) -> None:
    _bad_area(plan)
    _impossible_birth_date(plan)


def _bad_area(plan: Plan) -> None:
    p, c = plan.frames["parcel"], plan.frames["certificate"]
    if p.is_empty():
        return
    key = ["commune_code", "map_sheet_no", "parcel_no"]
    # Membership of the whole key as one struct (exact; a third of the cost of a join).
    uncertified = ~p.select(pl.struct(key).is_in(c.select(pl.struct(key)).to_series().implode())).to_series().to_numpy()
    rows = plan.pick("parcel", "ingest.bad_number", uncertified & p["area_m2"].is_not_null().to_numpy())
    # A unit glued to the number, as clerks type it: not a number under either convention.
    texts = [f"{a:.1f} m²".replace(".", ",") for a in p["area_m2"].gather(rows).to_list()]
    plan.override("parcel", rows, "area_m2", texts)
    plan.record("parcel", rows, "ingest.bad_number", "diện tích kèm đơn vị 'm²'")


def _impossible_birth_date(plan: Plan) -> None:
    pop = plan.frames["population"]
    unref = unreferenced(plan.frames)
    rows = plan.pick("population", "ingest.bad_date", unref & pop["date_of_birth"].is_not_null().to_numpy())
    years = pop["date_of_birth"].gather(rows).dt.year().to_list()
    plan.override("population", rows, "date_of_birth", [f"31/04/{y}" for y in years])
    plan.record("population", rows, "ingest.bad_date", "ngày sinh 31/04 không tồn tại")
