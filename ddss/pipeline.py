"""One province's straight data path as plain functions: inbox -> staging -> findings.

Prefect's ``flows/pipeline.py`` wires the same steps as sub-flows; this module is what a
steward's command (``ddss demo --no-prefect``) and the tests call without an orchestrator.
Scorecard, report and gate (issue #6) will be appended here as further steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ddss.settings import Settings

__all__ = ["PipelineResult", "run"]


@dataclass(frozen=True)
class PipelineResult:
    province: str
    ingest: Any  # ddss.ingest.IngestResult
    validation: Any  # ddss.checks.run.ValidationResult


def run(settings: Settings, province: str, inbox: Path, as_of: date | None = None) -> PipelineResult:
    from ddss.checks.run import validate
    from ddss.ingest import ingest_inbox

    ingested = ingest_inbox(settings, province, Path(inbox))
    validated = validate(settings, province, as_of=as_of)
    return PipelineResult(province, ingested, validated)
