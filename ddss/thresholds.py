"""The reviewed thresholds file: per dataset × dimension, a threshold and a policy.

``ddss/data/thresholds.toml`` unless ``[tool.ddss] thresholds_file`` names another. Every
dataset × dimension must be present (a missing one is an error, not a silent default):
a gate decision must never rest on a number nobody reviewed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ddss.rules.catalog import DIMENSIONS
from ddss.schema import DATASETS

__all__ = ["DEFAULT_FILE", "POLICIES", "Threshold", "Thresholds", "load_thresholds"]

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "thresholds.toml"

Policy = Literal["block_records", "block_batch"]
POLICIES: dict[str, tuple[str, str]] = {
    "block_records": ("chặn bản ghi", "block records"),
    "block_batch": ("chặn cả lô", "block batch"),
}


@dataclass(frozen=True)
class Threshold:
    threshold: float
    policy: Policy


@dataclass(frozen=True)
class Thresholds:
    version: str
    path: str
    table: dict[tuple[str, str], Threshold]

    def get(self, dataset: str, dimension: str) -> Threshold:
        return self.table[(dataset, dimension)]


def load_thresholds(path: Path | None = None) -> Thresholds:
    path = Path(path or DEFAULT_FILE)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise ValueError(f"{path}: thiếu 'version' / missing 'version'")
    table: dict[tuple[str, str], Threshold] = {}
    for dataset in DATASETS:
        for dim in DIMENSIONS:
            entry = raw.get(dataset, {}).get(dim)
            where = f"{path.name} [{dataset}] {dim}"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: thiếu ngưỡng / missing threshold")
            value, policy = entry.get("threshold"), entry.get("policy")
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{where}: threshold = {value!r}, cần số từ 0 đến 1 / expected a number from 0 to 1")
            if policy not in POLICIES:
                raise ValueError(f"{where}: policy = {policy!r}, cần một trong / expected one of {', '.join(POLICIES)}")
            table[(dataset, dim)] = Threshold(float(value), policy)
    unknown = set(raw) - set(DATASETS) - {"version"}
    if unknown:
        raise ValueError(f"{path.name}: tập dữ liệu không biết / unknown datasets: {', '.join(sorted(unknown))}")
    return Thresholds(version, str(path), table)
