"""GX suites built from the catalogue, committed as JSON in expectations/.

One suite per dataset for the checks that read only that dataset (``ddss_<dataset>``),
and one per dataset and the other datasets its cross-dataset checks read
(``ddss_<dataset>__<other>``): an agency that sends only its own datasets gets every
suite whose data is loaded, and the cross-dataset ones whose other side is missing are
reported "not run" (ddss.checks.gx_run) instead of failing every row.

The committed JSON is runnable as stored: relation names are filled in and the run's
facts are DuckDB macros (ddss.checks.render.fill_for_gx). A test proves the committed
files equal a fresh ``build``. Every expectation carries, in ``meta``, check_id,
dimension, severity, rule and the Vietnamese title and description, and in ``notes`` the
same for a reader of Data Docs; native expectations keep GX's own sentence (no
``description``), SQL ones get the Vietnamese description as theirs.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from ddss.checks import render
from ddss.rules.catalog import DIMENSIONS, SEVERITIES, Check, all_checks
from ddss.rules.catalog.predicates import Sql
from ddss.schema import DATASETS

__all__ = ["SuiteSpec", "build", "specs", "stable_id", "suite_name", "write"]

_GX_SEVERITY = {"blocking": "critical", "warning": "warning"}
# Not GX's "meta properties" columns for validation pages: in 1.24.1 they put an extra
# kwarg into each expectation, which the pydantic expectation classes refuse (page lost).
GX_VERSION = "1.24.1"
# GX refers to a stored suite by name AND id: ids are derived from names so they stay stable.
ID_NAMESPACE = uuid.UUID("5d0c1b7e-2f3a-4c55-9a1e-6d6473732e67")


def stable_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{name}"))


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    dataset: str  # the table the suite validates
    requires: frozenset[str]  # other datasets its checks read
    checks: tuple[Check, ...]


def suite_name(dataset: str, requires: frozenset[str] = frozenset()) -> str:
    return f"ddss_{dataset}" + "".join(f"__{d}" for d in sorted(requires))


def specs() -> tuple[SuiteSpec, ...]:
    """Every suite, in catalogue order (datasets, then the cross-dataset suites)."""
    groups: dict[tuple[str, frozenset[str]], list[Check]] = {}
    for dataset in DATASETS:
        groups.setdefault((dataset, frozenset()), [])
    for c in all_checks():
        if c.stage == "validate" and c.predicate is not None:
            groups.setdefault((c.dataset, render.requires(c)), []).append(c)
    return tuple(SuiteSpec(suite_name(d, r), d, r, tuple(cs)) for (d, r), cs in groups.items())


def _snake(class_name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in class_name).lstrip("_")


def _expectation(check: Check) -> dict:
    class_name, kwargs = check.predicate.gx()
    native = not isinstance(check.predicate, Sql)
    if not native:
        query = render.fill_for_gx(render.row_query_template(check), check.dataset)
        # GX runs str.format(batch=...) on the query: double every other brace (regex {12}).
        kwargs = {"unexpected_rows_query": query.replace("{", "{{").replace("}", "}}").replace("{{batch}}", "{batch}")}
    dimension, severity = DIMENSIONS[check.dimension], SEVERITIES[check.severity]
    expectation = {
        "type": _snake(class_name),
        "kwargs": kwargs,
        "meta": {
            "check_id": check.check_id,
            "dimension": check.dimension,
            "severity": check.severity,
            "rule": check.rule,
            "title_vi": check.title_vi,
            "description_vi": check.description_vi,
            "requires": sorted(render.requires(check)),
        },
        "notes": [
            f"**{check.title_vi}** (`{check.check_id}`)",
            check.description_vi,
            f"Chiều / dimension: **{dimension}** · Mức / severity: **{severity}**",
            f"Căn cứ / basis: {check.rule}",
        ],
        "severity": _GX_SEVERITY[check.severity],
    }
    if not native:  # GX's own sentence for SQL is the SQL text: give the steward a sentence
        expectation["description"] = f"{check.title_vi}: {check.description_vi}"
    return expectation


def build() -> dict[str, dict]:
    """Suite name -> JSON (GX 1.x ExpectationSuite.to_json_dict() shape)."""
    out = {}
    for spec in specs():
        against = f" đối chiếu với {', '.join(sorted(spec.requires))}" if spec.requires else ""
        out[spec.name] = {
            "name": spec.name,
            "id": stable_id("suite", spec.name),
            "expectations": [_expectation(c) for c in spec.checks],
            "meta": {
                "dataset": spec.dataset,
                "requires": sorted(spec.requires),
                "generated_by": "ddss.checks.suites.build",
                "great_expectations_version": GX_VERSION,
            },
            "notes": (
                f"Kiểm tra tập dữ liệu {spec.dataset}{against}. Sinh tự động từ danh mục kiểm tra "
                "ddss.rules.catalog (`ddss suites`); không sửa tay. Generated from the catalogue."
            ),
        }
    return out


def write(expectations_dir: Path) -> list[Path]:
    """Write every suite; remove suite files the catalogue no longer has."""
    expectations_dir.mkdir(parents=True, exist_ok=True)
    built = build()
    for stale in expectations_dir.glob("ddss_*.json"):
        if stale.stem not in built:
            stale.unlink()
    out = []
    for name, suite in built.items():
        path = expectations_dir / f"{name}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        out.append(path)
    return out
