"""One synthetic province: clean frames -> injected defects -> batch files + ground truth.

Output layout (the contract with ingestion and evaluation):
``OUT/inbox/<dataset>.<ext>`` — the batch an agency would send;
``OUT/ground_truth/manifest.csv`` — one row per injected defect (dataset, source_file,
source_row (1-based data row of the file), record_key, defect_kind = check_id, dimension,
detail), no personal data; ``OUT/ground_truth/params.json`` — arguments and counts.

A province is generated block by block (generators/blocks.py: fixed-size blocks of
persons, each from its own seed), written in order as they are made; ``chunk_persons``
only says how many blocks worker processes may have made or be making ahead of the one
being written (one process holds one block at a time): the same seed gives the same bytes
whatever the chunk size or the number of processes. A province of at most one block is
what it always was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.schema import DATASETS
from generators import cards, civil, closures, land, parents, population
from generators.blocks import BLOCK_PERSONS, Carry, block_seed, block_sizes, spread_ids, spread_parcels, spread_serials
from generators.defects import MANIFEST_SCHEMA, Injected, inject
from generators.writers import DatasetWriter, FileForm, csv_bytes

__all__ = ["CHUNK_PERSONS", "DEFAULT_AS_OF", "MAX_PERSONS", "GenerationResult", "clean_frames", "generate"]

DEFAULT_AS_OF = dt.date(2026, 11, 1)  # fixed, so output never depends on the day it runs
MAX_PERSONS = 15_000_000  # TP Hồ Chí Minh has about 14 M people
CHUNK_PERSONS = 1_000_000  # persons held in memory at once by default (whole blocks)
# Built once for the whole province from every block's books (a book spans blocks).
_PROVINCE_WIDE = ("book_closure",)
# Datasets no block carries on from the one before: in a CSV province of several blocks a
# block made in a worker process turns them into file bytes there, so neither their frames
# nor their formatting pass through the process that writes the files.
_RENDERED = ("population", "parcel", "certificate")
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
    # CPU time of this process (all its threads; not the worker processes'): on a shared
    # machine the wall time follows the load, this does not.
    cpu_seconds_frames: float = 0.0
    cpu_seconds_total: float = 0.0

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
    """The defect-free province in one piece (at most one million persons), one independent
    random stream per dataset."""
    return _block_frames(province, persons, np.random.SeedSequence(seed), as_of)


def _block_frames(
    province: str,
    persons: int,
    ss: np.random.SeedSequence,
    as_of: dt.date,
    block: int = 0,
    blocks: int = 1,
) -> dict[str, pl.DataFrame]:
    admin_units.province(province)  # fail early with the list of valid codes
    # Children 0-5 as they always were; 6-7 only for a province of several blocks.
    # Child 8: identity cards (issue #19, L4); spawning more keeps children 0-7 unchanged.
    r_pop, r_birth, r_death, r_marr, r_parcel, r_cert, r_ids, r_serials, r_cards = (np.random.default_rng(s) for s in ss.spawn(9))
    pop = population.generate_population(r_pop, province, persons, as_of)
    if blocks > 1:
        pop = pop.with_columns(spread_ids(r_ids, pop["person_id"], block, blocks))
    births, pop = civil.generate_births(r_birth, pop, as_of)
    deaths = civil.generate_deaths(r_death, pop, as_of)
    marriages = civil.generate_marriages(r_marr, pop, as_of)
    parcels = land.generate_parcels(r_parcel, province, persons, as_of)
    if blocks > 1:
        parcels = spread_parcels(parcels, block, blocks)
    certs = land.generate_certificates(r_cert, parcels, pop, as_of)
    if blocks > 1:
        certs = certs.with_columns(spread_serials(r_serials, certs["certificate_serial"], block, blocks))
    pop = parents.add_parent_ids(cards.add_cards(r_cards, pop, as_of), births)
    frames = {"population": pop, "birth": births, "death": deaths, "marriage": marriages, "parcel": parcels, "certificate": certs}
    # Register book closures are counts of the civil frames (additive across chunks).
    frames["book_closure"] = closures.book_closures(frames, as_of)
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


def _manifest_part(name: str, injected: Injected, file_name: str, offset: int) -> pl.DataFrame | None:
    """One block's defects of one dataset, with file-global source rows (after ``offset``
    rows of earlier blocks)."""
    sub = injected.manifest.filter(pl.col("dataset") == name)
    if sub.is_empty():
        return None
    return sub.with_columns(
        pl.lit(file_name).alias("source_file"),
        (pl.col("row_index") + 1 + offset).alias("source_row"),
        pl.Series("record_key", _record_keys(name, injected.frames[name], sub["row_index"]), dtype=pl.Utf8),
    ).select(MANIFEST_COLUMNS)


@dataclass
class _Block:
    """One block as made (possibly in another process), before the registers carry on."""

    injected: Injected
    counts: pl.DataFrame | None = None  # clean entries per book (closures)
    loaded: pl.DataFrame | None = None  # entries per book as they will load
    names: tuple[str, ...] = ()  # every dataset of the block, in order (rendered or not)
    # dataset -> (CSV bytes, rows, manifest part with block-local source rows)
    rendered: dict[str, tuple[bytes, int, pl.DataFrame | None]] | None = None


def _make_block(
    province: str,
    size: int,
    seed: int,
    b: int,
    blocks: int,
    rate: float,
    as_of: dt.date,
    context: dict,
    form: FileForm | None = None,
) -> _Block:
    """Block ``b`` of ``blocks``: a function of its arguments only, so blocks can be made in
    any process and any order. ``form`` (CSV, several blocks): the datasets of ``_RENDERED``
    come back as file bytes."""
    ss = block_seed(seed, b)
    frames = _block_frames(province, size, ss, as_of, b, blocks)
    # Block 0 injects with the province seed itself; the others with their own.
    seed = seed if b == 0 else int(ss.generate_state(1)[0])
    if blocks == 1:
        return _Block(inject(frames, rate, seed, {**context, "seed": seed}))
    # Fresh IDs a defect makes keep to this block's serials (no other block's person has them).
    context = {**context, "id_residue": (b, blocks)}
    wide = {k: frames.pop(k) for k in _PROVINCE_WIDE if k in frames}
    counts = None
    if "book_closure" in wide:
        from generators.closures import book_counts

        counts = book_counts(frames)
    injected = inject(frames, rate, seed, {**context, "seed": seed})
    loaded = closures.loaded_entries(injected.frames, injected.raw_overrides) if counts is not None else None
    block = _Block(injected, counts, loaded, tuple(injected.frames))
    if form is not None and form.fmt == "csv":
        block.rendered = {}
        for name in (n for n in _RENDERED if n in injected.frames):
            df = injected.frames.pop(name)
            part = _manifest_part(name, Injected({name: df}, injected.manifest), "", 0)
            text = DatasetWriter(name, form, Path()).render(df, injected.raw_overrides)
            block.rendered[name] = (csv_bytes(text, form, header=b == 0), df.height, part)
    return block


class _Province:
    """The blocks of one province in order, and what carries from one block to the next."""

    def __init__(self, province: str, persons: int, seed: int, rate: float, as_of: dt.date, context: dict, block_persons: int):
        self.args = (province, seed, rate, as_of, context)
        self.as_of = as_of
        self.sizes = block_sizes(persons, block_persons)
        self.carry = Carry() if len(self.sizes) > 1 else None
        self.counts: list[pl.DataFrame] = []
        self.loaded: list[pl.DataFrame] = []

    def stream(self, pool: Executor | None, workers: int, window: int, form: FileForm | None) -> Iterator[_Block]:
        """Every block in order, with the register entries carried on from the blocks before.
        With ``pool`` (``workers - 1`` processes), this process makes every ``workers``-th
        block itself (it only appends and writes the rest: one process fewer to start and
        warm up) and the pool the others, at most ``window`` of them made or waiting at
        once: they go on while this process writes (memory stays bounded)."""
        province, seed, rate, as_of, context = self.args
        n = len(self.sizes)
        form = form if n > 1 else None  # a province of one block is written as it always was

        def call(b: int, render: bool) -> tuple:  # a block made here is written from its frames
            return (province, self.sizes[b], seed, b, n, rate, as_of, context, form if render else None)

        pending: dict[int, Future] = {}
        ahead = 0  # the next block to hand to the pool, if it is not this process's own
        for b in range(n):
            while pool is not None and ahead < n and len(pending) < window:
                if ahead % workers:
                    pending[ahead] = pool.submit(_make_block, *call(ahead, True))
                ahead += 1
            m = pending.pop(b).result() if b in pending else _make_block(*call(b, False))
            if self.carry is not None:
                m.injected.frames = self.carry.registers(m.injected.frames)
            if m.counts is not None:
                self.counts.append(m.counts)
                self.loaded.append(m.loaded)
            yield m

    def province_wide(self) -> dict[str, pl.DataFrame]:
        """Datasets built once from every block (book closures: one row per book, whatever
        blocks its entries came from; its totals the entries that will load)."""
        if self.carry is None or not self.counts:
            return {}
        from generators.closures import closures_from_counts

        books = closures_from_counts(pl.concat(self.counts), self.as_of)
        key = ["registering_commune_code", "event_type", "register_book"]
        loaded = pl.concat(self.loaded).group_by(key).agg(pl.col("_n").sum())
        total = books.select(key).join(loaded, on=key, how="left", maintain_order="left")["_n"].fill_null(0)
        books = books.with_columns(total.alias("total_entries"))
        return {"book_closure": books.select([c for c in DATASETS["book_closure"].column_names if c in books.columns])}


@contextlib.contextmanager
def _pool(workers: int):
    """``workers - 1`` processes that make blocks beside this one (spawned: polars' threads
    do not survive a fork)."""
    if workers <= 1:
        yield None
        return
    import multiprocessing

    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


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
    prov = _Province(province, persons, seed, defect_rate, as_of, context, block_persons)
    per_chunk = max(1, chunk_persons // block_persons)
    inbox, truth = out / "inbox", out / "ground_truth"
    inbox.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)

    writers: dict[str, DatasetWriter] = {}
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in DATASETS}
    t_frames = c_frames = 0.0

    def write(block: _Block) -> None:
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
                    parts[name].append(part.with_columns(pl.lit(w.path.name).alias("source_file"), pl.col("source_row") + w.rows))
                w.append(data, rows)
                continue
            part = _manifest_part(name, injected, w.path.name, w.rows)
            if part is not None:
                parts[name].append(part)
            w.write(injected.frames[name], injected.raw_overrides)

    workers = min(workers, len(prov.sizes))  # one block: no worker process
    with _pool(workers) as pool:
        blocks = prov.stream(pool, workers, per_chunk, form)
        while True:
            t, c = time.perf_counter(), time.process_time()
            block = next(blocks, None)
            t_frames += time.perf_counter() - t
            c_frames += time.process_time() - c
            if block is None:
                break
            write(block)
            del block
    wide = prov.province_wide()
    if wide:
        write(_Block(Injected(wide, pl.DataFrame(schema=MANIFEST_SCHEMA))))
    files = {name: w.close() for name, w in writers.items()}

    present = [pl.concat(p) for name in DATASETS if (p := parts[name])]
    manifest = (
        pl.concat(present)
        if present
        else pl.DataFrame(schema={c: (pl.Int64 if c == "source_row" else pl.Utf8) for c in MANIFEST_COLUMNS})
    )
    manifest_path = truth / "manifest.csv"
    manifest.write_csv(manifest_path)

    rows = {name: writers[name].rows for name in files}
    defects = dict(manifest.group_by("dimension").len().iter_rows()) if manifest.height else {}
    result = GenerationResult(
        out, inbox, manifest_path, rows, defects, t_frames, time.perf_counter() - t0, c_frames, time.process_time() - c0
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
