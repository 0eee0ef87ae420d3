"""A hand-made scorecard in the shape the scorecard issue names (agency × dataset ×
dimension scores with thresholds, đạt / không đạt, reasons, history), for the pages
until the scorecard module writes ``scorecard.json`` in every run."""

from __future__ import annotations

import json
from pathlib import Path

from ddss.schema import DATASETS

__all__ = ["write_scorecard"]

DIMENSIONS = ("dung", "du", "sach", "song")


def write_scorecard(run_dir: Path, run_id: str, failing: tuple[str, str] = ("parcel", "dung")) -> dict:
    """Every dataset × dimension at 99 % (threshold 95 %) but ``failing`` at 80 %; three
    earlier runs of history. The run and the failing dataset's agency are không đạt."""
    scores, history = [], []
    for dataset, spec in DATASETS.items():
        for k, dim in enumerate(DIMENSIONS):
            score = 0.80 if (dataset, dim) == failing else 0.99 - 0.001 * k
            scores.append(
                {
                    "agency": spec.agency,
                    "dataset": dataset,
                    "dimension": dim,
                    "records_checked": 1000,
                    "records_blocking": round(1000 * (1 - score)),
                    "score": score,
                    "threshold": 0.95,
                    "passed": score >= 0.95,
                    "previous": 0.97,
                    "change": round(score - 0.97, 4),
                    "drop_flagged": score < 0.9,
                }
            )
            for i, past in enumerate((0.96, 0.985, 0.97)):
                history.append(
                    {
                        "run_id": f"2026110{i + 1}T000000-79-old{i}",
                        "at": f"2026-11-0{i + 1}T00:00:00",
                        "agency": spec.agency,
                        "dataset": dataset,
                        "dimension": dim,
                        "score": past,
                    }
                )
    bad_agency = DATASETS[failing[0]].agency
    data = {
        "run_id": run_id,
        "passed": False,
        "reasons": [f"Tập {failing[0]}: chiều {failing[1]} đạt 80,0 %, dưới ngưỡng 95,0 %."],
        "agencies": {a: a != bad_agency for a in {s.agency for s in DATASETS.values()}},
        "datasets": {d: d != failing[0] for d in DATASETS},
        "scores": scores,
        "history": history,
    }
    (run_dir / "scorecard.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return data
