"""SQL fragments for checks that look a person up in the population."""

from __future__ import annotations

from ddss.rules.catalog.derived import key_column
from ddss.rules.catalog.ids import ID12
from ddss.sql import ident

__all__ = ["absent", "differs"]


def absent(column: str) -> str:
    """A well-formed ID is given but no population row carries it (a malformed one is the
    business of the ``_invalid`` check: one defect, one finding)."""
    c = f"t.{ident(column)}"
    return f"{ID12(c)} AND {c} NOT IN (SELECT person_id FROM {{population}} WHERE person_id IS NOT NULL)"


def differs(id_col: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """The ID is in the population but one of (population expr, record column) disagrees.
    Names are compared by ``name_key`` (tone placement, case, spaces: domain.md §Text)."""

    def ne(pop: str, col: str) -> str:
        rec = f"t.{ident(col)}"
        if pop == "p.full_name":  # both keys computed once per validation (derived.py)
            return f"p.{key_column('full_name')} <> t.{ident(key_column(col))}"
        return f"{pop} <> {rec}"

    cond = " OR ".join(ne(pop, col) for pop, col in pairs)
    return f"EXISTS (SELECT 1 FROM {{population}} p WHERE p.person_id = t.{ident(id_col)} AND ({cond}))"
