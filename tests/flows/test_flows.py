"""The Prefect flows, run for real against a temporary Prefect API (issue #4, #5)."""

from __future__ import annotations

import polars as pl

from ddss.evaluate import evaluate, is_perfect
from ddss.read import preview_file
from generators.province import DEFAULT_AS_OF, generate


def test_province_pipeline_runs_ingest_then_validate(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.pipeline import province_pipeline

    gen = generate(province="79", persons=1000, seed=11, defect_rate=0.01, out=tmp_path / "batch", headers="vi", dates="vn")
    dirs = {k: str(tmp_path / k) for k in ("data_dir", "reports_dir", "gx_dir")}
    out = province_pipeline("79", str(gen.inbox), DEFAULT_AS_OF.isoformat(), **dirs)

    assert out["ingest"]["rejected"] == 0 and out["ingest"]["files"] == 6
    findings = pl.read_parquet(f"{out['validate']['report_dir']}/findings.parquet")
    assert findings.height == out["validate"]["findings"] > 0
    assert is_perfect(evaluate(findings, pl.read_csv(gen.manifest_path, infer_schema=False)))

    with get_client(sync_client=True) as client:
        runs = {r.name: r for r in client.read_flow_runs()}
        assert {"province-79", "ingest-79", "validate-79"} <= set(runs)
        assert all(runs[n].state.is_completed() for n in ("province-79", "ingest-79", "validate-79"))
        artifacts = {a.key: a for a in client.read_artifacts() if a.key in ("ingest-79", "validate-79")}
    assert set(artifacts) == {"ingest-79", "validate-79"}
    ingest_rows = artifacts["ingest-79"].data
    ingest_rows = ingest_rows if isinstance(ingest_rows, list) else __import__("json").loads(ingest_rows)
    assert {r["tệp"] for r in ingest_rows} == {p.name for p in gen.inbox.iterdir()}
    assert "| population |" in artifacts["validate-79"].data

    # Artifacts are stored in Prefect's database: they must carry no personal data.
    staged = preview_file(gen.inbox / "population.csv", 10**9).staged
    text = str(ingest_rows) + artifacts["validate-79"].data
    assert not any(i in text for i in staged["person_id"].drop_nulls())
    assert not any(n in text for n in staged["full_name"].drop_nulls())


def test_ingest_flow_reports_rejected_files_without_failing(prefect_harness, tmp_path):
    from flows.ingest import ingest_flow

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "rubbish.csv").write_bytes(b"\x00\x01\x02" * 100)
    gen = generate(province="79", persons=1000, seed=2, defect_rate=0.0, out=tmp_path / "b")
    (inbox / "birth.csv").write_bytes((gen.inbox / "birth.csv").read_bytes())
    out = ingest_flow("79", str(inbox), data_dir=str(tmp_path / "data"))
    assert out["rejected"] == 1 and out["files"] == 2 and out["rows_staged"] == gen.rows["birth"]
