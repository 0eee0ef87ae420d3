"""Schema versions: every ddss database file says which schema it has and is migrated in place.

A ``schema_version`` table per file (one row per migration applied). A file made before
versions existed has no such table: it is version 1 if it holds ddss tables, else new.
Each step is idempotent DDL (or a function of the connection that looks before it changes), and
the steps run in one transaction with their version rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from ddss.sql import ident
from ddss.store.gate import PENDING_PREPARED_DDL, PREPARED_DDL, PREPARED_HOLDS_DDL
from ddss.store.national_tables import PROMOTED_DATASETS, PROMOTIONS_TABLE, history_table, national_table

__all__ = ["NATIONAL_STEPS", "PROVINCE_STEPS", "SchemaTooNew", "migrate", "national_v2", "schema_version"]

VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    component VARCHAR, version INTEGER, applied_at TIMESTAMP, note VARCHAR
)"""

# version -> (what changed, idempotent statements). Version 1 is the file as it was before
# issue #17 (no schema_version table).
PROVINCE_STEPS: dict[int, tuple[str, tuple[str, ...]]] = {
    2: (
        "findings carry agency and batch_id; gate tables (scores, holds, waivers)",
        (
            "ALTER TABLE findings ADD COLUMN IF NOT EXISTS agency VARCHAR",
            "ALTER TABLE findings ADD COLUMN IF NOT EXISTS batch_id VARCHAR",
        ),
    ),
    3: (
        "optional batch-format columns (issue #19, docs/batch-format.md) in the staging tables",
        tuple(
            f"ALTER TABLE stg_{dataset} ADD COLUMN IF NOT EXISTS {column} {kind}"
            for dataset, column, kind in (
                ("population", "id_card_issue_date", "DATE"),
                ("population", "household_id", "VARCHAR"),
                ("population", "relation_to_head", "VARCHAR"),
                ("birth", "registration_type", "VARCHAR"),
                ("birth", "scan_ref", "VARCHAR"),
                ("death", "scan_ref", "VARCHAR"),
                ("marriage", "husband_nationality", "VARCHAR"),
                ("marriage", "husband_passport_no", "VARCHAR"),
                ("marriage", "wife_nationality", "VARCHAR"),
                ("marriage", "wife_passport_no", "VARCHAR"),
                ("marriage", "divorce_date", "DATE"),
                ("marriage", "scan_ref", "VARCHAR"),
                ("parcel", "area_residential_m2", "DOUBLE"),
                ("parcel", "area_other_m2", "DOUBLE"),
                ("parcel", "geometry_ref", "VARCHAR"),
                ("parcel", "scan_ref", "VARCHAR"),
                ("certificate", "holder_type", "VARCHAR"),
                ("certificate", "owner_document_type", "VARCHAR"),
            )
        ),
    ),
    4: (
        "optional population column id_card_expiry_date (issue #19, L4)",
        ("ALTER TABLE stg_population ADD COLUMN IF NOT EXISTS id_card_expiry_date DATE",),
    ),
    5: (
        "optional population columns mother_person_id, father_person_id (issue #19, S1)",
        (
            "ALTER TABLE stg_population ADD COLUMN IF NOT EXISTS mother_person_id VARCHAR",
            "ALTER TABLE stg_population ADD COLUMN IF NOT EXISTS father_person_id VARCHAR",
        ),
    ),
    6: (
        "the score step's gate decision (gate_prepared, prepared_holds) and the marker of a gate staged from it"
        " (pending_prepared): a ddss without them must not complete such a gate",
        (PREPARED_DDL, PREPARED_HOLDS_DDL, PENDING_PREPARED_DDL),
    ),
}
_NATIONAL_TABLES = tuple(t for d in PROMOTED_DATASETS for t in (national_table(d), history_table(d)))


def national_v2(con: Any, param: str = "?") -> None:
    """National schema v2 on a v1 database (DuckDB or PostgreSQL; ``param``: its placeholder).
    The stored ``_key`` string goes (rows are keyed by their key columns); each row's run id
    and promotion time move to one ``nat_promotions`` row per run, the row keeps its id
    (``_promotion``). ``nat_promotions`` exists already (made with the new tables)."""
    columns = (
        "SELECT column_name FROM information_schema.columns WHERE table_name = "  # noqa: S608 - placeholder only
        f"{param} AND table_schema = current_schema() AND table_catalog = current_database()"
    )
    for table in _NATIONAL_TABLES:
        t = ident(table)
        found = {r[0] for r in con.execute(columns, [table]).fetchall()}
        if "_run_id" in found:
            con.execute(
                f"INSERT INTO {PROMOTIONS_TABLE} (promotion, run_id, promoted_at) "  # noqa: S608 - identifiers only
                f"SELECT (SELECT coalesce(max(promotion), 0) FROM {PROMOTIONS_TABLE}) + row_number() OVER (ORDER BY r), r, t0 "
                f"FROM (SELECT _run_id AS r, min(_promoted_at) AS t0 FROM {t} o WHERE NOT EXISTS "
                f"(SELECT 1 FROM {PROMOTIONS_TABLE} p WHERE p.run_id = o._run_id) GROUP BY _run_id) x"
            )
            con.execute(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS _promotion INTEGER")
            con.execute(f"UPDATE {t} SET _promotion = p.promotion FROM {PROMOTIONS_TABLE} p WHERE p.run_id = {t}._run_id")  # noqa: S608
            con.execute(f"ALTER TABLE {t} DROP COLUMN _run_id")
            con.execute(f"ALTER TABLE {t} DROP COLUMN _promoted_at")
        if "_key" in found:
            con.execute(f"ALTER TABLE {t} DROP COLUMN _key")


NATIONAL_STEPS: dict[int, tuple[str, tuple]] = {
    2: (
        "national rows keyed by their natural key columns (the stored _key string dropped); run id and"
        " promotion time once per run in nat_promotions, each row its _promotion (docs/gate-speed.md, session 10)",
        (national_v2,),
    ),
}


class SchemaTooNew(RuntimeError):
    """The file was written by a newer ddss; this one must not touch it."""


def schema_version(con: duckdb.DuckDBPyConnection, component: str, legacy_table: str) -> int:
    """The file's schema version: recorded, else 1 if ``legacy_table`` exists, else 0 (new file)."""
    has_versions = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' AND table_schema = 'main'"
        " AND table_catalog = current_database()"
    ).fetchall()[0][0]
    if has_versions:
        (row,) = con.execute("SELECT max(version) FROM schema_version WHERE component = ?", [component]).fetchall()
        if row[0] is not None:
            return int(row[0])
    legacy = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'"
        " AND table_catalog = current_database()",
        [legacy_table],
    ).fetchall()[0][0]
    return 1 if legacy else 0


def migrate(
    con: duckdb.DuckDBPyConnection, component: str, steps: dict[int, tuple[str, tuple[str, ...]]], legacy_table: str, create
) -> int:
    """Bring the file to the newest version. ``create(con)`` makes the current tables of a new
    file (CREATE … IF NOT EXISTS); old files get ``create`` too (new tables) after their steps."""
    latest = max(steps, default=1)
    found = schema_version(con, component, legacy_table)
    if found > latest:
        raise SchemaTooNew(
            f"Tệp được tạo bởi phiên bản ddss mới hơn (lược đồ {component} v{found} > v{latest}). / "
            f"The file was written by a newer ddss ({component} schema v{found} > v{latest})."
        )
    if found == latest:
        create(con)  # idempotent: tables a newer module added without a version step
        return found
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(VERSION_DDL)
        # Tables the old file lacks are made in their current form first; then each step
        # brings the existing ones up (ADD COLUMN IF NOT EXISTS is a no-op on a new table).
        create(con)
        if found >= 1:
            for version in sorted(v for v in steps if v > found):
                for statement in steps[version][1]:
                    statement(con) if callable(statement) else con.execute(statement)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if found == 0:
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?, ?)", [component, latest, now, "created"])
        else:
            for version in sorted(v for v in steps if v > found):
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?, ?)", [component, version, now, steps[version][0]])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return latest
