"""SQL fragments for civil-registry checks that look a person up in the population."""

from __future__ import annotations

from ddss.sql import ident

__all__ = ["absent", "differs"]


def absent(column: str) -> str:
    """The ID is given but no population row carries it."""
    c = f"t.{ident(column)}"
    return f"{c} IS NOT NULL AND {c} NOT IN (SELECT person_id FROM {{population}} WHERE person_id IS NOT NULL)"


def differs(id_col: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """The ID is in the population but one of (population expr, record column) disagrees."""
    cond = " OR ".join(f"{pop} <> t.{ident(col)}" for pop, col in pairs)
    return f"EXISTS (SELECT 1 FROM {{population}} p WHERE p.person_id = t.{ident(id_col)} AND ({cond}))"
