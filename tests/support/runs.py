"""One synthetic province taken through the real path (files -> DuckDB -> GX -> findings).

Shared by the validation, proof and privacy tests; each distinct run is made once per
session (conftest caches them) because GX validation costs a few seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.checks.run import ValidationResult, validate
from ddss.ingest import IngestResult, ingest_inbox
from ddss.settings import Settings
from generators.province import DEFAULT_AS_OF, GenerationResult, generate

__all__ = ["ProvinceRun", "run_province"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ProvinceRun:
    settings: Settings
    generated: GenerationResult
    ingested: IngestResult
    validated: ValidationResult
    as_of: dt.date

    @property
    def manifest(self) -> pl.DataFrame:
        return pl.read_csv(self.generated.manifest_path, infer_schema=False)


def run_province(workdir: Path, rate: float, persons: int = 2000, province: str = "79", seed: int = 7, **form) -> ProvinceRun:
    settings = Settings.load(ROOT, data_dir=workdir / "data", reports_dir=workdir / "reports", gx_dir=workdir / "gx")
    gen = generate(province=province, persons=persons, seed=seed, defect_rate=rate, out=workdir / "batch", **form)
    ingested = ingest_inbox(settings, province, gen.inbox)
    validated = validate(settings, province, as_of=DEFAULT_AS_OF)
    return ProvinceRun(settings, gen, ingested, validated, DEFAULT_AS_OF)
