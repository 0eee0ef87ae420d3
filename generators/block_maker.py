"""One block of a province (issue #21): its clean frames, its defects and, in a CSV province
of several blocks, the big datasets' file bytes, made from its arguments only, so in any
process and any order (``make_block``); how a block made in a worker process travels back
(``worker_block``: frames left as Arrow files in a spool folder, manifest texts as
categories). ``generators.pipeline`` hands the blocks out and puts them in order.
Each block records where and when its stages ran (``Block.times``).
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.schema import DATASETS
from generators import cards, civil, closures, land, parents, population
from generators.blocks import Serials, block_seed
from generators.defects import Injected, inject
from generators.writers import DatasetWriter, FileForm, csv_bytes, csv_file

__all__ = [
    "MANIFEST_COLUMNS",
    "block_frames",
    "make_block",
    "manifest_part",
    "render_block",
    "stage",
    "unpack",
    "worker_block",
    "Block",
]

# Built once for the whole province from every block's books (a book spans blocks).
_PROVINCE_WIDE = ("book_closure",)
# Datasets no block carries on from the one before: in a CSV province of several blocks a
# block made in a worker process turns them into file bytes there, so neither their frames
# nor their formatting pass through the process that writes the files.
_RENDERED = ("population", "parcel", "certificate")
MANIFEST_COLUMNS = ["dataset", "source_file", "source_row", "record_key", "defect_kind", "dimension", "detail"]


def block_frames(
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
    ids, numbers = (Serials(r_ids, block, blocks), Serials(r_serials, block, blocks)) if blocks > 1 else (None, None)
    pop = population.generate_population(r_pop, province, persons, as_of, ids)
    births, pop = civil.generate_births(r_birth, pop, as_of)
    deaths = civil.generate_deaths(r_death, pop, as_of)
    marriages = civil.generate_marriages(r_marr, pop, as_of)
    parcels = land.generate_parcels(r_parcel, province, persons, as_of, block, blocks)
    certs = land.generate_certificates(r_cert, parcels, pop, as_of, serials=numbers)
    pop = parents.add_parent_ids(cards.add_cards(r_cards, pop, as_of), births)
    frames = {"population": pop, "birth": births, "death": deaths, "marriage": marriages, "parcel": parcels, "certificate": certs}
    # Register book closures are counts of the civil frames (additive across chunks).
    frames["book_closure"] = closures.book_closures(frames, as_of)
    # Schema order; optional columns the generator does not fill stay out of the files
    # (a file without them is valid: docs/batch-format.md).
    return {name: df.select([c for c in DATASETS[name].column_names if c in df.columns]) for name, df in frames.items()}


def _record_keys(name: str, df: pl.DataFrame, rows: pl.Series) -> pl.Series:
    # Ground truth sits beside the raw files it describes; ddss's own record_key is keyed
    # (ddss.keys) and cannot be made without the deployment's secret.
    key = ["person_id"] if name == "population" else DATASETS[name].key
    picked = df.select(key)[rows] if rows.len() else df.select(key).clear()  # the key columns only
    text = pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in key], separator="|")
    return picked.select(text.alias("record_key")).to_series()


def manifest_part(name: str, injected: Injected, file_name: str, offset: int) -> pl.DataFrame | None:
    """One block's defects of one dataset, with file-global source rows (after ``offset``
    rows of earlier blocks)."""
    sub = injected.manifest.filter(pl.col("dataset") == name)
    if sub.is_empty():
        return None
    return sub.with_columns(
        pl.lit(file_name).alias("source_file"),
        (pl.col("row_index") + 1 + offset).alias("source_row"),
        _record_keys(name, injected.frames[name], sub["row_index"]),
    ).select(MANIFEST_COLUMNS)


@dataclass
class Block:
    """One block as made (possibly in another process), before the registers carry on."""

    injected: Injected
    counts: pl.DataFrame | None = None  # clean entries per book (closures)
    loaded: pl.DataFrame | None = None  # entries per book as they will load
    names: tuple[str, ...] = ()  # every dataset of the block, in order (rendered or not)
    # dataset -> (CSV bytes, rows, manifest part with block-local source rows)
    # (a file of those bytes in ``spool``, if one was given: nothing big is pickled back)
    rendered: dict[str, tuple[bytes | Path, int, pl.DataFrame | None]] | None = None
    # Frames a worker left in ``spool`` as Arrow IPC files (mapped back, not pickled)
    spooled: dict[str, Path] | None = None
    # Where and when it was made: pid, and per stage (clean, defects, render) the wall clock
    # at start and end (time.perf_counter: one clock for every process on Linux) and CPU s.
    times: dict = field(default_factory=dict)


def stage(times: dict, name: str, t: float, c: float) -> tuple[float, float]:
    """Close stage ``name`` begun at wall ``t`` and CPU ``c``; returns the clocks now."""
    now, cpu = time.perf_counter(), time.process_time()
    times[name] = (t, now, cpu - c)
    return now, cpu


# Manifest columns of few distinct values: sent between processes as categories (the
# manifest has ~60 000 rows per block at 1 %; its text columns were most of what was pickled).
_REPEATED = ("dataset", "source_file", "defect_kind", "dimension", "detail")


def _recode(block: Block, dtype: pl.DataType) -> Block:
    """The block's manifest frames with their repeated text columns cast to ``dtype``."""

    def cast(df: pl.DataFrame | None) -> pl.DataFrame | None:
        return None if df is None else df.with_columns(pl.col(c).cast(dtype) for c in _REPEATED if c in df.columns)

    block.injected.manifest = cast(block.injected.manifest)
    if block.rendered:
        block.rendered = {name: (data, rows, cast(part)) for name, (data, rows, part) in block.rendered.items()}
    return block


def make_block(
    province: str,
    size: int,
    seed: int,
    b: int,
    blocks: int,
    rate: float,
    as_of: dt.date,
    context: dict,
    form: FileForm | None = None,
    spool: Path | None = None,
    keep: tuple[str, ...] = (),
) -> Block:
    """Block ``b`` of ``blocks``: a function of its arguments only, so blocks can be made in
    any process and any order. ``form`` (CSV, several blocks): the datasets of ``_RENDERED``
    come back as file bytes. ``spool`` (a folder): those bytes are left there as files,
    which the writer copies into place in the kernel (``worker_block`` also leaves the
    frames there, so that little is pickled back). ``keep``: datasets left as frames all the same."""
    times: dict = {"pid": os.getpid()}
    t, c = time.perf_counter(), time.process_time()
    ss = block_seed(seed, b)
    frames = block_frames(province, size, ss, as_of, b, blocks)
    t, c = stage(times, "clean", t, c)
    # Block 0 injects with the province seed itself; the others with their own.
    seed = seed if b == 0 else int(ss.generate_state(1)[0])
    if blocks == 1:
        block = Block(inject(frames, rate, seed, {**context, "seed": seed}), times=times)
        stage(times, "defects", t, c)
        return block
    # Fresh IDs a defect makes keep to this block's serials (no other block's person has them).
    context = {**context, "id_residue": (b, blocks)}
    wide = {k: frames.pop(k) for k in _PROVINCE_WIDE if k in frames}
    counts = None
    if "book_closure" in wide:
        counts = closures.book_counts(frames)
    injected = inject(frames, rate, seed, {**context, "seed": seed})
    loaded = closures.loaded_entries(injected.frames, injected.raw_overrides) if counts is not None else None
    block = Block(injected, counts, loaded, tuple(injected.frames), times=times)
    stage(times, "defects", t, c)
    render_block(block, b, form, spool, keep)
    return block


def render_block(block: Block, b: int, form: FileForm | None, spool: Path | None = None, keep: tuple[str, ...] = ()) -> None:
    """Block ``b`` (of several) with the datasets of ``_RENDERED`` turned into CSV bytes
    (``form``: CSV; nothing otherwise), in ``spool`` files if given; ``keep``: left as frames."""
    if form is None or form.fmt != "csv":
        return
    t, c = time.perf_counter(), time.process_time()
    injected = block.injected
    block.rendered = {}
    for name in (n for n in _RENDERED if n in injected.frames and n not in keep):
        df = injected.frames.pop(name)
        part = manifest_part(name, Injected({name: df}, injected.manifest), "", 0)
        text = DatasetWriter(name, form, Path()).render(df, injected.raw_overrides)
        # In a spool file the parent copies in the kernel (DatasetWriter.append).
        first = b == 0
        data = csv_bytes(text, form, first) if spool is None else csv_file(text, form, first, spool / f"{name}.{b}")
        block.rendered[name] = (data, df.height, part)
    # Their defects travel in those parts: the manifest keeps the others' only (from a
    # worker, ~4 MB fewer pickled per block, and no cast of them either way).
    injected.manifest = injected.manifest.filter(~pl.col("dataset").is_in(list(block.rendered)))
    stage(block.times, "render", t, c)


_MAKE_BLOCK = inspect.signature(make_block)


def worker_block(*args, **kwargs) -> Block:
    """``make_block(*args, **kwargs)`` in a worker process, its frames left in make_block's
    ``spool`` folder rather than pickled (its arguments read by name, however passed)."""
    given = _MAKE_BLOCK.bind(*args, **kwargs)
    given.apply_defaults()
    spool = given.arguments["spool"]
    if spool is None:  # before the block is made, not after in _pack
        raise ValueError("worker_block needs make_block's spool: a folder for the block's frames")
    return _pack(make_block(*args, **kwargs), spool, given.arguments["b"])


def _pack(block: Block, spool: Path, b: int) -> Block:
    """A worker's block made small to send: its frames as uncompressed Arrow IPC files in
    ``spool``, the manifests' repeated texts as categories."""
    block.spooled = {}
    for name, df in block.injected.frames.items():
        path = spool / f"{name}.{b}.arrow"
        df.write_ipc(path, compression="uncompressed")
        block.spooled[name] = path
    block.injected.frames = {}
    return _recode(block, pl.Categorical)


def unpack(block: Block) -> Block:
    """The block as the worker had it: frames read back from their files (polars maps an
    uncompressed IPC file rather than copying it; the files are removed at once, the mapping
    keeps the pages), manifest texts as text again."""
    if block.spooled:
        block.injected.frames = {name: pl.read_ipc(path) for name, path in block.spooled.items()}
        for path in block.spooled.values():
            path.unlink()
        block.spooled = None
    return _recode(block, pl.Utf8)
