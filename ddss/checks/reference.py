"""Reference tables the checks join against, loaded from the vendored lists.

``ref_communes(code, name, province_code, list)`` with ``list`` '2025' (valid from the
reform, province_code = new province) or 'pre2025' (province_code = old province), and
``ref_birth_codes(code)``, the 63 CCCD birth-registration codes. Checks reach them
through the ``{communes}`` and ``{birth_codes}`` placeholders, and the province being
validated through ``{province}``.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ddss import admin_units
from ddss.store import insert_frame

__all__ = ["load"]

_DDL = (
    "CREATE OR REPLACE TABLE ref_communes (code VARCHAR, name VARCHAR, province_code VARCHAR, list VARCHAR)",
    "CREATE OR REPLACE TABLE ref_birth_codes (code VARCHAR)",
)


def load(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _DDL:
        con.execute(ddl)
    rows = [(c.code, c.name, c.province_code, "2025") for c in admin_units.communes_2025().values()]
    rows += [(c.code, c.name, c.province_code, "pre2025") for c in admin_units.communes_pre2025().values()]
    insert_frame(con, "ref_communes", pl.DataFrame(rows, schema=["code", "name", "province_code", "list"], orient="row"))
    insert_frame(con, "ref_birth_codes", pl.DataFrame({"code": sorted(admin_units.birth_codes())}))
