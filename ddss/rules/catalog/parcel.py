"""Checks on the parcel dataset (see ddss.rules.catalog for the contract)."""

from __future__ import annotations

from ddss.rules.catalog import Check

__all__ = ["CHECKS"]

CHECKS: tuple[Check, ...] = ()
