"""The proof of issue #5: findings equal the injected defects, no more, no less.

Generator ground truth (manifest) vs the findings of a real run: files -> DuckDB ->
Great Expectations -> findings. Acceptance: recall and precision 100 % for every kind at
defect rates 0.5 % and 5 %, and no finding at all on a clean province.
"""

from __future__ import annotations

import polars as pl
import pytest

from ddss.evaluate import evaluate, is_perfect, render
from ddss.rules.catalog import DIMENSIONS

VI_FORM = {"headers": "vi", "dates": "vn", "decimal_comma": True, "encoding": "utf-8-sig"}


def test_clean_province_has_no_finding(province_run):
    run = province_run(0.0)
    assert run.manifest.height == 0
    assert run.validated.findings.height == 0, run.validated.findings.group_by("check_id").len()
    assert run.validated.counts_agree


@pytest.mark.parametrize(
    ("rate", "form"),
    [
        (0.005, {}),
        (0.05, VI_FORM),
        (0.05, {"fmt": "parquet"}),
        (0.05, {"fmt": "xlsx", "encoding": "utf-8"}),
        (0.05, {"encoding": "cp1258", "dates": "vn"}),
    ],
    ids=["0.5%-csv", "5%-csv-vi-bom", "5%-parquet", "5%-xlsx", "5%-cp1258"],
)
def test_every_injected_defect_found_and_nothing_else(province_run, rate, form):
    persons = 2000 if form in ({}, VI_FORM) else 1000
    run = province_run(rate, persons, **form)
    table = evaluate(run.validated.findings, run.manifest)
    assert is_perfect(table), "\n" + render(table.filter((pl.col("missed") > 0) | (pl.col("false_positives") > 0)))
    assert run.validated.counts_agree, run.validated.mismatches
    # The row-level findings that are not injected defects would show as false positives;
    # file-level findings (no row) must not exist either: no file was rejected.
    assert run.validated.findings.filter(pl.col("source_row").is_null()).height == 0


def test_defects_cover_the_issue_scope(province_run):
    """At least 24 kinds over the four dimensions and all seven datasets (issue #3; book closures issue #19)."""
    m = province_run(0.05, 2000, **VI_FORM).manifest
    assert m["defect_kind"].n_unique() >= 24
    assert set(m["dimension"]) == set(DIMENSIONS)
    assert set(m["dataset"]) == {"population", "birth", "death", "marriage", "parcel", "certificate", "book_closure"}
    # Kinds the issue names explicitly.
    for kind in (
        "population.id_sex",
        "population.id_birth_year",
        "population.id_birth_code",
        "population.legacy_cmnd",
        "population.duplicate_id",
        "population.nfd_text",
        "birth.child_not_in_population",
        "birth.registered_before_birth",
        "birth.entry_repeated",
        "birth.entry_gap",
        "death.alive_in_population",
        "death.name_mismatch",
        "marriage.under_age",
        "marriage.already_married",
        "parcel.area_nonpositive",
        "parcel.duplicate_key",
        "parcel.commune_code_pre_reform",
        "certificate.land_use_outdated",
        "certificate.owner_mismatch",
        "ingest.bad_number",
        "population.stale",
        "book_closure.birth_entries_missing",
        "book_closure.marriage_entries_extra",
        "book_closure.death_book_not_digitised",
    ):
        assert kind in set(m["defect_kind"]), kind


def test_manifest_rows_point_at_real_rows_without_personal_data(province_run):
    run = province_run(0.05, 2000, **VI_FORM)
    m = run.manifest
    rows = run.generated.rows
    for ds, n in m.group_by("dataset").agg(pl.col("source_row").cast(pl.Int64).max()).iter_rows():
        assert 1 <= n <= rows[ds]
    pop = pl.read_csv(run.generated.inbox / "population.csv", infer_schema=False, encoding="utf8-lossy")
    ids = set(pop[pop.columns[0]].drop_nulls())
    # A population defect is keyed by the ID of the raw file it describes (ddss's own
    # record_key is keyed by the deployment's secret: generators/province.py); nothing else
    # in the manifest carries personal data.
    others = m.filter(pl.col("dataset") != "population")
    text = "\n".join([*others["record_key"].to_list(), *m["detail"].to_list()])
    assert not any(i in text for i in list(ids)[:500])
