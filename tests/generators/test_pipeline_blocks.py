"""The block pipeline (issue #21, generators/pipeline.py): whoever makes a block — this
process, a worker, before or after its turn — the files are the same bytes; the timeline
says who made each block and when; a worker's CSV bytes pass through spool files that do
not outlive the run.

Blocks are tiny (``block_persons``) so that four of them stay fast."""

from __future__ import annotations

import hashlib
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest

from generators import province
from generators.province import generate

PERSONS, BLOCK = 1600, 400  # four blocks


def _digest(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}


class _Lazy(Future):
    """A call run only when its result is asked for: until then it is not done."""

    def __init__(self, fn, args) -> None:
        super().__init__()
        self._call = (fn, args)

    def result(self, timeout=None):
        if not self.done():
            fn, args = self._call
            self.set_result(fn(*args))
        return super().result(timeout)


class _LazyPool(Executor):
    """An in-process pool whose blocks are never ready when the writer looks: the writer must
    make later blocks itself ("ahead") and take the pool's when it cannot wait any longer."""

    def __init__(self) -> None:
        self.blocks: list[int] = []  # the blocks handed to it (make_block's ``b``)
        self.futures: dict[int, _Lazy] = {}

    def submit(self, fn, /, *args, **kwargs):
        self.blocks.append(args[3])
        self.futures[args[3]] = _Lazy(fn, args)
        return self.futures[args[3]]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("pipeline") / "one"
    return generate("79", PERSONS, seed=4, defect_rate=0.03, out=out, block_persons=BLOCK)


def test_blocks_made_ahead_by_the_writer_are_the_same_bytes(one_process, tmp_path, monkeypatch):
    import contextlib

    pool = _LazyPool()

    @contextlib.contextmanager
    def lazy_pool(workers: int):
        yield pool

    monkeypatch.setattr(province, "worker_pool", lazy_pool)
    run = generate(
        "79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / "lazy", block_persons=BLOCK, workers=2, chunk_persons=3 * BLOCK
    )
    assert _digest(run.out) == _digest(one_process.out)
    by_pool = pool.blocks
    by_writer = [row["block"] for row in run.timeline if row["block"] not in by_pool]
    assert by_pool and by_writer and sorted(by_pool + by_writer) == [0, 1, 2, 3]
    rows = {row["block"]: row for row in run.timeline}
    # Blocks of the pool come as CSV bytes (a render stage); the writer's block made for its
    # turn as frames.
    assert all("render" in rows[b] for b in by_pool) and "render" not in rows[0]
    # The writer made a block before writing an earlier one (the pool's was "not ready");
    # one of the last ``workers`` blocks made so comes rendered too (its bytes made while
    # the writer would wait, not in the last stretch of writing).
    early = [b for b in by_writer if b > 0 and rows[b]["clean"][0] < rows[b - 1]["write"][0]]
    assert early and all(("render" in rows[b]) == (b >= 4 - 2) for b in early)
    assert not (run.out / ".blocks").exists()  # the spool folder is gone


def test_a_block_made_ahead_is_written_from_its_frames_if_the_next_arrived_meanwhile(one_process, tmp_path, monkeypatch):
    """The other side of the writer's choice: when the pool's block arrives while the writer
    makes a later one ahead of its turn, that later block is not formatted early (no spool
    file, no copy): it is written from its frames in its turn. Same bytes either way."""
    import contextlib

    from generators import pipeline

    pool = _LazyPool()
    real = pipeline.make_block

    def make_then_earlier_arrive(*args):
        block = real(*args)
        for b, future in list(pool.futures.items()):
            if b < args[3]:
                future.result()  # the pool's earlier blocks are done once this one is made
        return block

    @contextlib.contextmanager
    def lazy_pool(workers: int):
        yield pool

    monkeypatch.setattr(province, "worker_pool", lazy_pool)
    monkeypatch.setattr(pipeline, "make_block", make_then_earlier_arrive)
    run = generate(
        "79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / "ready", block_persons=BLOCK, workers=2, chunk_persons=3 * BLOCK
    )
    assert _digest(run.out) == _digest(one_process.out)
    rows = {row["block"]: row for row in run.timeline}
    by_writer = [b for b in rows if b not in pool.blocks]
    early = [b for b in by_writer if b > 0 and rows[b]["clean"][0] < rows[b - 1]["write"][0]]
    assert early and any(b >= 4 - 2 for b in early)  # one of the last blocks, made ahead
    assert not any("render" in rows[b] for b in early)


def test_timeline_names_every_block_once_in_order(one_process, tmp_path):
    rows = one_process.timeline
    assert [row["block"] for row in rows] == [0, 1, 2, 3]
    for row in rows:
        assert row["process"] == "parent"  # one process: no worker
        for stage in ("clean", "defects", "write"):
            start, end, cpu = row[stage]
            assert 0 <= start <= end and cpu >= 0
        assert row["clean"][1] <= row["defects"][0] <= row["write"][0]
    two = generate("79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / "two", block_persons=BLOCK, workers=2)
    assert _digest(two.out) == _digest(one_process.out)
    assert [row["block"] for row in two.timeline] == [0, 1, 2, 3]
    workers = [row for row in two.timeline if row["process"].startswith("worker ")]
    assert workers and all("render" in row for row in workers)  # a worker's block comes as file bytes
    assert not (two.out / ".blocks").exists()


def test_one_block_has_no_spool_and_one_timeline_row(tmp_path):
    run = generate("79", 300, seed=2, defect_rate=0.02, out=tmp_path, workers=2)
    assert [row["block"] for row in run.timeline] == [0] and run.timeline[0]["process"] == "parent"
    assert not (tmp_path / ".blocks").exists()


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_frames_a_worker_sends_through_the_spool_are_the_same_bytes(tmp_path, fmt):
    """Parquet and XLSX blocks come back from a worker as Arrow IPC files, mapped again by the
    writer: the same files as one process makes."""
    one = generate("79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / "one", fmt=fmt, block_persons=BLOCK)
    two = generate("79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / "two", fmt=fmt, block_persons=BLOCK, workers=2)
    assert _digest(two.out) == _digest(one.out)
    assert any(row["process"].startswith("worker ") for row in two.timeline)
    assert not (two.out / ".blocks").exists()


def test_many_blocks_on_three_processes_with_a_small_window_are_the_same_bytes(tmp_path):
    """Workers get their next block from a callback on the pool's thread while the writer
    claims blocks too (one lock): every block is made once, by someone, in any order, and the
    files are those of one process."""
    kw = {"seed": 6, "defect_rate": 0.03, "block_persons": 300}
    one = generate("79", 2400, out=tmp_path / "one", **kw)
    three = generate("79", 2400, out=tmp_path / "three", workers=3, chunk_persons=600, **kw)
    assert _digest(three.out) == _digest(one.out)
    assert [row["block"] for row in three.timeline] == list(range(8))
    assert len({row["process"] for row in three.timeline if row["process"] != "parent"}) >= 1


def test_a_worker_block_finds_its_spool_and_index_however_passed(tmp_path):
    import datetime as dt

    from generators.block_maker import make_block, worker_block
    from generators.writers import FileForm

    as_of = dt.date(2026, 11, 1)
    args = ("79", 300, 7, 1, 2, 0.01, as_of, {"province": "79", "as_of": as_of})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    blocks = {
        "a": worker_block(*args, FileForm(), tmp_path / "a"),
        "b": worker_block("79", 300, 7, b=1, blocks=2, rate=0.01, as_of=as_of, context=args[7], spool=tmp_path / "b"),
    }
    for folder, block in blocks.items():
        assert block.spooled and not block.injected.frames
        assert all(p.parent == tmp_path / folder and p.name.endswith(".1.arrow") for p in block.spooled.values())
    assert make_block(*args).injected.frames  # made here: frames, nothing spooled
    with pytest.raises(ValueError, match="spool"):
        worker_block(*args)  # no folder for its frames: refused before the block is made
