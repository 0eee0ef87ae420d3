"""The blocks of a province in order, made here or in worker processes (issue #21).

``Province.stream`` hands the blocks (``generators.block_maker.make_block``: one block
from its arguments only) to ``generators.province.generate`` in order, with the register
entries carried on (``blocks.Carry``), while a pool of worker processes makes later ones;
``timeline_row`` turns a block's ``times`` into a row of ``generate``'s timeline.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from pathlib import Path

import polars as pl

from ddss.schema import DATASETS
from generators import closures
from generators.block_maker import Block, make_block, render_block, unpack, worker_block
from generators.blocks import Carry, block_sizes
from generators.writers import FileForm

__all__ = ["timeline_row", "Province"]


class Province:
    """The blocks of one province in order, and what carries from one block to the next."""

    def __init__(self, province: str, persons: int, seed: int, rate: float, as_of: dt.date, context: dict, block_persons: int):
        self.args = (province, seed, rate, as_of, context)
        self.as_of = as_of
        self.sizes = block_sizes(persons, block_persons)
        self.carry = Carry() if len(self.sizes) > 1 else None
        self.counts: list[pl.DataFrame] = []
        self.loaded: list[pl.DataFrame] = []

    def stream(
        self, pool: Executor | None, workers: int, window: int, form: FileForm | None, spool: Path | None = None
    ) -> Iterator[tuple[int, Block]]:
        """Every block in order (with its index), the register entries carried on from the
        blocks before. With ``pool`` (``workers - 1`` processes): the pool is kept busy, each
        process given its next block as it sends one back; this process makes the next block nobody has
        started whenever the block it must write next is not ready (it never waits while
        there is a block to make, and the pool takes more blocks when this process is busy
        writing). At most ``window`` blocks are made ahead or waiting at once (memory stays
        bounded). Who makes a block changes no byte of it."""
        province, seed, rate, as_of, context = self.args
        n = len(self.sizes)
        form = form if n > 1 else None  # a province of one block is written as it always was

        def args(b: int, worker: bool = False) -> tuple:
            # make_block's arguments. A worker's block comes as CSV bytes (in ``spool``); a
            # block made here is written from its frames (one made ahead of its turn may be
            # formatted at once: render_block below). (Frames from a worker for this process
            # to format cost more than they spare: the Arrow round trip; docs/generate-speed.md.)
            return (province, self.sizes[b], seed, b, n, rate, as_of, context, *((form, spool) if worker else (None, None)))

        pending: dict[int, Future] = {}
        ahead: dict[int, Block] = {}  # made here before their turn
        start = 0  # the lowest block nobody has started
        submitted = 0
        making = 0  # 1 while this process makes a block ahead (in neither dict yet: counted in the window)
        # A worker gets its next block the moment it sends one back (the future's callback,
        # on the pool's thread), so no block ever waits in a worker's queue: a queued block
        # cannot be taken back, and at the end of a run this process waited for the blocks
        # queued there (1.5 s of 11 at 4 M persons) instead of making them itself.
        lock = threading.RLock()

        def top_up(_done: Future | None = None) -> None:
            nonlocal start, submitted
            with lock:
                while (
                    pool is not None
                    and start < n
                    and sum(not f.done() for f in pending.values()) < workers - 1
                    and len(pending) + len(ahead) + making < window
                ):
                    # A worker's first block (unless one of the last) comes with its
                    # population as frames, which this process formats: the worker starts
                    # late and cold, so that block is on the run's critical path while this
                    # process has time (docs/generate-speed.md). Later blocks come as CSV
                    # bytes: the Arrow round trip of a population costs more than it spares
                    # once both are busy.
                    keep = ("population",) if submitted < workers - 1 and start < n - workers else ()
                    try:
                        future = pool.submit(worker_block, *args(start, worker=True), keep)
                    except RuntimeError:  # the pool is shut down: the run has failed
                        return
                    pending[start] = future
                    submitted += 1
                    start += 1
                    future.add_done_callback(top_up)

        for b in range(n):
            while True:
                with lock:
                    claim = b == start  # nobody has it: this process makes it
                    if claim:
                        start += 1
                top_up()
                if claim:
                    m = make_block(*args(b))
                    break
                with lock:
                    made = ahead.pop(b, None)
                    taken = later = None
                    if made is None:
                        if pending[b].done() or start >= n or len(pending) + len(ahead) >= window:
                            taken = pending.pop(b)
                        else:
                            later = start  # b is still being made elsewhere: make a later one
                            start += 1
                            making = 1
                if made is not None:
                    m = made
                    break
                if taken is not None:
                    m = unpack(taken.result())
                    break
                block = make_block(*args(later))
                with lock:
                    waiting = not pending[b].done()
                # One of the last blocks, made ahead of its turn, is formatted at once (CSV
                # bytes in the spool) if the block to write next is not there yet: this
                # process would wait for it, then make the run's last stretch longer. If it
                # is there, this one is written from its frames in its turn: no spool file
                # and no copy (the copy alone ~0.03 CPU s for 250 000 persons) in this
                # process, which then sets the pace.
                if later >= n - workers and waiting:
                    render_block(block, later, form, spool)
                with lock:
                    ahead[later] = block
                    making = 0
            if self.carry is not None:
                m.injected.frames = self.carry.registers(m.injected.frames)
            if m.counts is not None:
                self.counts.append(m.counts)
                self.loaded.append(m.loaded)
            yield b, m

    def province_wide(self) -> dict[str, pl.DataFrame]:
        """Datasets built once from every block (book closures: one row per book, whatever
        blocks its entries came from; its totals the entries that will load)."""
        if self.carry is None or not self.counts:
            return {}
        books = closures.closures_from_counts(pl.concat(self.counts), self.as_of)
        key = ["registering_commune_code", "event_type", "register_book"]
        loaded = pl.concat(self.loaded).group_by(key).agg(pl.col("_n").sum())
        total = books.select(key).join(loaded, on=key, how="left", maintain_order="left")["_n"].fill_null(0)
        books = books.with_columns(total.alias("total_entries"))
        return {"book_closure": books.select([c for c in DATASETS["book_closure"].column_names if c in books.columns])}


def timeline_row(b: int, times: dict, t0: float) -> dict:
    row: dict = {"block": b, "process": "parent" if times.get("pid") == os.getpid() else f"worker {times.get('pid')}"}
    for stage in ("clean", "defects", "render", "write"):
        if stage in times:
            start, end, cpu = times[stage]
            row[stage] = [round(start - t0, 3), round(end - t0, 3), round(cpu, 3)]
    return row
