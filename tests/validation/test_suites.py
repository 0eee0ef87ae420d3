"""Suites in expectations/ are the catalogue, as JSON a steward can read (issue #5)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from ddss.checks import suites
from ddss.rules.catalog import DIMENSIONS, SEVERITIES, for_dataset
from ddss.schema import DATASETS

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"


def test_committed_suites_equal_the_catalogue():
    built = suites.build()
    for dataset, suite in built.items():
        path = EXPECTATIONS / f"{suites.suite_name(dataset)}.json"
        assert json.loads(path.read_text(encoding="utf-8")) == suite, f"{path.name} is stale: run 'ddss suites'"
    assert set(built) == set(DATASETS)


def test_every_expectation_carries_its_meta():
    for dataset in DATASETS:
        suite = json.loads((EXPECTATIONS / f"{suites.suite_name(dataset)}.json").read_text(encoding="utf-8"))
        expected = [c.check_id for c in for_dataset(dataset) if c.predicate is not None]
        assert [e["meta"]["check_id"] for e in suite["expectations"]] == expected
        for e in suite["expectations"]:
            meta = e["meta"]
            assert meta["dimension"] in DIMENSIONS
            assert meta["severity"] in SEVERITIES
            assert meta["rule"].strip()
            assert meta["description_vi"].strip()
            assert unicodedata.is_normalized("NFC", meta["description_vi"])


def test_gx_file_context_serves_the_suites():
    """gx/great_expectations.yml is a working GX file context whose expectations store is
    expectations/: GX itself parses every committed suite."""
    import great_expectations as gx

    ctx = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS.parent))
    assert type(ctx).__name__ == "FileDataContext"
    assert {s.name for s in ctx.suites.all()} == {suites.suite_name(d) for d in DATASETS}
    for dataset in DATASETS:
        loaded = ctx.suites.get(suites.suite_name(dataset))
        assert [e.meta["check_id"] for e in loaded.expectations] == [
            c.check_id for c in for_dataset(dataset) if c.predicate is not None
        ]
