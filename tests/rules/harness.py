"""Run one catalogue check on a few hand-written rows in a real DuckDB file.

The rows go into the staging tables the ingestion fills (``ddss.store.ensure_schema``),
the reference lists are the vendored ones (``ddss.checks.reference.load``), and the
check's own SQL (``ddss.checks.render.fails_sql``, what GX and the findings run) says
which rows fail. Columns a case leaves out are NULL, as an optional column absent from a
file is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from ddss import admin_units, store
from ddss.checks import reference
from ddss.checks.render import current_view, fails_sql
from ddss.checks.views import with_derived
from ddss.rules.catalog import by_id
from ddss.schema import DATASETS, LINEAGE, staging_table
from ddss.settings import Settings
from ddss.sql import ident

__all__ = ["AS_OF", "HCM_NEW", "HCM_OLD_CLOSED", "OTHER_PROVINCE", "failing", "marriage_row"]

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 1)
_HCM = sorted(c.code for c in admin_units.communes_2025().values() if c.province_code == "79")
HCM_NEW = _HCM[0]  # a 2025 commune of TP Hồ Chí Minh
OTHER_PROVINCE = sorted(c.code for c in admin_units.communes_2025().values() if c.province_code == "01")[0]  # Hà Nội
HCM_OLD_CLOSED = sorted(
    c.code
    for c in admin_units.communes_pre2025().values()
    if c.province_code == "79" and c.code not in admin_units.communes_2025()
)[0]  # closed by the 2025 reform


def marriage_row(h: dict, w: dict, commune: str, **kw) -> dict:
    """A marriage of two population rows (``person_id``, ``full_name``, ``date_of_birth``)."""
    row = {
        "registration_date": dt.date(2020, 6, 1),
        "registering_commune_code": commune,
        "husband_person_id": h["person_id"],
        "husband_name": h["full_name"],
        "husband_date_of_birth": h["date_of_birth"],
        "wife_person_id": w["person_id"],
        "wife_name": w["full_name"],
        "wife_date_of_birth": w["date_of_birth"],
    }
    return row | kw


def _frame(dataset: str, rows: list[dict]) -> pl.DataFrame:
    ds = DATASETS[dataset]
    types = {"str": pl.Utf8, "date": pl.Date, "timestamp": pl.Datetime("us"), "int": pl.Int64, "float": pl.Float64}
    schema = {c.name: types[c.dtype] for c in ds.columns}
    data = {c: [r.get(c) for r in rows] for c in schema}
    df = pl.DataFrame(data, schema=schema)
    lineage = {
        "_batch_id": pl.lit("b1"),
        "_agency": pl.lit(ds.agency),
        "_source_file": pl.lit(f"{dataset}.csv"),
        "_file_sha256": pl.lit("0" * 64),
        "_source_row": pl.int_range(1, pl.len() + 1).cast(pl.Int64),
        "_loaded_at": pl.lit(dt.datetime(2026, 11, 1, 8)),
        "_nfc_fixed": pl.Series([bool(r.get("_nfc_fixed", False)) for r in rows], dtype=pl.Boolean),
    }
    assert set(lineage) == {n for n, _ in LINEAGE}
    return df.with_columns(**lineage)


def failing(tmp: Path, check_id: str, tables: dict[str, list[dict]], province: str = "79") -> list[int]:
    """The source rows of ``check_id``'s dataset that the check flags."""
    check = by_id(check_id)
    settings = Settings.load(ROOT)
    with duckdb.connect(str(tmp / "rules.duckdb")) as con:
        store.ensure_schema(con)
        reference.load(con)
        for name in DATASETS:
            rows = tables.get(name, [])
            if rows:
                con.register("_rows", _frame(name, rows).to_arrow())
                cols = ", ".join(ident(c) for c in (*DATASETS[name].column_names, *(n for n, _ in LINEAGE)))
                con.execute(f"INSERT INTO {ident(staging_table(name))} ({cols}) SELECT {cols} FROM _rows")  # noqa: S608
                con.unregister("_rows")
            body = with_derived(name, f"SELECT * FROM {ident(staging_table(name))}")  # noqa: S608 - as validation's cur_ tables
            con.execute(f"CREATE OR REPLACE VIEW {ident(current_view(name))} AS {body}")
        sql = fails_sql(check, settings, AS_OF, province)
        got = con.execute(
            f"SELECT _source_row FROM (SELECT t._source_row, ({sql}) AS _f FROM {ident(current_view(check.dataset))} AS t) "  # noqa: S608
            "WHERE _f ORDER BY 1"
        ).fetchall()
    return [r[0] for r in got]
