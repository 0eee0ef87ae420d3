"""Prefect flow: one province's path, the steps of ``ddss.pipeline.STEPS`` as tasks.

The entry point of the 34 deployments in prefect.yaml (parameters: just ``province``; the
inbox defaults to ``<data_dir>/inbox/<province>/``). Each step is a task with a timeout
(``step_timeout_s`` in settings; a step that runs longer ends the run Failed, naming the
step); a step's transient errors (database busy, a file still being written) are retried
with backoff, anything else fails the run at once. A step that splits into units
(``ddss.pipeline.Units``: each file of the batch, each GX suite) runs them as tasks of
their own inside its task, so the steward sees which file or suite took the time or
failed. A night with no new file ends Completed without validating again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from ddss.pipeline import STEPS, Run, Step, default_inbox, hold, nothing_new
from flows import flow_settings
from flows.gate import failed_state, publish_gate, publish_scorecard
from flows.ingest import publish_ingest, summary
from flows.validate import publish_validation

__all__ = ["RETRY_DELAYS_S", "province_pipeline"]

RETRY_DELAYS_S = [5.0, 15.0, 45.0, 120.0, 300.0]  # busy database or upload in progress: about 8 minutes in all
RUN_TIMEOUT_S = 12 * 3600.0  # the whole run; each step has settings.step_timeout_s (default 3 h)


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


def _step_task(step: Step, timeout_s: float):
    def transient(_task, _run, state) -> bool:
        return isinstance(state.data, step.transient)

    return task(
        _in_units(step) if step.units else step.func,
        name=step.title_vi,
        task_run_name=f"{step.title_vi} ({{r.province}})",
        retries=len(RETRY_DELAYS_S) if step.transient else 0,
        retry_delay_seconds=RETRY_DELAYS_S,
        retry_condition_fn=transient,
        timeout_seconds=timeout_s,
        cache_policy=NO_CACHE,
    )


def _in_units(step: Step):
    """The step's units as tasks inside the step's task (its retries and timeout cover them)."""
    units = step.units
    prepare = task(units.prepare, name=f"{step.title_vi}: chuẩn bị", cache_policy=NO_CACHE)
    one = task(units.run_unit, name=units.unit_title_vi, cache_policy=NO_CACHE)
    finish = task(units.finish, name=f"{step.title_vi}: tổng hợp", cache_policy=NO_CACHE)

    def walk(r: Run) -> Any:
        with hold(r):
            plan = prepare.with_options(task_run_name=f"{step.title_vi}: chuẩn bị ({r.province})")(r)
            done = [
                one.with_options(task_run_name=f"{units.unit_title_vi} {units.label(u)} ({r.province})")(plan, u)
                for u in units.units(plan)
            ]
            return finish.with_options(task_run_name=f"{step.title_vi}: tổng hợp ({r.province})")(plan, done)

    walk.__name__ = step.name  # Prefect names the task's function in logs
    return walk


def _timed_out(step: Step, timeout_s: float, province: str) -> Any:
    message = (
        f"Bước '{step.title_vi}' chạy quá {timeout_s:g} giây (step_timeout_s) nên lượt chạy của tỉnh {province} dừng; "
        f"các bước sau không chạy. / Step '{step.name}' exceeded step_timeout_s = {timeout_s:g} s; the run stopped."
    )
    get_run_logger().error(message)
    return Failed(message=message, data={"timed_out": step.name})


@flow(name="ddss-province", flow_run_name="province-{province}", timeout_seconds=RUN_TIMEOUT_S)
def province_pipeline(
    province: str,
    inbox: str | None = None,
    as_of: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
    busy_timeout_s: float | None = None,
    settle_s: float = 2.0,
    step_timeout_s: float | None = None,
) -> Any:
    """Folders and the waits default to the project's settings; a run (the demo, a test) may change them."""
    settings = flow_settings(data_dir, reports_dir, gx_dir, busy_timeout_s, step_timeout_s)
    r = Run(
        settings,
        province,
        Path(inbox) if inbox else default_inbox(settings, province),
        dt.date.fromisoformat(as_of) if as_of else None,
        settle_s,
    )
    for step in STEPS:
        try:
            r.results[step.name] = _step_task(step, settings.step_timeout_s)(r)
        except TimeoutError:  # Prefect's TaskRunTimeoutError: the step's own timeout
            return _timed_out(step, settings.step_timeout_s, province)
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
