"""The report flow: a real Prefect run (the session's temporary API) writes the pages."""

from __future__ import annotations

from pathlib import Path


def test_report_flow_writes_the_pages(prefect_harness, report_run):
    from flows.report import report_flow

    index = (report_run.run_dir / "index.html").stat().st_mtime_ns
    s = report_run.settings
    out = report_flow("79", report_run.run_id, str(s.data_dir), str(s.reports_dir), str(s.gx_dir), data_docs=False)
    assert Path(out) == report_run.index
    assert report_run.index.stat().st_mtime_ns > index  # written again by the flow
    assert "KHÔNG ĐẠT" in report_run.index.read_text(encoding="utf-8")
