"""The C allocator keeps freed memory while blocks are made (generators/memory.py): a block
frees large arrays that the next one allocates again, and with glibc's defaults each came
back as fresh pages, faulted in again by the kernel."""

from __future__ import annotations

import datetime as dt
import os
import resource

import numpy as np
import pytest

from generators import families
from generators.dates import days
from generators.memory import WORKER_ENV, _glibc, freed_memory_kept
from generators.worker_pool import worker_pool


def _faults_of_second_block() -> int:
    """Page faults of the second of two blocks' family links (100 000 persons: numpy arrays
    of many sizes, allocated and freed as in a block)."""
    as_of = days(dt.date(2026, 11, 1))
    faults = 0
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        dob = as_of - (rng.random(100_000) * 90 * 365).astype(np.int64) - 1
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        families.build(rng, dob, rng.random(dob.size) < 0.5, np.full(dob.size, as_of + 10**6), as_of)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    return faults


@pytest.mark.skipif(_glibc() is None, reason="mallopt is glibc's; elsewhere generators.memory changes nothing")
def test_a_second_block_reuses_the_memory_the_first_freed(monkeypatch):
    for name in WORKER_ENV:
        monkeypatch.delenv(name, raising=False)
    default = _faults_of_second_block()
    with freed_memory_kept():
        kept = _faults_of_second_block()
    assert default > 1000  # glibc's defaults: freed pages went back and were faulted in again
    assert kept < default // 10


def _env(name: str) -> str | None:
    return os.environ.get(name)


def test_workers_start_with_the_allocator_settings_and_a_users_own_value_wins(monkeypatch):
    for name in WORKER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MALLOC_TOP_PAD_", "1048576")
    with worker_pool(2) as pool:
        got = {name: pool.submit(_env, name).result() for name in WORKER_ENV}
    assert got == {**WORKER_ENV, "MALLOC_TOP_PAD_": "1048576"}
    assert all(os.environ.get(name) is None for name in WORKER_ENV if name != "MALLOC_TOP_PAD_")  # parent unchanged
