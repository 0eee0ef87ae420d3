"""``cur_<dataset>`` views: the rows of each dataset's most recently loaded file.

Validation always looks at the current batch of each dataset (a later resubmission
replaces, never adds to, the earlier file). Views are persistent so that GX, opening
the database read-only, can read them.
"""

from __future__ import annotations

import duckdb

from ddss.checks.render import current_view
from ddss.schema import DATASETS, staging_table
from ddss.sql import ident, str_literal

__all__ = ["CURRENT_FILES_SQL", "refresh"]

# The latest loaded file per dataset (batch ids sort by time).
CURRENT_FILES_SQL = """
SELECT dataset, batch_id, source_file, file_sha256 FROM (
    SELECT *, row_number() OVER (PARTITION BY dataset ORDER BY batch_id DESC, source_file) AS k
    FROM batches WHERE status = 'loaded'
) WHERE k = 1
"""


def refresh(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """Point every cur_ view at its dataset's current file; returns dataset -> (batch, file, sha)."""
    current = {d: (b, f, s) for d, b, f, s in con.execute(CURRENT_FILES_SQL).fetchall()}
    for name in DATASETS:
        table = ident(staging_table(name))
        if name in current:
            batch, _, sha = current[name]
            # batch id and SHA-256 are values ddss computed itself (not file content); quoted by ddss.sql
            where = f"_batch_id = {str_literal(batch)} AND _file_sha256 = {str_literal(sha)}"
        else:
            where = "false"
        con.execute(f"CREATE OR REPLACE VIEW {ident(current_view(name))} AS SELECT * FROM {table} WHERE {where}")  # noqa: S608
    return current
