"""The worker processes that make blocks beside the writing one (issue #21,
generators/pipeline.py hands them blocks, generators/block_maker.py makes them)."""

from __future__ import annotations

import contextlib
import os
import sys
import types
from concurrent.futures import ProcessPoolExecutor

from generators.memory import WORKER_ENV

__all__ = ["worker_pool"]


def _worker_start() -> None:
    """A worker process, once its last task is done, leaves without tearing its interpreter
    down: the teardown of polars and numpy took ~0.1 s of wall time at the end of every run
    (the pool's shutdown waited for it; 0.015 s without). By the time ``atexit`` runs,
    multiprocessing has sent every result back and joined its queue threads (the process's
    bootstrap does that first), and a block's files are closed before its result is sent.
    A failed task reaches the parent through its future, not the exit status."""
    import atexit

    atexit.register(_leave)


def _leave() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


@contextlib.contextmanager
def _bare_main():
    """While the workers start, a main module with nothing in it: a spawned process runs the
    parent's main script again (as ``__mp_main__``) before its first task, and the console
    script of ``ddss generate`` imports the whole CLI (typer: ~0.08 s per worker, before its
    first block). A worker needs none of it: its tasks and initializer are in generators/."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


@contextlib.contextmanager
def worker_pool(workers: int):
    """``workers - 1`` processes that make blocks beside this one (spawned: polars' threads
    do not survive a fork).

    Each worker's polars gets the cores divided among the ``workers`` processes (one thread
    each on two cores), unless ``POLARS_MAX_THREADS`` is set already: with every process
    busy, more threads per process only contend for the same cores (docs/generate-speed.md).
    polars reads the variable when it is imported, and a spawned process may import it
    before any task (its ``__main__`` may), so the processes are started here, with the
    variable in the environment they inherit (with the allocator's, read at start-up too);
    thread counts and allocator settings change no byte of the output."""
    if workers <= 1:
        yield None
        return
    import multiprocessing

    threads = str(max(1, (os.cpu_count() or 1) // workers))
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers - 1, mp_context=context, initializer=_worker_start)
    try:
        # Their C allocator keeps freed memory for the next block (generators/memory.py).
        added = {k: v for k, v in {"POLARS_MAX_THREADS": threads, **WORKER_ENV}.items() if k not in os.environ}
        os.environ.update(added)
        try:  # a spawned pool starts a process per task while none is idle, up to its size
            with _bare_main():
                for _ in range(workers - 1):
                    pool.submit(os.getpid)
        finally:
            for k in added:
                del os.environ[k]
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # a failed run: nothing more is made
        raise
    # Not waiting for the processes to end (they leave on their own once told, and the
    # interpreter joins them at exit): the run's result does not depend on it, and the wait
    # was the last thing a run did. A future still pending still completes.
    pool.shutdown(wait=False)
