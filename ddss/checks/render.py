"""Fill a catalogue predicate's placeholders; never with user data.

Only the known tokens are replaced (plain text replacement, not ``str.format``), so
regex quantifiers such as ``{11}`` in a predicate stay as they are.
"""

from __future__ import annotations

import datetime as dt

from ddss.rules.catalog import Check
from ddss.schema import DATASETS
from ddss.settings import Settings
from ddss.sql import date_literal, ident, str_literal

__all__ = ["current_view", "fails_sql", "fill", "row_query", "row_query_template"]


def current_view(dataset: str) -> str:
    """The relation holding a dataset's current batch (created by ddss.checks.views)."""
    return f"cur_{DATASETS[dataset].name}"


def fails_sql(check: Check, settings: Settings, as_of: dt.date, province: str) -> str:
    return fill(check.predicate.fails_sql(), check.dataset, settings, as_of, province)


def fill(text: str, dataset: str, settings: Settings, as_of: dt.date, province: str) -> str:
    for name in DATASETS:
        text = text.replace("{" + name + "}", ident(current_view(name)))
    text = text.replace("{communes}", ident("ref_communes")).replace("{birth_codes}", ident("ref_birth_codes"))
    text = text.replace("{province}", str_literal(province))
    text = text.replace("{as_of}", date_literal(as_of))
    return text.replace("{fresh_days}", str(int(settings.freshness_days.get(dataset, 365))))


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
