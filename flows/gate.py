"""Prefect: the scorecard of a run and the gate to the national database, over ddss functions.

``gate_flow`` gates a validated run; ``score_and_publish`` is what the validate flow calls to
add the scorecard. On không đạt a flow ends **Failed** with the reasons as its message (a
steward's dashboard shows red) and raises ``ddss.gate.RunNotPassed`` when called directly;
otherwise Completed. Artifacts carry counts and scores only.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from ddss.gate import GateResult, RunNotPassed, gate
from ddss.scorecard import DATASET_LABELS, VERDICTS, Scorecard
from ddss.scorecard_io import score_run
from flows import flow_settings

__all__ = ["failed_state", "gate_flow", "publish_gate", "publish_scorecard", "score_and_publish"]


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f} %"


def publish_scorecard(card: Scorecard) -> None:
    """Table artifact: one row per dataset with its four dimensions, overall and verdict."""
    rows = [
        {
            "Cơ quan": d.agency,
            "Tập dữ liệu": DATASET_LABELS[d.dataset][0],
            "Bản ghi": d.overall.checked,
            **{s.dimension: _pct(s.score) for s in d.dimensions},
            "Tổng": _pct(d.overall.score),
            "Kết luận": VERDICTS[d.verdict][0],
        }
        for d in card.datasets()
    ]
    create_table_artifact(
        key=f"scorecard-{card.province}", table=rows, description=f"Bảng điểm lượt {card.run_id}: {VERDICTS[card.verdict][0]}"
    )


def failed_state(card: Scorecard, summary: dict) -> Failed:
    """The Failed state of a không đạt run, reasons as its message."""
    message = f"Không đạt (lượt {card.run_id}): " + " ".join(vi for vi, _ in card.reasons)
    return Failed(message=message, data=RunNotPassed(message, summary))


@task(name="bảng điểm", cache_policy=NO_CACHE)
def score_task(province: str, run_id: str | None, dirs: dict[str, str | None]) -> Scorecard:
    card, _ = score_run(flow_settings(**dirs), province, run_id)
    return card


def score_and_publish(province: str, run_id: str | None, dirs: dict[str, str | None]) -> Scorecard:
    card = score_task(province, run_id, dirs)
    publish_scorecard(card)
    return card


@task(name="xét chuyển", cache_policy=NO_CACHE)
def gate_task(province: str, run_id: str | None, dirs: dict[str, str | None]) -> GateResult:
    return gate(flow_settings(**dirs), province, run_id)


def publish_gate(result: GateResult) -> None:
    """Table artifact: per dataset, staged / promoted / held (counts only)."""
    create_table_artifact(
        key=f"gate-{result.province}",
        table=[
            {
                "Tập dữ liệu": DATASET_LABELS[d.dataset][0],
                "Đã nạp": d.staged,
                "Chuyển lên": d.promoted,
                "Giữ lại": d.held,
                "Mới": d.inserted,
                "Cập nhật": d.updated,
                "Chặn cả lô": d.batch_blocked,
            }
            for d in result.decisions
        ],  # fmt: skip
        description=f"Xét chuyển lượt {result.run_id}: nhật ký kiểm toán mục {result.audit_seq}",
    )


@flow(name="ddss-gate", flow_run_name="gate-{province}")
def gate_flow(
    province: str,
    run_id: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
):
    result = gate_task(province, run_id, {"data_dir": data_dir, "reports_dir": reports_dir, "gx_dir": gx_dir})
    publish_scorecard(result.scorecard)
    publish_gate(result)
    summary = {
        "run_id": result.run_id,
        "passed": result.passed,
        "promoted": result.promoted,
        "held": result.held,
        "audit_seq": result.audit_seq,
    }
    return summary if result.passed else failed_state(result.scorecard, summary)
