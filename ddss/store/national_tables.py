"""The national database's table layout: which datasets are promoted, their natural keys,
the lineage and promotion columns every row carries, the audit log's columns. Shared by
every backend (ddss.store.national, ddss.store.national_pg) and by the gate's plan."""

from __future__ import annotations

from ddss.schema import DATASETS, DUCKDB_TYPES
from ddss.sql import ident

__all__ = [
    "AUDIT_COLUMNS",
    "INCOMING_LINEAGE",
    "KEY_FALLBACKS",
    "NATIONAL_KEYS",
    "PROMOTED_DATASETS",
    "PROMOTION",
    "PROMOTIONS_COLUMNS",
    "PROMOTIONS_TABLE",
    "SUPERSEDED",
    "history_table",
    "incoming_columns",
    "key_match",
    "key_parts",
    "key_string",
    "national_columns",
    "national_table",
]

PROMOTED_DATASETS = ("birth", "death", "marriage", "parcel", "certificate")
# The record's natural key in the national database (issue #17): register place + book +
# entry number; commune + map sheet + parcel number; certificate serial + parcel + holder.
NATIONAL_KEYS: dict[str, tuple[str, ...]] = {
    "birth": ("registering_commune_code", "register_book", "entry_no"),
    "death": ("registering_commune_code", "register_book", "entry_no"),
    "marriage": ("registering_commune_code", "register_book", "entry_no"),
    "parcel": ("commune_code", "map_sheet_no", "parcel_no"),
    "certificate": ("certificate_serial", "commune_code", "map_sheet_no", "parcel_no", "owner_person_id"),
}
# A key column that may lawfully be empty, and what identifies the record then: an
# organisation holds a certificate with no personal ID (domain.md §Land), so its name does.
KEY_FALLBACKS: dict[tuple[str, str], str] = {("certificate", "owner_person_id"): "owner_name"}
# Lineage every incoming row carries (set by the gate from the province file).
INCOMING_LINEAGE = (
    ("_province", "VARCHAR"),
    ("_agency", "VARCHAR"),
    ("_batch_id", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_source_row", "BIGINT"),
)
# Added by the store when a row is promoted: its version and the promotion (one per gated
# run, ``nat_promotions``: its run id and time), stored once per run instead of per row since
# national schema v2 (a run id string and a timestamp per row cost insert time).
PROMOTION = (("_version", "INTEGER"), ("_promotion", "INTEGER"))
PROMOTIONS_TABLE = "nat_promotions"
PROMOTIONS_COLUMNS = (("promotion", "INTEGER"), ("run_id", "VARCHAR"), ("promoted_at", "TIMESTAMP"))
SUPERSEDED = (("_superseded_by", "VARCHAR"), ("_superseded_at", "TIMESTAMP"))
AUDIT_COLUMNS = (
    ("seq", "BIGINT"),
    ("at", "TIMESTAMP"),
    ("kind", "VARCHAR"),
    ("province", "VARCHAR"),
    ("run_id", "VARCHAR"),
    ("body", "VARCHAR"),
    ("prev_sha256", "VARCHAR"),
    ("sha256", "VARCHAR"),
)


def national_table(dataset: str) -> str:
    return f"nat_{dataset}"


def history_table(dataset: str) -> str:
    return f"nat_{dataset}_history"


def key_parts(dataset: str, alias: str = "") -> list[str]:
    """The record's natural key as SQL expressions over the row ``alias`` ("": unqualified; one per key column;
    a lawfully empty column replaced by its fallback). No key string is stored: national
    tables are keyed by these columns themselves (national schema v2), so a promoted row costs
    what its columns cost. Two rows are the same record when every part is equal."""
    at = f"{alias}." if alias else ""
    return [
        f"coalesce({at}{ident(k)}, {at}{ident(KEY_FALLBACKS[dataset, k])})"
        if (dataset, k) in KEY_FALLBACKS
        else f"{at}{ident(k)}"
        for k in NATIONAL_KEYS[dataset]
    ]


def key_match(dataset: str, a: str, b: str) -> str:
    """Rows ``a`` and ``b`` hold the same record: every key part equal. A part that is NULL
    matches nothing; the gate never promotes such a row (it holds an incomplete key), and the
    invariant (rows per key, NULLs grouped together) would stop a gate that did."""
    return " AND ".join(f"{x} = {y}" for x, y in zip(key_parts(dataset, a), key_parts(dataset, b), strict=True))


def key_string(dataset: str, alias: str) -> str:
    """The key as one readable string (parts joined by '|'), for people and reports only;
    never compared by the store."""
    return "concat_ws('|', " + ", ".join(f"CAST({p} AS VARCHAR)" for p in key_parts(dataset, alias)) + ")"


def incoming_columns(dataset: str) -> list[tuple[str, str]]:
    """Columns of the Arrow table ``promote`` takes, in order, with DuckDB types."""
    cols = [(c.name, DUCKDB_TYPES[c.dtype]) for c in DATASETS[dataset].columns]
    return cols + list(INCOMING_LINEAGE)


def national_columns(dataset: str) -> list[tuple[str, str]]:
    """Columns of ``nat_<dataset>`` (DuckDB types; a server backend maps them)."""
    return incoming_columns(dataset) + list(PROMOTION)
