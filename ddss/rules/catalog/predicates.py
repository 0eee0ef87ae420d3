"""Predicate kinds: each renders BOTH a GX expectation and the SQL that lists failing rows.

One definition, two renderings (architecture.md "one definition per rule"): a check is
written once as one of these; ``ddss.checks`` turns it into a GX expectation for the
suite and into ``fails_sql`` for the findings query. Tests prove both count the same rows.

``fails_sql`` is a boolean SQL expression over alias ``t`` that is TRUE when the row fails
(NULL counts as pass only where the kind says so). ``Sql`` predicates may use the
placeholders documented in ``ddss.rules.catalog`` ({population}, {as_of}, {fresh_days}...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddss.sql import ident, str_literal

__all__ = ["InSet", "Matches", "NotNull", "Predicate", "Sql"]


@dataclass(frozen=True)
class NotNull:
    """The column has a value (NULL = empty cell after ingestion)."""

    column: str

    def fails_sql(self) -> str:
        return f"t.{ident(self.column)} IS NULL"

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "ExpectColumnValuesToNotBeNull", {"column": self.column}


@dataclass(frozen=True)
class InSet:
    """A non-empty value is one of a fixed code list (empty is NotNull's business)."""

    column: str
    values: tuple[str, ...]

    def fails_sql(self) -> str:
        items = ", ".join(str_literal(v) for v in self.values)
        return f"t.{ident(self.column)} IS NOT NULL AND t.{ident(self.column)} NOT IN ({items})"

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "ExpectColumnValuesToBeInSet", {"column": self.column, "value_set": list(self.values)}


@dataclass(frozen=True)
class Matches:
    """A non-empty value matches a regex over the WHOLE value (pattern must be ^...$)."""

    column: str
    regex: str

    def __post_init__(self) -> None:
        if not (self.regex.startswith("^") and self.regex.endswith("$")):
            raise ValueError("anchor the pattern with ^...$ so GX (search) and SQL agree")

    def fails_sql(self) -> str:
        col = f"t.{ident(self.column)}"
        return f"{col} IS NOT NULL AND NOT regexp_matches({col}, {str_literal(self.regex)})"

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "ExpectColumnValuesToMatchRegex", {"column": self.column, "regex": self.regex}


@dataclass(frozen=True)
class Sql:
    """Anything else: a row-level SQL predicate (joins, windows, dates). Runs in GX as an
    UnexpectedRowsExpectation built from the same text."""

    fails: str

    def fails_sql(self) -> str:
        return self.fails

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "UnexpectedRowsExpectation", {"fails": self.fails}


Predicate = NotNull | InSet | Matches | Sql
