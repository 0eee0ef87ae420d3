"""GX suites built from the catalogue, one per dataset, committed as JSON in expectations/.

The committed JSON keeps the catalogue's placeholders ({as_of}, {population}, ...); a run
fills them (``load``). A test proves the committed files equal a fresh ``build``.
Every expectation's ``meta`` carries check_id, dimension, severity, rule and the
Vietnamese title and description the steward reads.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ddss.checks import render
from ddss.rules.catalog import Check, for_dataset
from ddss.rules.catalog.predicates import Sql
from ddss.schema import DATASETS
from ddss.settings import Settings

__all__ = ["build", "load", "suite_name", "write"]

_GX_SEVERITY = {"blocking": "critical", "warning": "warning"}


def suite_name(dataset: str) -> str:
    return f"ddss_{dataset}"


def _snake(class_name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in class_name).lstrip("_")


def _expectation(check: Check) -> dict:
    class_name, kwargs = check.predicate.gx()
    if isinstance(check.predicate, Sql):
        kwargs = {"unexpected_rows_query": render.row_query_template(check)}
    return {
        "type": _snake(class_name),
        "kwargs": kwargs,
        "meta": {
            "check_id": check.check_id,
            "dimension": check.dimension,
            "severity": check.severity,
            "rule": check.rule,
            "title_vi": check.title_vi,
            "description_vi": check.description_vi,
        },
        "description": f"{check.check_id}: {check.title_vi}",
        "severity": _GX_SEVERITY[check.severity],
    }


def build() -> dict[str, dict]:
    """Suite JSON per dataset (GX 1.x ExpectationSuite.to_json_dict() shape)."""
    return {
        dataset: {
            "name": suite_name(dataset),
            "id": None,
            "expectations": [_expectation(c) for c in for_dataset(dataset)],
            "meta": {"dataset": dataset, "generated_by": "ddss.checks.suites.build", "great_expectations_version": "1.24.1"},
            "notes": "Sinh tự động từ danh mục kiểm tra ddss.rules.catalog; không sửa tay. Generated from the catalogue.",
        }
        for dataset in DATASETS
    }


def write(expectations_dir: Path) -> list[Path]:
    expectations_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for dataset, suite in build().items():
        path = expectations_dir / f"{suite_name(dataset)}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        out.append(path)
    return out


def load(settings: Settings, dataset: str, as_of: dt.date, province: str, project=None) -> dict:
    """The suite with its placeholders filled for this run. Read through the project's GX
    file context (``project``: gx/great_expectations.yml, whose expectations store is
    expectations/) when given, else straight from the JSON file."""
    if project is not None:
        suite = project.suites.get(suite_name(dataset)).to_json_dict()
    else:
        suite = json.loads((settings.expectations_dir / f"{suite_name(dataset)}.json").read_text(encoding="utf-8"))
    for e in suite["expectations"]:
        if "unexpected_rows_query" in e["kwargs"]:
            query = render.fill(e["kwargs"]["unexpected_rows_query"], dataset, settings, as_of, province)
            # GX runs str.format(batch=...) on the query: double every other brace (regex {12}).
            e["kwargs"]["unexpected_rows_query"] = query.replace("{", "{{").replace("}", "}}").replace("{{batch}}", "{batch}")
    return suite
