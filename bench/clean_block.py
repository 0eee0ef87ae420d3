"""Clean frames of one block (``generators.block_maker.block_frames``): CPU seconds per block of
250 000 persons in one process with one polars thread, the working tree alternated with a
baseline revision (issue #21).

    .venv/bin/python bench/clean_block.py [baseline_rev] [pairs] [name]

Each run is a fresh process making block 0 of 4 (cold: reference lists, first page faults),
then blocks 1-3 (warm), with the allocator settings of the worker processes
(``generators.memory.WORKER_ENV``, as under ``ddss generate``). Printed and written to
``bench/results/<name>.json``: every run, and the medians of the cold and the warm blocks.
CPU seconds, not wall: the machine is shared.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile

from _common import ROOT, write

RUN = r"""
import datetime as dt, json, sys, time
sys.path.insert(0, sys.argv[1])
from generators.blocks import block_seed
try:
    from generators.block_maker import block_frames
except ImportError:  # a baseline tree before session 12's split
    from generators.pipeline import block_frames
cpu = []
for b in range(4):
    t = time.process_time()
    block_frames("79", 250_000, block_seed(7, b), dt.date(2026, 11, 1), b, 4)
    cpu.append(time.process_time() - t)
print(json.dumps(cpu))
"""


def main(rev: str = "9a77315", pairs: int = 5, name: str = "clean_block") -> None:
    sys.path.insert(0, str(ROOT))
    from generators.memory import WORKER_ENV

    env = {**os.environ, **WORKER_ENV, "POLARS_MAX_THREADS": "1"}
    tar = subprocess.run(["git", "archive", rev, "generators", "ddss"], cwd=ROOT, capture_output=True, check=True).stdout
    runs: dict[str, list[list[float]]] = {"baseline": [], "now": []}
    with tempfile.TemporaryDirectory() as base:
        tarfile.open(fileobj=io.BytesIO(tar)).extractall(base, filter="data")
        for _ in range(pairs):
            for key, tree in (("baseline", base), ("now", str(ROOT))):
                out = subprocess.run([sys.executable, "-c", RUN, tree], env=env, capture_output=True, text=True, check=True)
                runs[key].append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(key, " ".join(f"{c:.3f}" for c in runs[key][-1]), flush=True)
    cold = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    warm = {k: statistics.median(c for r in v for c in r[1:]) for k, v in runs.items()}
    write(
        name,
        {
            "baseline_rev": rev,
            "pairs": pairs,
            "load_average_1m_end": os.getloadavg()[0],
            "cpu_seconds_per_block": {"warm": warm, "cold": cold},
            "now_over_baseline": {k: round(v["now"] / v["baseline"], 3) for k, v in (("warm", warm), ("cold", cold))},
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main(*(t(a) for t, a in zip((str, int, str), sys.argv[1:], strict=False)))
