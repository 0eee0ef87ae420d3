"""Collects every module's CHECKS into one tuple and guards the invariants."""

from __future__ import annotations

from ddss.rules.catalog import birth, book_closure, certificate, death, marriage, parcel, population
from ddss.rules.catalog import ingest as _ingest

__all__ = ["CHECKS"]

CHECKS = tuple(
    c for module in (_ingest, population, birth, death, marriage, parcel, certificate, book_closure) for c in module.CHECKS
)

_ids = [c.check_id for c in CHECKS]
if len(_ids) != len(set(_ids)):
    raise RuntimeError("duplicate check_id in the catalogue")
