"""Suites in expectations/ and the GX project in gx/ are the catalogue, as files stock GX
loads (issues #5, #18)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from ddss.checks import gx_project, suites
from ddss.rules.catalog import DIMENSIONS, SEVERITIES, all_checks
from ddss.rules.catalog.predicates import Sql
from ddss.schema import DATASETS

ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS = ROOT / "expectations"
ROW_CHECKS = [c for c in all_checks() if c.stage == "validate" and c.predicate is not None]


def test_committed_suites_equal_the_catalogue():
    built = suites.build()
    for name, suite in built.items():
        path = EXPECTATIONS / f"{name}.json"
        assert json.loads(path.read_text(encoding="utf-8")) == suite, f"{path.name} is stale: run 'ddss suites'"
    assert {p.stem for p in EXPECTATIONS.glob("ddss_*.json")} == set(built)
    assert {s.dataset for s in suites.specs()} == set(DATASETS)


def test_committed_gx_project_equals_the_catalogue():
    for rel, text in gx_project.config_files().items():
        assert (ROOT / "gx" / rel).read_text(encoding="utf-8") == text, f"gx/{rel} is stale: run 'ddss suites'"


def test_every_check_is_in_exactly_one_suite_with_its_meta():
    seen = []
    for name, suite in suites.build().items():
        for e in suite["expectations"]:
            meta = e["meta"]
            seen.append(meta["check_id"])
            assert meta["dimension"] in DIMENSIONS
            assert meta["severity"] in SEVERITIES
            assert meta["rule"].strip()
            assert meta["title_vi"].strip() and meta["description_vi"].strip()
            assert unicodedata.is_normalized("NFC", meta["description_vi"])
            # Data Docs show notes: the Vietnamese title, description, dimension and severity
            notes = "\n".join(e["notes"])
            assert meta["title_vi"] in notes and meta["description_vi"] in notes
            assert DIMENSIONS[meta["dimension"]] in notes and SEVERITIES[meta["severity"]] in notes
            # native expectations keep GX's own sentence; SQL ones get a Vietnamese one
            assert ("description" in e) == (e["type"] == "unexpected_rows_expectation"), meta["check_id"]
            assert name == suites.suite_name(name.split("__")[0].removeprefix("ddss_"), frozenset(meta["requires"]))
    assert sorted(seen) == sorted(c.check_id for c in ROW_CHECKS)


def test_cross_dataset_checks_live_in_their_own_suites():
    """A suite reads only its own dataset and the ones named after it, so a partial load
    runs every suite whose data is there."""
    for spec in suites.specs():
        for c in spec.checks:
            text = c.predicate.fails_sql() if isinstance(c.predicate, Sql) else ""
            others = {d for d in DATASETS if d != spec.dataset and "{" + d + "}" in text}
            assert others == set(spec.requires), c.check_id


def test_natives_where_gx_has_one():
    """Most checks are GX's own expectations (bundled into one query per table, rendered
    as a sentence); every kind of native the catalogue uses appears."""
    types = [e["type"] for s in suites.build().values() for e in s["expectations"]]
    natives = [t for t in types if t != "unexpected_rows_expectation"]
    assert {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_values_to_be_between",
    } <= set(natives)
    assert len(natives) >= 60, len(natives)


def test_committed_suites_hold_no_placeholder():
    """Runnable as stored: relations filled in, the run's facts as DuckDB macros."""
    for suite in suites.build().values():
        for e in suite["expectations"]:
            query = e["kwargs"].get("unexpected_rows_query", "")
            for token in ("{as_of}", "{province}", "{fresh_days}", "{communes}", *("{" + d + "}" for d in DATASETS)):
                assert token not in query.replace("{{", "{").replace("}}", "}").replace("{batch}", ""), token


def test_gx_file_context_serves_suites_definitions_and_checkpoint():
    """gx/ is a working GX file context: stock GX parses every committed suite, validation
    definition and the checkpoint, and the committed config names no file."""
    import great_expectations as gx

    ctx = gx.get_context(mode="file", project_root_dir=str(ROOT))
    assert type(ctx).__name__ == "FileDataContext"
    names = {s.name for s in suites.specs()}
    assert {s.name for s in ctx.suites.all()} == names
    assert {vd.name for vd in ctx.validation_definitions.all()} == names
    checkpoint = ctx.checkpoints.get(gx_project.CHECKPOINT)
    assert {vd.name for vd in checkpoint.validation_definitions} == names
    assert checkpoint.result_format["partial_unexpected_count"] == 0
    assert [type(a).__name__ for a in checkpoint.actions] == ["UpdateDataDocsAction"]
    for spec in suites.specs():
        loaded = ctx.suites.get(spec.name)
        assert [e.meta["check_id"] for e in loaded.expectations] == [c.check_id for c in spec.checks]
    yml = (ROOT / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert "${" + gx_project.URL_VARIABLE + "}" in yml and ".duckdb" not in yml
