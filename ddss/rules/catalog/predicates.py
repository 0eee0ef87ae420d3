"""Predicate kinds: each renders BOTH a GX expectation and the SQL that lists failing rows.

One definition, two renderings (architecture.md "one definition per rule"): a check is
written once as one of these; ``ddss.checks`` turns it into a GX expectation for the
suite and into ``fails_sql`` for the findings query. Tests prove both count the same rows.

``fails_sql`` is a boolean SQL expression over alias ``t`` that is TRUE when the row fails.
Every kind but ``NotNull`` lets an empty value pass (absence is the ``missing_*`` checks'
business, so one empty cell yields one finding), exactly as GX's native map expectations
ignore NULLs. ``Sql`` predicates may use the placeholders documented in
``ddss.rules.catalog`` ({population}, {as_of}, {fresh_days}...).

Where GX has a native expectation with the same meaning the kind renders to it, so GX
bundles its count into one query per table and Data Docs show a sentence, not SQL.
GX's ``expect_column_values_to_be_unique`` / ``expect_compound_columns_to_be_unique``
count EVERY row of a repeated value; ddss's duplicate rules flag only the second and
later rows (the first record is lawful), so they stay ``Sql`` (row_number() > 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ddss.sql import ident, str_literal

__all__ = ["Between", "InSet", "Matches", "NotMatches", "NotNull", "NotTrue", "PairAtLeast", "Predicate", "Sql"]

# {population}, {birth}, ...: the placeholders that name another dataset's current rows.
_DATASET_TOKEN = re.compile(r"\{(population|birth|death|marriage|parcel|certificate|book_closure)\}")


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
class NotTrue:
    """A flag column ddss set at ingestion (e.g. ``_nfc_fixed``) is not TRUE."""

    column: str

    def fails_sql(self) -> str:
        return f"coalesce(t.{ident(self.column)}, false)"

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "ExpectColumnValuesToNotBeInSet", {"column": self.column, "value_set": [True]}


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
class NotMatches:
    """A non-empty value contains no match of the regex anywhere (RE2 search, as GX's
    ``expect_column_values_to_not_match_regex`` on DuckDB: ddss.checks.gx_duckdb)."""

    column: str
    regex: str

    def fails_sql(self) -> str:
        col = f"t.{ident(self.column)}"
        return f"{col} IS NOT NULL AND regexp_matches({col}, {str_literal(self.regex)})"

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "ExpectColumnValuesToNotMatchRegex", {"column": self.column, "regex": self.regex}


@dataclass(frozen=True)
class Between:
    """A non-empty number lies within the bounds (``strict_*``: the bound itself fails)."""

    column: str
    min_value: float | None = None
    max_value: float | None = None
    strict_min: bool = False
    strict_max: bool = False

    def __post_init__(self) -> None:
        if self.min_value is None and self.max_value is None:
            raise ValueError("give at least one bound")

    def fails_sql(self) -> str:
        col = f"t.{ident(self.column)}"
        bad = []
        if self.min_value is not None:
            bad.append(f"{col} {'<=' if self.strict_min else '<'} {float(self.min_value)!r}")
        if self.max_value is not None:
            bad.append(f"{col} {'>=' if self.strict_max else '>'} {float(self.max_value)!r}")
        return f"{col} IS NOT NULL AND ({' OR '.join(bad)})"

    def gx(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {"column": self.column}
        if self.min_value is not None:
            kwargs |= {"min_value": self.min_value, "strict_min": self.strict_min}
        if self.max_value is not None:
            kwargs |= {"max_value": self.max_value, "strict_max": self.strict_max}
        return "ExpectColumnValuesToBeBetween", kwargs


@dataclass(frozen=True)
class PairAtLeast:
    """Where both values are given, ``column_a`` is not before / below ``column_b``
    (``or_equal=False``: it must be strictly after). A row with either value empty passes."""

    column_a: str
    column_b: str
    or_equal: bool = True

    def fails_sql(self) -> str:
        a, b = f"t.{ident(self.column_a)}", f"t.{ident(self.column_b)}"
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND {a} {'<' if self.or_equal else '<='} {b}"

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "ExpectColumnPairValuesAToBeGreaterThanB", {
            "column_A": self.column_a,
            "column_B": self.column_b,
            "or_equal": self.or_equal,
            "ignore_row_if": "either_value_is_missing",
        }


@dataclass(frozen=True)
class Sql:
    """Anything else: a row-level SQL predicate (joins, windows, dates). Runs in GX as an
    UnexpectedRowsExpectation built from the same text."""

    fails: str

    def fails_sql(self) -> str:
        return self.fails

    def gx(self) -> tuple[str, dict[str, Any]]:
        return "UnexpectedRowsExpectation", {"fails": self.fails}

    def datasets(self) -> frozenset[str]:
        """The datasets whose current rows the predicate reads through placeholders."""
        return frozenset(_DATASET_TOKEN.findall(self.fails))


Predicate = NotNull | InSet | NotTrue | Matches | NotMatches | Between | PairAtLeast | Sql
