"""The C allocator keeps freed memory while blocks are made (generators/memory.py): a block
frees large arrays that the next one allocates again, and with glibc's defaults each came
back as fresh pages, faulted in again by the kernel."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generators import families
from generators.dates import days
from generators.memory import WORKER_ENV, _glibc
from generators.worker_pool import worker_pool

ROOT = Path(__file__).resolve().parents[2]


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


_IN_A_PROCESS = """
import sys
from tests.generators.test_memory import _faults_of_second_block
from generators.memory import freed_memory_kept
default = _faults_of_second_block()
with freed_memory_kept():
    kept = _faults_of_second_block()
print(default, kept)
"""

# A 2 MiB array freed and allocated again 200 times, before and after generate() in one
# process: glibc's self-adjusting mmap threshold takes it from the heap (no fresh pages).
_AFTER_GENERATE = """
import resource, sys, tempfile
import numpy as np
from generators.province import generate
def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        a = np.ones(1 << 18)
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults()
first = faults()
with tempfile.TemporaryDirectory() as d:
    generate("79", 2000, seed=1, defect_rate=0.01, out=d)
print(first, faults())
"""


def _run(code: str) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return [int(x) for x in out.stdout.split()]


@pytest.mark.skipif(_glibc() is None, reason="mallopt is glibc's; elsewhere generators.memory changes nothing")
def test_a_second_block_reuses_the_memory_the_first_freed():
    # In a process of its own: mallopt leaves glibc's mmap threshold fixed for good.
    default, kept = _run(_IN_A_PROCESS)
    assert default > 1000  # glibc's defaults: freed pages went back and were faulted in again
    assert kept < default // 10


@pytest.mark.skipif(_glibc() is None, reason="mallopt is glibc's; elsewhere generators.memory changes nothing")
def test_the_library_leaves_its_callers_allocator_alone():
    """generate() as a library (ddss demo goes on to ingest and validate) does not call mallopt:
    only `ddss generate`, whose process ends after it, does."""
    before, after = _run(_AFTER_GENERATE)
    assert before < 100
    assert after < 1000  # with mallopt's fixed 128 KiB threshold: ~100 000 (a fault per page)


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
