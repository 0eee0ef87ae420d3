"""One synthetic province: clean frames -> injected defects -> batch files + ground truth.

Output layout (the contract with ingestion and evaluation):
``OUT/inbox/<dataset>.<ext>`` — the batch an agency would send;
``OUT/ground_truth/manifest.csv`` — one row per injected defect (dataset, source_file,
source_row (1-based data row of the file), record_key, defect_kind = check_id, dimension,
detail), no personal data; ``OUT/ground_truth/params.json`` — arguments and counts.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.schema import DATASETS
from generators import civil, land, population
from generators.defects import inject
from generators.writers import FileForm, write_dataset

__all__ = ["DEFAULT_AS_OF", "GenerationResult", "clean_frames", "generate"]

DEFAULT_AS_OF = dt.date(2026, 11, 1)  # fixed, so output never depends on the day it runs
MANIFEST_COLUMNS = ["dataset", "source_file", "source_row", "record_key", "defect_kind", "dimension", "detail"]


@dataclass(frozen=True)
class GenerationResult:
    out: Path
    inbox: Path
    manifest_path: Path
    rows: dict[str, int]
    defects: dict[str, int]  # per dimension
    seconds_frames: float
    seconds_total: float

    def summary_vi(self) -> str:
        def num(v: int) -> str:
            return f"{v:,}".replace(",", ".")

        rows = ", ".join(f"{k} {num(v)}" for k, v in self.rows.items())
        defects = ", ".join(f"{k} {v}" for k, v in sorted(self.defects.items())) or "không có"
        return (
            f"{num(sum(self.rows.values()))} dòng ({rows}); lỗi cài sẵn theo chiều: {defects}; "
            f"{self.seconds_total:.1f} giây; tệp trong {self.inbox}"
        )


def clean_frames(province: str, persons: int, seed: int, as_of: dt.date = DEFAULT_AS_OF) -> dict[str, pl.DataFrame]:
    """The defect-free province, one independent random stream per dataset."""
    admin_units.province(province)  # fail early with the list of valid codes
    ss = np.random.SeedSequence(seed)
    r_pop, r_birth, r_death, r_marr, r_parcel, r_cert = (np.random.default_rng(s) for s in ss.spawn(6))
    pop = population.generate_population(r_pop, province, persons, as_of)
    births, pop = civil.generate_births(r_birth, pop, as_of)
    deaths = civil.generate_deaths(r_death, pop, as_of)
    marriages = civil.generate_marriages(r_marr, pop, as_of)
    parcels = land.generate_parcels(r_parcel, province, persons, as_of)
    certs = land.generate_certificates(r_cert, parcels, pop, as_of)
    frames = {"population": pop, "birth": births, "death": deaths, "marriage": marriages, "parcel": parcels, "certificate": certs}
    # Schema order; optional columns the generator does not fill stay out of the files
    # (a file without them is valid: docs/batch-format.md).
    return {name: df.select([c for c in DATASETS[name].column_names if c in df.columns]) for name, df in frames.items()}


def _record_keys(name: str, df: pl.DataFrame, rows: pl.Series) -> list[str]:
    picked = df[rows.to_list()] if rows.len() else df.clear()
    if name == "population":
        # Ground truth sits beside the raw files it describes; ddss's own record_key is keyed
        # (ddss.keys) and cannot be made without the deployment's secret.
        return [p or "" for p in picked["person_id"].to_list()]
    key = DATASETS[name].key
    return picked.select(pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in key], separator="|")).to_series().to_list()


def generate(
    province: str,
    persons: int,
    seed: int,
    defect_rate: float,
    out: Path,
    fmt: str = "csv",
    as_of: dt.date = DEFAULT_AS_OF,
    headers: str = "canonical",
    dates: str = "iso",
    decimal_comma: bool = False,
    encoding: str = "utf-8",
) -> GenerationResult:
    t0 = time.perf_counter()
    out = Path(out)
    form = FileForm(fmt, headers, dates, decimal_comma, encoding)
    frames = clean_frames(province, persons, seed, as_of)
    injected = inject(
        frames,
        defect_rate,
        seed,
        {"province": province, "as_of": as_of, "seed": seed, "nfd_representable": encoding != "cp1258" or fmt != "csv"},
    )
    t_frames = time.perf_counter() - t0

    inbox, truth = out / "inbox", out / "ground_truth"
    inbox.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    files = {name: write_dataset(df, name, form, inbox, injected.raw_overrides) for name, df in injected.frames.items()}

    m = injected.manifest
    parts = []
    for name in DATASETS:
        sub = m.filter(pl.col("dataset") == name)
        if sub.is_empty():
            continue
        parts.append(
            sub.with_columns(
                pl.lit(files[name].name).alias("source_file"),
                (pl.col("row_index") + 1).alias("source_row"),
                pl.Series("record_key", _record_keys(name, injected.frames[name], sub["row_index"]), dtype=pl.Utf8),
            )
        )
    manifest = (
        pl.concat(parts).select(MANIFEST_COLUMNS)
        if parts
        else pl.DataFrame(schema={c: (pl.Int64 if c == "source_row" else pl.Utf8) for c in MANIFEST_COLUMNS})
    )
    manifest_path = truth / "manifest.csv"
    manifest.write_csv(manifest_path)

    rows = {name: df.height for name, df in injected.frames.items()}
    defects = dict(manifest.group_by("dimension").len().iter_rows()) if manifest.height else {}
    result = GenerationResult(out, inbox, manifest_path, rows, defects, t_frames, time.perf_counter() - t0)
    params = {
        "province": province,
        "persons": persons,
        "seed": seed,
        "defect_rate": defect_rate,
        "as_of": as_of.isoformat(),
        "form": asdict(form),
        "rows": rows,
        "defects": manifest.height,
    }
    (truth / "params.json").write_text(json.dumps(params, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    return result
