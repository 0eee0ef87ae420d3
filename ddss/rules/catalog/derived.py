"""Columns computed once per validation beside each dataset's current rows.

Some rules compare names by their key (``ddss.rules.text.name_key_sql``: fifteen regex
replacements behind a regex test) or a person by name key and date of birth. Written
inline, each check, each of its subqueries, GX's query and the findings' arm computed the
key of every row again (at 1 M persons ``population.duplicate_id`` spent most of its 3.3 s
on the key). A certificate's holder set (per serial and parcel) was likewise a correlated
aggregate evaluated twice per row. These are part of the rule text: the catalogue's SQL
reads ``t._key_<column>``, ``t._person_key`` and ``t._holders``, and
``ddss.checks.views`` adds these columns, from the
definitions below, to every relation the checks read (the ``cur_`` tables, and the views
of the rules' table tests), so GX, the plain SQL count and the findings all read one key.
"""

from __future__ import annotations

from ddss.rules.text import name_key_sql
from ddss.sql import ident

__all__ = ["HOLDERS", "NAME_KEYED", "PERSON_KEY", "derived", "key_column"]

# The name columns some check compares with the population's name (civil_common.differs).
NAME_KEYED: dict[str, tuple[str, ...]] = {
    "population": ("full_name",),
    "birth": ("child_name", "mother_name", "father_name"),
    "death": ("full_name",),
    "marriage": ("husband_name", "wife_name"),
    "certificate": ("owner_name",),
}
# One person: the same name (tone placement, case, spaces aside) and date of birth.
PERSON_KEY = "_person_key"
# The sorted set of holders of a certificate serial on one parcel (its rows with that serial
# and parcel, a parcel part compared IS NOT DISTINCT): a holder is a person by ID, or by
# name when the holder has no personal ID (an organisation, a household).
HOLDERS = "_holders"
# As JSON text (one text per list, so equal texts are equal sets): a LIST column is a type
# GX's SQL dialect does not know, and the suite would fall back to slow reflection.
_HOLDERS_SQL = (
    "CAST(to_json(list_sort(list_distinct(list(coalesce(t.owner_person_id, t.owner_name)) "
    "OVER (PARTITION BY t.certificate_serial, t.commune_code, t.map_sheet_no, t.parcel_no)))) AS VARCHAR)"
)


def key_column(column: str) -> str:
    """The derived column holding ``name_key`` of ``column``."""
    return f"_key_{column}"


def derived(dataset: str) -> tuple[tuple[str, str], ...]:
    """(column, SQL over a row ``t``) in order; an expression may read the columns
    before it (each is added by its own projection)."""
    out = [(key_column(c), name_key_sql(f"t.{ident(c)}")) for c in NAME_KEYED.get(dataset, ())]
    if dataset == "population":
        out.append((PERSON_KEY, f"t.{key_column('full_name')} || '|' || coalesce(CAST(t.date_of_birth AS VARCHAR), '')"))
    if dataset == "certificate":
        out.append((HOLDERS, _HOLDERS_SQL))
    return tuple(out)
