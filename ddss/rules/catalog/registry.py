"""Collects every module's CHECKS into one tuple and guards the invariants."""

from __future__ import annotations

from ddss.rules.catalog import ingest as _ingest

CHECKS = tuple(_ingest.CHECKS)

_ids = [c.check_id for c in CHECKS]
if len(_ids) != len(set(_ids)):
    raise RuntimeError("duplicate check_id in the catalogue")
