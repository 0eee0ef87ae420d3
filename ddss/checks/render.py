"""Fill a catalogue predicate's placeholders; never with user data.

Only the known tokens are replaced (plain text replacement, not ``str.format``), so
regex quantifiers such as ``{11}`` in a predicate stay as they are.

Two fillings of the same text:

- ``fill``: everything as literals, for the findings scan and plain SQL counts;
- ``fill_for_gx``: what the committed GX suites hold. Relation names are constants, but
  the reference date, the province and the freshness limits are facts of a run, so the
  suites call the DuckDB macros ``ddss_as_of()``, ``ddss_province()`` and
  ``ddss_fresh_days(dataset)`` that ``run_macros`` (re)defines in the province file
  before GX reads it. The committed suites are then runnable as stored, by stock GX.
"""

from __future__ import annotations

import datetime as dt

from ddss.rules.catalog import Check
from ddss.rules.catalog.predicates import Sql
from ddss.schema import DATASETS
from ddss.settings import Settings
from ddss.sql import date_literal, ident, str_literal

__all__ = [
    "current_view",
    "fails_sql",
    "fill",
    "fill_for_gx",
    "requires",
    "row_query",
    "row_query_template",
    "run_macros",
]

DEFAULT_FRESH_DAYS = 365


def current_view(dataset: str) -> str:
    """The relation holding a dataset's current batch (created by ddss.checks.views)."""
    return f"cur_{DATASETS[dataset].name}"


def requires(check: Check) -> frozenset[str]:
    """Other datasets whose current rows the check reads (empty for single-dataset checks)."""
    if isinstance(check.predicate, Sql):
        return check.predicate.datasets() - {check.dataset}
    return frozenset()


def fails_sql(check: Check, settings: Settings, as_of: dt.date, province: str) -> str:
    return fill(check.predicate.fails_sql(), check.dataset, settings, as_of, province)


def _relations(text: str) -> str:
    for name in DATASETS:
        text = text.replace("{" + name + "}", ident(current_view(name)))
    return text.replace("{communes}", ident("ref_communes")).replace("{birth_codes}", ident("ref_birth_codes"))


def fill(text: str, dataset: str, settings: Settings, as_of: dt.date, province: str) -> str:
    text = _relations(text)
    text = text.replace("{province}", str_literal(province))
    text = text.replace("{as_of}", date_literal(as_of))
    return text.replace("{fresh_days}", str(int(settings.freshness_days.get(dataset, DEFAULT_FRESH_DAYS))))


def fill_for_gx(text: str, dataset: str) -> str:
    text = _relations(text)
    text = text.replace("{province}", "ddss_province()").replace("{as_of}", "ddss_as_of()")
    return text.replace("{fresh_days}", f"ddss_fresh_days({str_literal(dataset)})")


def run_macros(settings: Settings, as_of: dt.date, province: str) -> list[str]:
    """DDL that gives the GX suites this run's facts (values ddss controls, quoted by ddss.sql)."""
    days = " ".join(f"WHEN {str_literal(d)} THEN {int(settings.freshness_days.get(d, DEFAULT_FRESH_DAYS))}" for d in DATASETS)
    return [
        f"CREATE OR REPLACE MACRO ddss_as_of() AS {date_literal(as_of)}",
        f"CREATE OR REPLACE MACRO ddss_province() AS {str_literal(province)}",
        f"CREATE OR REPLACE MACRO ddss_fresh_days(dataset) AS CASE dataset {days} ELSE {DEFAULT_FRESH_DAYS} END",
    ]


def row_query_template(check: Check) -> str:
    """Rows (by ``_source_row``) failing ``check`` in GX's ``{batch}``, placeholders kept.
    ``fails`` is evaluated in a projection so window functions work; only the row number
    leaves the database, so GX never sees personal data."""
    return (
        f"SELECT f._source_row FROM (SELECT t._source_row, ({check.predicate.fails_sql()}) AS _fails "  # noqa: S608
        "FROM (SELECT * FROM {batch}) AS t) AS f WHERE f._fails"
    )


def row_query(check: Check, settings: Settings, as_of: dt.date, province: str) -> str:
    return fill(row_query_template(check), check.dataset, settings, as_of, province)
