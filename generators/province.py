"""One synthetic province: clean frames -> injected defects -> batch files + ground truth.

Output layout (the contract with ingestion and evaluation):
``OUT/inbox/<dataset>.<ext>`` — the batch an agency would send;
``OUT/ground_truth/manifest.csv`` — one row per injected defect (dataset, source_file,
source_row (1-based data row of the file), record_key, defect_kind = check_id, dimension,
detail), no personal data; ``OUT/ground_truth/params.json`` — arguments and counts.

A province is generated block by block (generators/blocks.py: fixed-size blocks of
persons, each from its own seed; generators/block_maker.py, generators/pipeline.py), written in order; ``chunk_persons``
only says how many blocks may be made ahead of the one being written, by worker processes
or by the writing process itself (one process alone holds one block at a time): the same
seed gives the same bytes whatever the chunk size or the number of processes. A province of
at most one block is what it always was. A run with worker processes keeps its scratch files
in ``OUT/.blocks/`` and removes them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ddss.rules.catalog import DIMENSIONS
from ddss.schema import DATASETS
from generators.block_maker import MANIFEST_COLUMNS, Block, block_frames, manifest_part, stage
from generators.blocks import BLOCK_PERSONS
from generators.defects import MANIFEST_SCHEMA, Injected
from generators.pipeline import Province, timeline_row
from generators.worker_pool import worker_pool
from generators.writers import DatasetWriter, FileForm

__all__ = ["CHUNK_PERSONS", "DEFAULT_AS_OF", "MAX_PERSONS", "GenerationResult", "clean_frames", "generate"]

DEFAULT_AS_OF = dt.date(2026, 11, 1)  # fixed, so output never depends on the day it runs
MAX_PERSONS = 15_000_000  # TP Hồ Chí Minh has about 14 M people
CHUNK_PERSONS = 1_000_000  # persons held in memory at once by default (whole blocks)


@dataclass(frozen=True)
class GenerationResult:
    out: Path
    inbox: Path
    manifest_path: Path
    rows: dict[str, int]
    defects: dict[str, int]  # per dimension
    seconds_frames: float
    seconds_total: float
    # CPU time of this process (all its threads; not the worker processes'): on a shared
    # machine the wall time follows the load, this does not.
    cpu_seconds_frames: float = 0.0
    cpu_seconds_total: float = 0.0
    # One row per block: which process made it ("parent" or a worker's pid) and, per stage
    # (clean, defects, render: where it was made; write: this process), [start, end] in
    # seconds since generate began and CPU seconds (bench/generate.py reads it).
    timeline: list[dict] = field(default_factory=list)

    def summary_vi(self) -> str:
        def num(v: int) -> str:
            return f"{v:,}".replace(",", ".")

        rows = ", ".join(f"{k} {num(v)}" for k, v in self.rows.items())
        # The four dimensions in their usual order, named as the steward reads them.
        counts = [f"{DIMENSIONS[k].lower()} {num(self.defects[k])}" for k in DIMENSIONS if k in self.defects]
        defects = ", ".join(counts) or "không có"
        return (
            f"{num(sum(self.rows.values()))} dòng ({rows}); lỗi cài sẵn theo chiều: {defects}; "
            f"{self.seconds_total:.1f} giây; tệp trong {self.inbox}"
        )


def clean_frames(province: str, persons: int, seed: int, as_of: dt.date = DEFAULT_AS_OF) -> dict[str, pl.DataFrame]:
    """The defect-free province in one piece (at most one million persons), one independent
    random stream per dataset."""
    return block_frames(province, persons, np.random.SeedSequence(seed), as_of)


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
    chunk_persons: int = CHUNK_PERSONS,
    block_persons: int = BLOCK_PERSONS,
    workers: int = 1,
) -> GenerationResult:
    """Write the province's batch files and ground truth. ``chunk_persons``: persons the
    worker processes may make ahead of the block being written (whole blocks, at least
    one); ``workers``: processes making blocks at once, this one included (a province of
    several blocks); neither changes a byte of the output.
    ``block_persons``: the block size, a constant of the output (tests make it small)."""
    if not 0 < persons <= MAX_PERSONS:
        raise ValueError(f"persons must be between 1 and {MAX_PERSONS:,}")
    t0, c0 = time.perf_counter(), time.process_time()
    out = Path(out)
    form = FileForm(fmt, headers, dates, decimal_comma, encoding)
    nfd = encoding != "cp1258" or fmt != "csv"
    context = {"province": province, "as_of": as_of, "nfd_representable": nfd}
    prov = Province(province, persons, seed, defect_rate, as_of, context, block_persons)
    per_chunk = max(1, chunk_persons // block_persons)
    inbox, truth = out / "inbox", out / "ground_truth"
    inbox.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)

    writers: dict[str, DatasetWriter] = {}
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in DATASETS}
    # Each part's manifest lines, made as its block is written (most of them while a worker
    # still makes blocks), so the run's last stretch writes few; CSV lines do not depend on
    # the rows around them, so the file is the bytes one write of the whole would give.
    lines: dict[str, list[bytes]] = {name: [] for name in DATASETS}

    def add(name: str, part: pl.DataFrame) -> None:
        parts[name].append(part)
        buf = io.BytesIO()
        part.write_csv(buf, include_header=False)
        lines[name].append(buf.getvalue())

    t_frames = c_frames = 0.0
    timeline: list[dict] = []

    def write(block: Block) -> None:
        injected, rendered = block.injected, block.rendered or {}
        for name in block.names or tuple(injected.frames):
            if name not in writers:
                # Parquet carries text if the first block has a raw text defect in it (every
                # block then does, the defect rate being the same).
                text = name in {o.dataset for o in injected.raw_overrides}
                writers[name] = DatasetWriter(name, form, inbox, text=text)
            w = writers[name]
            if name in rendered:
                data, rows, part = rendered[name]
                if part is not None:
                    add(name, part.with_columns(pl.lit(w.path.name).alias("source_file"), pl.col("source_row") + w.rows))
                w.append(data, rows)
                continue
            part = manifest_part(name, injected, w.path.name, w.rows)
            if part is not None:
                add(name, part)
            w.write(injected.frames[name], injected.raw_overrides)

    workers = min(workers, len(prov.sizes))  # one block: no worker process
    # Workers leave a block's CSV bytes and its frames in files beside the output (same file
    # system: the kernel copies CSV bytes into place, frames are mapped back); each removed
    # as it is taken, the folder at the end.
    spool = out / ".blocks" if workers > 1 else None
    with contextlib.ExitStack() as stack:
        if spool is not None:
            spool.mkdir(exist_ok=True)
            stack.callback(shutil.rmtree, spool, ignore_errors=True)
        pool = stack.enter_context(worker_pool(workers))  # first: the workers' start-up begins
        blocks = prov.stream(pool, workers, per_chunk, form, spool)
        while True:
            t, c = time.perf_counter(), time.process_time()
            made = next(blocks, None)
            t_frames += time.perf_counter() - t
            c_frames += time.process_time() - c
            if made is None:
                break
            b, block = made
            t, c = time.perf_counter(), time.process_time()
            write(block)
            times = block.times
            stage(times, "write", t, c)
            timeline.append(timeline_row(b, times, t0))
            del block, made
    wide = prov.province_wide()
    if wide:
        write(Block(Injected(wide, pl.DataFrame(schema=MANIFEST_SCHEMA))))
    files = {name: w.close() for name, w in writers.items()}

    present = [pl.concat(p) for name in DATASETS if (p := parts[name])]
    manifest = (
        pl.concat(present)
        if present
        else pl.DataFrame(schema={c: (pl.Int64 if c == "source_row" else pl.Utf8) for c in MANIFEST_COLUMNS})
    )
    manifest_path = truth / "manifest.csv"
    with manifest_path.open("wb") as sink:
        manifest.clear().write_csv(sink)  # the header line
        sink.writelines(chunk for name in DATASETS for chunk in lines[name])

    rows = {name: writers[name].rows for name in files}
    defects = dict(manifest.group_by("dimension").len().iter_rows()) if manifest.height else {}
    result = GenerationResult(
        out, inbox, manifest_path, rows, defects, t_frames, time.perf_counter() - t0, c_frames, time.process_time() - c0, timeline
    )
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
    if len(prov.sizes) > 1:  # a one-block province's params stay as they were
        params["block_persons"] = block_persons
    (truth / "params.json").write_text(json.dumps(params, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    return result
