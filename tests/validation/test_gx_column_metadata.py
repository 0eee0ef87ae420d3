"""gx_duckdb fix 6: a DuckDB table's column metadata from DuckDB's catalogue agrees with
GX's own reflection (names, order, types, nullability, primary key:
none, as duckdb-engine reflects it)."""

from __future__ import annotations

import duckdb
import pytest

# the types ddss stores (ddss.schema.DUCKDB_TYPES) and a few more
TYPES = "id BIGINT PRIMARY KEY, code VARCHAR NOT NULL, born DATE, n INTEGER, x DOUBLE, ok BOOLEAN, ts TIMESTAMP"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    pytest.importorskip("great_expectations", reason="GX is a dependency of validation")
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    from ddss.checks import gx_duckdb

    gx_duckdb.apply()
    db = tmp_path_factory.mktemp("colmeta") / "t.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE t ({TYPES})")
        con.execute("CREATE TABLE u (a VARCHAR)")  # another table: its columns must not leak into t's
    ee = SqlAlchemyExecutionEngine(connection_string=f"duckdb:///{db}")
    yield ee
    ee.close()


def _shape(columns):
    return [(c["name"], c["nullable"], c["primary_key"], c["default"], c["comment"]) for c in columns]


def test_catalogue_answer_equals_reflection(engine):
    import sqlalchemy as sa
    from great_expectations.expectations.metrics import util
    from great_expectations.expectations.metrics.table_metrics import table_column_types

    name = sa.sql.quoted_name("t", quote=None)
    reflected = util.get_sqlalchemy_column_metadata(engine, name, None)
    patched = table_column_types.get_sqlalchemy_column_metadata(engine, name, None)
    assert table_column_types.get_sqlalchemy_column_metadata is not util.get_sqlalchemy_column_metadata
    assert _shape(patched) == _shape(reflected)
    assert [c["name"] for c in patched] == ["id", "code", "born", "n", "x", "ok", "ts"]
    for mine, theirs in zip(patched, reflected, strict=True):  # the same SQL type (BIGINT is a BigInteger)
        assert mine["type"].compile(dialect=engine.dialect) == theirs["type"].compile(dialect=engine.dialect), mine["name"]
        assert isinstance(mine["type"], type(theirs["type"])) or isinstance(theirs["type"], type(mine["type"])), mine["name"]


def test_unknown_table_falls_back_to_reflection(engine):
    import sqlalchemy as sa
    from great_expectations.expectations.metrics.table_metrics import table_column_types

    with pytest.raises(Exception):  # noqa: B017, PT011 - GX's reflection raises, as without the fix
        table_column_types.get_sqlalchemy_column_metadata(engine, sa.sql.quoted_name("nope", quote=None), None)
