"""docs/coverage.md is the output of ddss.rules.coverage, and the table covers what it must."""

from __future__ import annotations

import re
from pathlib import Path

from ddss.rules import coverage
from ddss.rules.catalog import all_checks

ROOT = Path(__file__).resolve().parents[2]


def test_committed_coverage_is_generated():
    assert (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8") == coverage.render(), (
        "run .venv/bin/python -m ddss.rules.coverage"
    )


def test_every_official_criterion_has_a_row_with_checks_or_a_reason():
    ids = {row[0] for row in coverage.CRITERIA}
    expected = {f"{p}{i}" for p, n in (("D", 13), ("F", 11), ("S", 8), ("L", 8)) for i in range(1, n + 1)}
    assert ids == expected
    for key, _, patterns, note in coverage.CRITERIA:
        assert patterns or note, key
        coverage.expand(patterns)  # every pattern names real checks


def test_every_validation_check_is_reached_by_some_row():
    reached = {i for rows in (coverage.CRITERIA, coverage.DOMAIN_RULES) for r in rows for i in coverage.expand(r[2])}
    missing = [c.check_id for c in all_checks() if c.check_id not in reached and not re.match(r"ingest\.", c.check_id)]
    assert not missing, missing


def test_batch_format_doc_lists_every_optional_column():
    from ddss.schema import DATASETS

    text = (ROOT / "docs" / "batch-format.md").read_text(encoding="utf-8")
    for name, ds in DATASETS.items():
        for c in ds.columns:
            if not c.mandatory and not c.name.startswith("father_") and c.name != "date_of_death":
                assert f"| {name} | {c.name} | {c.header_vi} |" in text, (name, c.name)
