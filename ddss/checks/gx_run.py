"""Run the suites with Great Expectations on the province's DuckDB file (read-only).

The suites are read through the project's GX file context (``gx/great_expectations.yml``,
expectations store ``expectations/``); each run validates in an ephemeral context, since
the data source (a province file) is a run-time fact that must not be written into the
committed config, and results must be scrubbed before anything is stored, which GX's
own stores would not do. Results keep counts only —
``partial_unexpected_count`` 0 and the row queries select nothing but row numbers —
and ``scrub`` drops every value list as a second line of defence; they are written to
``<gx_dir>/uncommitted/validations/<run_id>/``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from ddss.checks import gx_duckdb, suites
from ddss.checks.render import current_view
from ddss.schema import DATASETS
from ddss.settings import Settings

__all__ = ["RESULT_FORMAT", "run_suites", "scrub"]

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0, "include_unexpected_rows": False}
_VALUE_KEYS = {
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "unexpected_rows",
    "details",
}


def scrub(obj):
    """Remove every key that can carry row values, recursively."""
    if isinstance(obj, dict):
        return {k: scrub(v) for k, v in obj.items() if k not in _VALUE_KEYS}
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    return obj


def _unexpected(result: dict) -> int | None:
    r = result.get("result") or {}
    if "unexpected_count" in r:
        return int(r["unexpected_count"])
    if isinstance(r.get("observed_value"), int):  # UnexpectedRowsExpectation: the row count
        return int(r["observed_value"])
    return None


def run_suites(settings: Settings, province: str, run_id: str, as_of: dt.date) -> tuple[dict[str, int | None], Path]:
    """check_id -> GX's unexpected count (None if the expectation errored), results folder."""
    import great_expectations as gx

    gx_duckdb.apply()
    # GX sets levels on some of its own loggers, so quieten each one by name, not just the parent.
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")] + ["great_expectations"]:
        logging.getLogger(name).setLevel(logging.ERROR)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # The committed file context (gx/) holds the suites; runs use an ephemeral context so
    # the per-run data source never rewrites gx/great_expectations.yml.
    project = gx.get_context(mode="file", project_root_dir=str(settings.root))
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)  # no tqdm noise in logs
    db = settings.province_db(province)
    source = ctx.data_sources.add_sql(
        f"province_{province}",
        connection_string=f"duckdb:///{db}",
        kwargs={"connect_args": {"read_only": True, "config": settings.duckdb_config()}},
    )
    out = settings.gx_dir / "uncommitted" / "validations" / run_id
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int | None] = {}
    try:
        for dataset in DATASETS:
            suite_json = suites.load(settings, dataset, as_of, province, project)
            if not suite_json["expectations"]:
                continue
            suite = ctx.suites.add(gx.ExpectationSuite(**suite_json))
            asset = source.add_table_asset(dataset, table_name=current_view(dataset))
            batch = asset.add_batch_definition_whole_table("current")
            vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=f"{run_id}-{dataset}", data=batch, suite=suite))
            result = scrub(vd.run(result_format=RESULT_FORMAT).to_json_dict())
            for r in result["results"]:
                counts[r["expectation_config"]["meta"]["check_id"]] = (
                    None if r.get("exception_info", {}).get("raised_exception") else _unexpected(r)
                )
            (out / f"{suite_json['name']}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        _release(source)
    return counts, out


def _release(source) -> None:
    """Close every connection GX opened, so this process can reopen the file its own way
    (DuckDB refuses a second connection with a different configuration)."""
    import gc

    source.get_execution_engine().close()
    if getattr(source, "_engine", None) is not None:
        source._engine.dispose()
    gc.collect()
