"""The C allocator of a process that makes blocks keeps what it frees (issue #21).

Every block allocates and frees the same large numpy arrays. With glibc's defaults, memory
freed at the top of the heap goes back to the system and comes again as fresh pages, each
faulted in and zeroed by the kernel: families.build alone took ~30 % longer so (0.09 against
0.065 CPU s per 250 000 persons, 7 000 page faults per call against none;
docs/generate-speed.md). A process that makes blocks therefore keeps freed memory for the
next block: no trimming, the heap grown in large steps. What it holds stays that of its
largest block (the blocks are of one size); in the writing process glibc's defaults come
back when generation ends, and with them its usual trimming as memory is freed later
(worker processes end with the run).

Worker processes get it from their environment (glibc reads ``MALLOC_*_`` at start-up) and
end with the run. The process that writes the files gets it from ``freed_memory_kept``
only where that process ends after generating (``ddss generate``, the benchmark): glibc's
``mallopt`` switches its self-adjusting mmap threshold off for the rest of the process, and
setting the documented defaults back does not switch it on again, so a library caller (e.g.
``ddss demo``, which goes on to ingest and validate) is left with glibc's own behaviour. A
variable the user set is kept; outside glibc nothing changes. The output bytes do not
depend on any of it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os

__all__ = ["WORKER_ENV", "freed_memory_kept"]

_MIB = 1 << 20
# glibc's mallopt parameters and the values used while making blocks: never trim the heap,
# grow it 256 MiB at a time, and take blocks below 32 MiB (glibc's largest allowed
# threshold) from the heap rather than from fresh mappings.
_TRIM, _TOP_PAD, _MMAP = -1, -2, -3
_KEPT = {_TRIM: 2**31 - 1, _TOP_PAD: 256 * _MIB, _MMAP: 32 * _MIB}  # mallopt takes a C int
_DEFAULTS = {_TRIM: 128 * 1024, _TOP_PAD: 128 * 1024, _MMAP: 128 * 1024}  # mallopt(3)
_ENV = {_TRIM: "MALLOC_TRIM_THRESHOLD_", _TOP_PAD: "MALLOC_TOP_PAD_", _MMAP: "MALLOC_MMAP_THRESHOLD_"}
WORKER_ENV = {_ENV[k]: str(v) for k, v in _KEPT.items()}


def _glibc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


@contextlib.contextmanager
def freed_memory_kept():
    """While the block runs, this process's glibc allocator keeps freed memory (see the module
    doc); afterwards glibc's documented default values again (no explicit trim: it would cost
    the run's last stretch), but with its mmap threshold fixed, no longer self-adjusting: for a
    process that ends soon after."""
    libc = _glibc()
    params = [k for k in _KEPT if _ENV[k] not in os.environ]  # the user's own settings win
    if libc is None or not params:
        yield
        return
    for k in params:
        libc.mallopt(k, _KEPT[k])
    try:
        yield
    finally:
        for k in params:
            libc.mallopt(k, _DEFAULTS[k])
