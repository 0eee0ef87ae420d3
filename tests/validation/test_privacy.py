"""No raw ID, name or date of birth in anything a run writes: GX results, findings files,
the findings table (issue #5, batch-format.md "Findings", stack-notes "personal data")."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import polars as pl
import pytest

from ddss.schema import DATASETS


@pytest.fixture(scope="module")
def run(province_run):
    return province_run(0.05, 2000, headers="vi", dates="vn", decimal_comma=True, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def personal(run) -> dict[str, set[str]]:
    """Raw IDs, full names and (old, so unambiguous) dates of birth from the batch files."""
    from ddss.read import preview_file

    staged = preview_file(run.generated.inbox / "population.csv", 10**9).staged
    ids = {i for i in staged["person_id"].drop_nulls() if len(i) >= 9}
    names = {n for n in staged["full_name"].drop_nulls() if len(n.split()) >= 3}
    # Only births before 1990: no event date in the data (issue, registration, death) is
    # that old, so a match can only be a leaked date of birth.
    dobs = [d for d in staged["date_of_birth"].drop_nulls() if d < dt.date(1990, 1, 1)]
    dates = {d.isoformat() for d in dobs} | {d.strftime("%d/%m/%Y") for d in dobs}
    return {"id": ids, "name": names, "dob": dates}


def _texts(run) -> dict[str, str]:
    out = {}
    for root in (run.settings.gx_dir, run.settings.reports_dir):
        for path in root.rglob("*"):
            if path.is_file() and path.suffix != ".parquet":
                out[str(path)] = path.read_text(encoding="utf-8")
            elif path.suffix == ".parquet":
                out[str(path)] = pl.read_parquet(path).write_csv()
    return out


def test_run_wrote_results(run):
    texts = _texts(run)
    assert any("validations" in p for p in texts), "GX results are where they should be"
    assert any(p.endswith("findings.csv") for p in texts)


@pytest.mark.parametrize("kind", ["id", "name", "dob"])
def test_no_personal_value_in_written_files(run, personal, kind):
    assert personal[kind], "the fixture found values to look for"
    pattern = re.compile("|".join(re.escape(v) for v in sorted(personal[kind], key=len, reverse=True)))
    leaks = {p: pattern.search(t).group(0) for p, t in _texts(run).items() if pattern.search(t)}
    assert not leaks, {p: v[:3] + "…" for p, v in leaks.items()}


def test_findings_table_values_are_masked(run):
    personal_cols = {(d, c.name): c.personal for d, ds in DATASETS.items() for c in ds.columns if c.personal}
    con = duckdb.connect(str(run.settings.province_db("79")), read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT f.dataset, f.check_id, f.value FROM findings f WHERE f.value IS NOT NULL").fetchall()
    finally:
        con.close()
    from ddss.rules.catalog import by_id

    checked = 0
    for dataset, check_id, value in rows:
        if check_id.startswith("ingest."):
            continue
        kind = personal_cols.get((dataset, by_id(check_id).value_column))
        if kind == "id":  # at most the 3-digit province code
            assert re.fullmatch(r"[0-9]{0,3}\**", value), (check_id, value)
        elif kind == "date":
            assert re.fullmatch(r"\d{4}-\*\*-\*\*", value), (check_id, value)
        elif kind == "name":
            assert all(p.endswith(".") for p in value.split()[1:]), check_id
        checked += kind is not None
    assert checked > 10
