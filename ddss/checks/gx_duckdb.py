"""Make Great Expectations 1.24.1 work on DuckDB (through duckdb-engine). Call ``apply()``.

GX 1.x has no DuckDB data source; the generic SQL one fails in two ways (1, 2) and does
work it then discards in a third (3) (stack-notes.md;
upstream issues #10738 and #11579):

1. ``SqlAlchemyExecutionEngine.execute_query`` returns a cursor result after leaving the
   ``with connection`` block; duckdb-engine has discarded the rows by then, so
   ``resolve_metric_bundle`` gets an empty list and raises ``IndexError``. Fix: buffer
   the rows (SQLAlchemy ``Result.freeze()``) while the connection is still open.
2. Regex expectations ask ``get_dialect_regex_expression`` for a dialect-specific
   expression and get ``None`` for duckdb (NotImplementedError). Fix: answer
   ``regexp_matches(column, pattern)`` — DuckDB's RE2 search, which agrees with the
   catalogue's SQL (``ddss.rules.catalog.predicates.Matches``) because patterns there are
   anchored ``^...$``.
3. ``UnexpectedRowsExpectation`` computes two metrics, the row count and the rows
   themselves (``unexpected_rows_query.table``), and keeps the rows only for result
   format COMPLETE. Each is a full run of the query: below COMPLETE, the table metric
   doubles the work for nothing (measured, 1 M persons: 5.4 s of 13 s). Fix: below
   COMPLETE only the count is asked for; COMPLETE is unchanged.
4. Native map expectations fetch a sample of unexpected values (one ``LIMIT`` query per
   expectation) even when the result format asks for none (``partial_unexpected_count``
   0, as ddss's checkpoint does: results hold counts, never values). Fix: then the sample
   is not asked for; the result simply has no value list.

5. ``Expectation.configuration`` rebuilds its answer from the pydantic model on every
   access, and one validation reads it about 80 times per expectation (1.9 s of 7 s for
   186 expectations at 2 000 persons). Fix: inside ``cached_configurations()`` (ddss
   runs each suite in it) GX builds it once per expectation and each access gets a copy
   (its own kwargs, meta and notes); ``get_metric_kwargs``, which rebuilds an expectation
   from the configuration on every call, answers once per expectation, metric and
   runtime configuration. Setting any attribute of the expectation drops its entries.
   Outside, unchanged.
6. ``table.column_types`` (every column expectation depends on it through
   ``table.columns``) reflects the table through SQLAlchemy's inspector, which on
   duckdb-engine runs PostgreSQL-catalogue queries for the columns and the primary key
   (0.6 s of a 2 000-person validation, once per data asset). Fix: for a DuckDB table,
   one query of ``duckdb_columns()``, types mapped by the dialect's own ``ischema_names``
   as its reflection does, no primary key (reflection finds none on duckdb-engine); the
   result is built by GX's own ``_build_column_metadata_result``. A type the dialect does not name, a custom
   query, or a table not found: GX's reflection, unchanged.

7. Not a GX defect: DuckDB draws a progress bar on standard output for any query over
   2 s, and duckdb-engine leaves it on. Fix: every DBAPI connection SQLAlchemy's pools
   open to DuckDB has it turned off (``ddss.store.without_progress_bar``, as ddss's own
   connections); a connection setting, so GX's connection configuration is unchanged.

Applied explicitly, idempotent, and refused on another GX version (the patched
functions are internal and may change).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["GX_VERSION", "apply", "cached_configurations", "is_applied"]

GX_VERSION = "1.24.1"
_APPLIED = False
# id(expectation) -> (expectation, its dict()): the expectation is held so its id cannot be reused
_CONFIGURATIONS: dict[int, tuple[object, object]] | None = None
_METRIC_KWARGS: dict[int, dict[tuple, dict]] = {}  # id(expectation) -> get_metric_kwargs answers
_REGEX_MODULES = (
    "great_expectations.expectations.metrics.util",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex_list",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex_list",
)


def is_applied() -> bool:
    return _APPLIED


@contextmanager
def cached_configurations() -> Iterator[None]:
    """Within the block, each expectation's configuration is derived once (fix 5)."""
    global _CONFIGURATIONS
    outer = _CONFIGURATIONS
    _CONFIGURATIONS = {} if outer is None else outer
    try:
        yield
    finally:
        _CONFIGURATIONS = outer
        if outer is None:
            _METRIC_KWARGS.clear()


def _dialect_name(dialect) -> str:
    inner = getattr(dialect, "dialect", dialect)
    return str(getattr(inner, "name", "") or getattr(dialect, "name", ""))


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    import importlib

    import great_expectations as gx
    import sqlalchemy as sa
    from great_expectations.execution_engine import sqlalchemy_execution_engine as see

    if gx.__version__ != GX_VERSION:
        raise RuntimeError(
            f"ddss.checks.gx_duckdb was written for great-expectations {GX_VERSION}, found {gx.__version__}: "
            "re-check the two fixes (see the module docstring) before changing the pin"
        )

    def execute_query(self, query):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            if result.returns_rows:
                return result.freeze()()  # rows buffered before the connection closes
            return result

    see.SqlAlchemyExecutionEngine.execute_query = execute_query

    util = importlib.import_module(_REGEX_MODULES[0])
    original = util.get_dialect_regex_expression

    def get_dialect_regex_expression(column, regex, dialect, positive=True):
        if "duckdb" in _dialect_name(dialect):
            match = sa.func.regexp_matches(column, sa.literal(regex))
            return match if positive else sa.not_(match)
        return original(column, regex, dialect, positive)

    for name in _REGEX_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "get_dialect_regex_expression"):
            module.get_dialect_regex_expression = get_dialect_regex_expression
    _skip_unused_rows_metric()
    _skip_unused_value_samples()
    _cache_configuration()
    _column_metadata_from_catalog()
    _quiet_duckdb_connections()
    _APPLIED = True


def _quiet_duckdb_connections() -> None:
    import duckdb_engine
    import sqlalchemy as sa

    from ddss.store import without_progress_bar

    def connect(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, duckdb_engine.ConnectionWrapper):  # it hands every call to DuckDB's connection
            without_progress_bar(dbapi_connection)

    sa.event.listen(sa.pool.Pool, "connect", connect)


def _skip_unused_rows_metric() -> None:
    from great_expectations.core.result_format import ResultFormat
    from great_expectations.expectations.core.unexpected_rows_expectation import UnexpectedRowsExpectation

    table_metric = "unexpected_rows_query.table"
    original_dependencies = UnexpectedRowsExpectation.get_validation_dependencies
    original_validate = UnexpectedRowsExpectation._validate

    def get_validation_dependencies(self, execution_engine=None, runtime_configuration=None):
        deps = original_dependencies(self, execution_engine=execution_engine, runtime_configuration=runtime_configuration)
        if deps.result_format.get("result_format") != ResultFormat.COMPLETE:
            deps.remove_metric_configuration(table_metric)
        return deps

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        if table_metric not in metrics:  # the rows were not fetched: nothing below COMPLETE shows them
            metrics = {**metrics, table_metric: None}
        return original_validate(self, metrics, runtime_configuration, execution_engine)

    UnexpectedRowsExpectation.get_validation_dependencies = get_validation_dependencies
    UnexpectedRowsExpectation._validate = _validate


def _skip_unused_value_samples() -> None:
    from great_expectations.core.result_format import ResultFormat
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    for cls in (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation):
        original = cls.get_validation_dependencies

        def get_validation_dependencies(self, execution_engine=None, runtime_configuration=None, _original=original):
            deps = _original(self, execution_engine=execution_engine, runtime_configuration=runtime_configuration)
            fmt = deps.result_format
            sample = f"{self.map_metric}.unexpected_values"
            if (
                fmt.get("result_format") != ResultFormat.COMPLETE
                and fmt.get("partial_unexpected_count") == 0
                and deps.get_metric_configuration(sample) is not None
            ):
                deps.remove_metric_configuration(sample)
            return deps

        cls.get_validation_dependencies = get_validation_dependencies


def _cache_configuration() -> None:
    from great_expectations.expectations.expectation import Expectation

    original = Expectation.configuration.fget
    original_setattr = Expectation.__setattr__

    def configuration(self):
        cache = _CONFIGURATIONS
        if cache is None:
            return original(self)
        hit = cache.get(id(self))
        if hit is None or hit[0] is not self:
            hit = cache[id(self)] = (self, original(self))  # built and checked by GX once
        out = _copy(hit[1])
        out._ddss_source = id(self)  # which expectation it came from: see get_metric_kwargs
        return out

    def __setattr__(self, name, value):
        if _CONFIGURATIONS is not None:
            _CONFIGURATIONS.pop(id(self), None)
            _METRIC_KWARGS.pop(id(self), None)
        original_setattr(self, name, value)

    Expectation.configuration = property(configuration)
    Expectation.__setattr__ = __setattr__
    _cache_metric_kwargs()


def _cache_metric_kwargs() -> None:
    """An expectation asks ``get_metric_kwargs`` for the same metric of the same
    configuration several times per validation, and each answer rebuilds an expectation
    from the configuration. Inside ``cached_configurations()``, for a configuration copied
    from a cached one (unchanged since), the answer is computed once and copied after."""
    import json

    from great_expectations.core.id_dict import IDDict
    from great_expectations.expectations import expectation as module

    original = module.get_metric_kwargs

    def get_metric_kwargs(metric_name, configuration=None, runtime_configuration=None):
        cache = _CONFIGURATIONS
        source = getattr(configuration, "_ddss_source", None) if cache is not None else None
        hit = cache.get(source) if source is not None else None
        if hit is None or configuration._kwargs != hit[1]._kwargs:
            return original(metric_name, configuration=configuration, runtime_configuration=runtime_configuration)
        key = (metric_name, json.dumps(runtime_configuration, sort_keys=True, default=repr))
        answers = _METRIC_KWARGS.setdefault(source, {})
        if key not in answers:
            answers[key] = original(metric_name, configuration=configuration, runtime_configuration=runtime_configuration)
        return {k: IDDict(v) if isinstance(v, IDDict) else v for k, v in answers[key].items()}

    module.get_metric_kwargs = get_metric_kwargs


_COLUMNS_SQL = """
SELECT c.column_name, lower(c.data_type), c.is_nullable
FROM duckdb_columns() c
WHERE c.database_name = current_database() AND c.schema_name = coalesce(:schema, current_schema()) AND c.table_name = :table
ORDER BY c.column_index
"""


def _column_metadata_from_catalog() -> None:
    """Fix 6: a DuckDB table's columns from DuckDB's catalogue in one query."""
    import sqlalchemy as sa
    from great_expectations.expectations.metrics import util
    from great_expectations.expectations.metrics.table_metrics import table_column_types as module

    original = module.get_sqlalchemy_column_metadata

    def get_sqlalchemy_column_metadata(execution_engine, table_selectable, schema_name=None):
        dialect = execution_engine.dialect
        if "duckdb" not in _dialect_name(dialect) or not isinstance(table_selectable, str):
            return original(execution_engine=execution_engine, table_selectable=table_selectable, schema_name=schema_name)
        query = sa.text(_COLUMNS_SQL).bindparams(table=str(table_selectable), schema=schema_name)
        rows = execution_engine.execute_query(query).fetchall()
        types = [{"double": sa.FLOAT}.get(r[1]) or dialect.ischema_names.get(r[1]) for r in rows]  # DOUBLE: as reflected
        if not rows or None in types:
            return original(execution_engine=execution_engine, table_selectable=table_selectable, schema_name=schema_name)
        columns = [
            {"name": r[0], "type": t(), "nullable": r[2], "default": None, "autoincrement": False, "comment": None}
            for r, t in zip(rows, types, strict=True)
        ]
        # no primary key, as reflection reports (duckdb-engine's get_pk_constraint finds none)
        return util._build_column_metadata_result(columns, set(), execution_engine)

    module.get_sqlalchemy_column_metadata = get_sqlalchemy_column_metadata


def _copy(config):
    """A new ExpectationConfiguration equal to ``config``, its kwargs, meta and notes
    copied, without re-running the constructor's JSON check of ``meta`` (half the cost of
    building one; ``config`` passed it)."""
    out = copy.copy(config)
    out._kwargs = dict(config._kwargs)
    out._raw_kwargs = dict(config._raw_kwargs) if config._raw_kwargs is not None else None
    out.meta = dict(config.meta) if isinstance(config.meta, dict) else config.meta
    out.notes = list(config.notes) if isinstance(config.notes, list) else config.notes
    return out
