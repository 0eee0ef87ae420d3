"""Alerts to the steward: a run không đạt, a score that dropped beyond the margin, a rejected file.

Every alert is appended to ``<data_dir>/alerts/alerts.jsonl`` (always, offline, the default)
and sent to each Apprise URL of ``[tool.ddss] alert_urls`` (a webhook ``json://host/path``,
``mailto://…`` on the province's own network, …). A channel that fails is noted in the
file, never fails the run. Alerts carry province, run, counts, scores, file names and the
scorecard's reasons: nothing personal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ddss.settings import Settings

__all__ = ["Alert", "alerts_for", "alerts_file", "send"]

KINDS = {
    "khong_dat": ("không đạt", "run failed"),
    "score_drop": ("điểm giảm", "score dropped"),
    "file_rejected": ("tệp bị từ chối", "file rejected"),
}


@dataclass(frozen=True)
class Alert:
    kind: str  # a key of KINDS
    province: str
    run_id: str | None
    title: str
    body: str
    at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


def _pct(x: float | None) -> str:
    return "?" if x is None else f"{100 * x:.1f} %"


def alerts_for(province: str, ingested: Any = None, scorecard: Any = None) -> list[Alert]:
    """What a run should raise: ``ingested`` an ingest.IngestResult, ``scorecard`` a scorecard.Scorecard."""
    out: list[Alert] = []
    if ingested is not None:
        for f in (f for f in ingested.files if f.status == "rejected"):
            out.append(
                Alert(
                    "file_rejected", province, ingested.batch_id,
                    f"ddss tỉnh {province}: tệp {f.source_file} bị từ chối / file rejected",
                    f"{f.reason_vi or ''}\n{f.reason_en or ''}".strip(),
                )
            )  # fmt: skip
    if scorecard is None:
        return out
    run = scorecard.run_id
    if not scorecard.passed:
        reasons = "\n".join(f"- {vi} / {en}" for vi, en in scorecard.reasons) or "-"
        out.append(Alert("khong_dat", province, run, f"ddss tỉnh {province}: lượt {run} KHÔNG ĐẠT / run failed", reasons))
    drops = [
        f"- {d.dataset} / {s.dimension}: {_pct(s.previous_score)} → {_pct(s.score)} (lượt trước {s.previous_run})"
        for d in scorecard.datasets()
        for s in (*d.dimensions, d.overall)
        if s.dropped
    ]
    if drops:
        margin = _pct(scorecard.drop_margin)
        out.append(
            Alert(
                "score_drop", province, run,
                f"ddss tỉnh {province}: điểm giảm quá {margin} / score dropped beyond {margin}",
                "\n".join(drops),
            )
        )  # fmt: skip
    return out


def alerts_file(settings: Settings):  # -> Path
    return settings.data_dir / "alerts" / "alerts.jsonl"


def send(settings: Settings, alerts: list[Alert]) -> list[dict]:
    """Write each alert to the alerts file and every configured channel; returns what was
    written (one record per alert, with ``delivered`` per channel)."""
    if not alerts:
        return []
    records = []
    notifier = None
    if settings.alert_urls:
        import apprise

        notifier = apprise.Apprise()
        for url in settings.alert_urls:
            notifier.add(url)
    for a in alerts:
        delivered = {}
        if notifier is not None:
            ok = notifier.notify(title=a.title, body=a.body, notify_type=apprise.NotifyType.FAILURE)
            delivered = {"apprise": bool(ok), "channels": len(settings.alert_urls)}
        records.append({**asdict(a), "delivered": delivered})
    path = alerts_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return records
