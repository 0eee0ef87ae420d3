"""The catalogue of checks: one definition per rule, keyed by a stable ``check_id``.

A check is data (dataclass ``Check``) whose ``predicate`` (predicates.py) renders both
the GX expectation and one SQL boolean expression over a row ``t`` of the dataset's
current batch, TRUE when the row breaks the rule.
The GX expectation, the query that lists failing rows, and the generator's defect
kind of the same name all come from here (architecture.md, "Boundaries").

Placeholders in ``Sql`` predicates (filled by ``render``, never with user data):
``{population}``, ``{birth}``, ... -> the batch view of that dataset;
``{as_of}`` -> the reference date as a DATE literal;
``{fresh_days}`` -> the dataset's freshness limit in days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ddss.rules.catalog.predicates import Predicate

__all__ = ["DIMENSIONS", "SEVERITIES", "Check", "all_checks", "by_id", "for_dataset"]

Dimension = Literal["dung", "du", "sach", "song"]
Severity = Literal["blocking", "warning"]

DIMENSIONS: dict[str, str] = {"dung": "Đúng", "du": "Đủ", "sach": "Sạch", "song": "Sống"}
SEVERITIES: dict[str, str] = {"blocking": "Chặn", "warning": "Cảnh báo"}


@dataclass(frozen=True)
class Check:
    check_id: str  # "<dataset>.<rule>", stable; also the generator's defect kind
    dataset: str
    dimension: Dimension
    severity: Severity
    rule: str  # where the rule comes from: domain.md section and/or legal text
    title_vi: str  # short Vietnamese name shown to the steward
    description_vi: str  # one sentence a steward understands
    predicate: Predicate | None  # see predicates.py; None for checks decided at ingestion
    value_column: str | None = None  # which column's (masked) value a finding reports
    stage: Literal["validate", "ingest"] = "validate"


def all_checks() -> tuple[Check, ...]:
    from ddss.rules.catalog import registry

    return registry.CHECKS


def by_id(check_id: str) -> Check:
    for c in all_checks():
        if c.check_id == check_id:
            return c
    raise KeyError(f"unknown check_id {check_id!r}")


def for_dataset(dataset: str) -> tuple[Check, ...]:
    return tuple(c for c in all_checks() if c.dataset == dataset and c.stage == "validate")
