"""Prefect flow: one province's path, the steps of ``ddss.pipeline.STEPS`` as tasks.

The entry point of the 34 deployments in prefect.yaml (parameters: just ``province``; the
inbox defaults to ``<data_dir>/inbox/<province>/``). Each step is a task with a timeout;
a step's transient errors (database busy, a file still being written) are retried with
backoff, anything else fails the run at once. A night with no new file ends Completed
without validating again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed

from ddss.pipeline import STEPS, Run, Step, default_inbox, nothing_new
from flows import flow_settings
from flows.gate import failed_state, publish_gate, publish_scorecard
from flows.ingest import publish_ingest, summary
from flows.validate import publish_validation

__all__ = ["RETRY_DELAYS_S", "STEP_TIMEOUT_S", "province_pipeline"]

RETRY_DELAYS_S = [5.0, 15.0, 45.0, 120.0, 300.0]  # busy database or upload in progress: about 8 minutes in all
STEP_TIMEOUT_S = 3 * 3600.0  # a 10 M-person province validates in well under an hour on 2 cores


def publish_report(index: Path, province: str) -> None:
    """A link to the run's pages (a local path: the pages themselves never leave the machine)."""
    run_id = index.parent.name
    create_link_artifact(
        key=f"report-link-{province}",
        link=index.resolve().as_uri(),
        link_text=f"Báo cáo lượt {run_id} / report",
        description=str(index),
    )


# What each step shows the steward in the UI (counts and names only, nothing personal).
PUBLISH: dict[str, Any] = {
    "ingest": lambda result, _province: publish_ingest(result),
    "validate": lambda result, _province: publish_validation(result),
    "score": lambda result, _province: publish_scorecard(result),
    "report": publish_report,
    "gate": lambda result, _province: publish_gate(result),
}


def _step_task(step: Step):
    def transient(_task, _run, state) -> bool:
        return isinstance(state.data, step.transient)

    return task(
        step.func,
        name=step.title_vi,
        task_run_name=f"{step.title_vi} ({{r.province}})",
        retries=len(RETRY_DELAYS_S) if step.transient else 0,
        retry_delay_seconds=RETRY_DELAYS_S,
        retry_condition_fn=transient,
        timeout_seconds=STEP_TIMEOUT_S,
        cache_policy=NO_CACHE,
    )


@flow(name="ddss-province", flow_run_name="province-{province}", timeout_seconds=4 * STEP_TIMEOUT_S)
def province_pipeline(
    province: str,
    inbox: str | None = None,
    as_of: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
    busy_timeout_s: float | None = None,
    settle_s: float = 2.0,
) -> Any:
    """Folders default to the project's settings; a run (the demo, a test) may move them."""
    settings = flow_settings(data_dir, reports_dir, gx_dir, busy_timeout_s)
    r = Run(
        settings,
        province,
        Path(inbox) if inbox else default_inbox(settings, province),
        dt.date.fromisoformat(as_of) if as_of else None,
        settle_s,
    )
    for step in STEPS:
        r.results[step.name] = _step_task(step)(r)
        if step.name in PUBLISH:
            PUBLISH[step.name](r.results[step.name], province)
        if step.name == "ingest" and nothing_new(r.results["ingest"]):
            message = f"Không có tệp mới trong {r.inbox}; không kiểm tra lại. / No new file in the inbox."
            get_run_logger().info(message)
            create_markdown_artifact(key=f"province-{province}", markdown=f"# Tỉnh {province}\n\n{message}")
            return Completed(message=message, data={"ingest": summary(r.results["ingest"])})
    return _outcome(r)


def _outcome(r: Run) -> Any:
    """The run's summary; on không đạt the Failed state with the scorecard's reasons as message."""
    out: dict[str, Any] = {"ingest": summary(r.results["ingest"])}
    v = r.results.get("validate")
    if v is not None:
        out["validate"] = {"run_id": v.run_id, "findings": v.findings.height, "report_dir": str(v.report_dir)}
    if "report" in r.results:
        out["report"] = str(r.results["report"])
    g = r.results.get("gate")
    if g is not None:
        out["gate"] = {"passed": g.passed, "promoted": g.promoted, "held": g.held, "audit_seq": g.audit_seq}
    out["alerts"] = [a["kind"] for a in r.results.get("alert") or []]
    card = g.scorecard if g is not None else r.results.get("score")
    if card is not None and not card.passed:
        return failed_state(card, out)
    return out


if __name__ == "__main__":
    import sys

    province_pipeline(*sys.argv[1:3])
