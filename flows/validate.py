"""Prefect flow: run every GX suite on a province's current data and write row-level findings."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ddss.checks.run import ValidationResult, validate
from ddss.rules.catalog import DIMENSIONS
from flows import flow_settings
from flows.gate import failed_state, score_and_publish

__all__ = ["publish_validation", "validate_flow"]


@task(name="kiểm tra GX", cache_policy=NO_CACHE)
def run_checks(province: str, as_of: str | None, dirs: dict[str, str | None]) -> ValidationResult:
    return validate(flow_settings(**dirs), province, as_of=dt.date.fromisoformat(as_of) if as_of else None)


def _markdown(result: ValidationResult) -> str:
    """Counts per dataset x dimension (no values, so nothing personal)."""
    counts = {(d, m): n for d, m, n in result.findings.group_by("dataset", "dimension").len().iter_rows()}
    datasets = sorted({d for d, _ in counts})
    lines = [
        f"# Kiểm tra tỉnh {result.province} — lần chạy {result.run_id}",
        f"Ngày tham chiếu {result.as_of.isoformat()}; {len(result.gx_counts)} kỳ vọng; "
        f"{result.findings.height} phát hiện; GX và SQL {'khớp' if result.counts_agree else 'LỆCH'}.",
        "",
        "| Tập dữ liệu | " + " | ".join(DIMENSIONS.values()) + " |",
        "|---|" + "---:|" * len(DIMENSIONS),
    ]
    lines += [f"| {d} | " + " | ".join(str(counts.get((d, m), 0)) for m in DIMENSIONS) + " |" for d in datasets]
    return "\n".join(lines)


def publish_validation(result: ValidationResult) -> None:
    """Markdown artifact of counts; raises when GX and the row listing disagree (they come
    from one predicate, so a disagreement is a bug, not a data problem)."""
    create_markdown_artifact(
        key=f"validate-{result.province}", markdown=_markdown(result), description="Phát hiện theo chiều chất lượng"
    )
    if not result.counts_agree:
        raise RuntimeError(f"GX counts differ from listed findings: {result.mismatches}")


@flow(name="ddss-validate", flow_run_name="validate-{province}")
def validate_flow(
    province: str,
    as_of: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
):
    dirs = {"data_dir": data_dir, "reports_dir": reports_dir, "gx_dir": gx_dir}
    result = run_checks(province, as_of, dirs)
    publish_validation(result)
    summary = {"run_id": result.run_id, "findings": result.findings.height, "report_dir": str(result.report_dir)}
    # The run's scorecard decides the state: không đạt ends Failed with the reasons (issue #17).
    card = score_and_publish(province, result.run_id, dirs)
    return summary if card.passed else failed_state(card, summary | {"passed": False})
