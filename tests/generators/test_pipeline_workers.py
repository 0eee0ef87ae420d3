"""Worker processes share the cores with the parent: their polars gets the cores divided
among the processes (generators.worker_pool.worker_pool), the parent's environment is left as
it was, and a POLARS_MAX_THREADS the user set wins."""

from __future__ import annotations

import os
import sys
import time
import types

import polars as pl
import pytest

from generators.worker_pool import worker_pool


def _threads() -> int:
    return pl.thread_pool_size()


def test_workers_get_the_cores_divided_and_the_parent_env_is_unchanged(monkeypatch):
    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    with worker_pool(2) as pool:
        assert os.environ.get("POLARS_MAX_THREADS") is None
        assert pool.submit(_threads).result() == max(1, (os.cpu_count() or 1) // 2)
    assert os.environ.get("POLARS_MAX_THREADS") is None


def test_a_thread_count_the_user_set_is_kept(monkeypatch):
    monkeypatch.setenv("POLARS_MAX_THREADS", "3")
    with worker_pool(2) as pool:
        assert pool.submit(_threads).result() == 3
    assert os.environ["POLARS_MAX_THREADS"] == "3"


def test_one_process_has_no_pool():
    with worker_pool(1) as pool:
        assert pool is None


def _payload(i: int) -> bytes:
    return bytes([i]) * 2_000_000  # big enough to go through the result queue's feeder thread


def test_a_worker_leaving_fast_still_sends_every_result():
    # Workers skip the interpreter's teardown at exit (worker_pool._worker_start): every result,
    # the last one included, must have reached the parent before the process is gone.
    with worker_pool(2) as pool:
        futures = [pool.submit(_payload, i) for i in range(4)]
    assert [f.result() == bytes([i]) * 2_000_000 for i, f in enumerate(futures)] == [True] * 4


def test_a_failed_run_cancels_the_blocks_still_queued():
    # A normal end does not wait for the processes to leave (the futures still complete:
    # the test above); a failure cancels what nobody has started.
    futures = []
    with pytest.raises(RuntimeError), worker_pool(2) as pool:
        futures = [pool.submit(time.sleep, 0.2) for _ in range(6)]
        raise RuntimeError("a block failed")
    assert futures[-1].cancelled()


def test_a_worker_does_not_run_the_parents_main_script(monkeypatch, tmp_path):
    # A spawned process runs its parent's main script again before its first task; that of
    # `ddss generate` imports the whole CLI, which a worker never uses (worker_pool._bare_main).
    ran = tmp_path / "ran"
    script = tmp_path / "script.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    with worker_pool(2) as pool:
        assert sys.modules["__main__"] is main
        assert pool.submit(_threads).result() >= 1
    assert not ran.exists()
