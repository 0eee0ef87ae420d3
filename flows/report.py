"""Prefect flow: the steward's pages of a validation run (ddss.report.build_report)."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ddss.report import build_report
from flows import flow_settings

__all__ = ["report_flow"]


@task(name="trang báo cáo", cache_policy=NO_CACHE)
def write_pages(province: str, run_id: str, dirs: dict[str, str | None], data_docs: bool) -> str:
    return str(build_report(flow_settings(**dirs), province, run_id, data_docs=data_docs))


@flow(name="ddss-report", flow_run_name="report-{province}-{run_id}")
def report_flow(
    province: str,
    run_id: str,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
    data_docs: bool = True,
) -> str:
    dirs = {"data_dir": data_dir, "reports_dir": reports_dir, "gx_dir": gx_dir}
    index = write_pages(province, run_id, dirs, data_docs)
    create_markdown_artifact(  # a path only: the pages themselves never leave the machine
        key=f"report-{province}", markdown=f"# Báo cáo tỉnh {province}\n\nLượt `{run_id}`: `{index}`", description="Trang báo cáo"
    )
    return index
