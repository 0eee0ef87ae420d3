"""Generator speed (issue #21), three figures measured apart, in one process and on the
user's path (several blocks made by ``workers`` processes, as ``ddss generate`` does):

(a) clean frames: every block's datasets as generated, BEFORE defect injection;
(b) frames + defects: every block made and injected, as the generator does before writing;
(c) end to end: ``generators.province.generate`` writing the batch files and ground truth.

Each is timed in wall seconds and CPU seconds (this process and its worker processes,
read with ``getrusage``), with rows/s for each, the load average before and after, and
peak RSS. (a) and (b) share the blocks out as (c) does (``workers - 1``
spawned processes beside the parent, which makes every ``workers``-th block), ``chunk_persons``
of blocks at a time; a worker counts its blocks' rows and keeps the frames (in (c) the big
datasets come back as file bytes, the civil ones as frames).

For (c), ``generate``'s own timeline (``GenerationResult.timeline``: per block, the process
that made it and each stage's start, end and CPU seconds) gives the CPU seconds by stage in
the parent and in the workers, the blocks the parent made, its wait, and the timeline itself.

Goals: clean frames >= 1 M rows/s; end to end with the files >= 0.7 M rows/s. The floor of
the file part, in the same run: the rows written (read back from the files) written again
by polars alone, one call per file.

    .venv/bin/python bench/generate.py [persons] [format] [chunk_persons] [workers] [baseline_rev] [repeats] [passes]

Defaults: 1 000 000 persons, csv, 1 000 000 per chunk, workers "1,2" (one process, then
the CLI's default of two worker processes; a single number measures that one only).
``baseline_rev`` (a git revision, e.g. the commit before a speed change): its generators/
and ddss/ are extracted to a temporary tree and measured in the same run, alternating with
the working tree (``repeats`` pairs, default 3; the median of each by wall seconds end to
end is kept, every run written), and the ratios baseline/now are printed and written.
``passes`` (default ``abc``): ``c`` measures (c) alone, so that many alternated pairs fit in
a few minutes on a shared machine (results in ``generate_c.json``, or ``generate_<persons>_c``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, in_child, write

GOALS = {"clean_rows_per_s": 1_000_000, "end_to_end_rows_per_s": 700_000}


def block_rows(fn: str, *args) -> int:
    """Rows of one block made by ``generators.block_maker.<fn>`` (in a worker of pass (a) or (b));
    a baseline tree older than that module has them in ``generators.pipeline`` (sessions
    10-11), one older still in ``generators.province`` as ``_<fn>``."""
    try:
        from generators import block_maker as where
    except ImportError:
        try:
            from generators import pipeline as where
        except ImportError:
            from generators import province as where

            fn = "_" + fn
    made = getattr(where, fn)(*args)
    frames = made if isinstance(made, dict) else made.injected.frames
    multi = args[4 if fn.endswith("make_block") else 5] > 1  # a block of several: book closures are province-wide
    return sum(df.height for name, df in frames.items() if not (multi and name == "book_closure"))


def _extract(rev: str, into: Path) -> None:
    """generators/ and ddss/ of ``rev``, as files in ``into`` (no checkout is touched)."""
    tar = subprocess.run(["git", "archive", rev, "generators", "ddss"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=tar, check=True)


def _run(persons: int, fmt: str, chunk: int, workers: int, base: str, passes: str = "abc") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return in_child(STEP, str(persons), tmp, fmt, str(chunk), str(workers), base, passes)


STEP = """
import contextlib, multiprocessing, os, resource
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
if sys.argv[6]:
    sys.path.insert(0, sys.argv[6])  # a baseline tree (generators/ and ddss/ of an older revision)
import polars as pl
sys.path.insert(1, str(Path("bench").resolve()))  # block_rows, for the workers of passes (a) and (b)
from generate import block_rows
from generators import province as P
from generators.blocks import block_seed, block_sizes, BLOCK_PERSONS
persons, out, fmt, chunk, workers = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
SEED, RATE, PROV = 7, 0.01, "79"
P.generate(province=PROV, persons=2000, seed=SEED, defect_rate=RATE, out=out / "warm", fmt=fmt)  # imports, reference lists

def clock():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

def since(t0):
    t = time.perf_counter()
    # generate does not wait for its worker processes to leave; their CPU seconds count once
    # they are reaped, so they are waited for here, after the wall clock is read.
    for p in multiprocessing.active_children():
        p.join()
    c = clock()[1]
    return round(t - t0[0], 2), round(c - t0[1], 2)

sizes = block_sizes(persons, BLOCK_PERSONS)
n = len(sizes)
per_chunk = max(1, chunk // BLOCK_PERSONS)
context = {"province": PROV, "as_of": P.DEFAULT_AS_OF, "nfd_representable": True}

@contextlib.contextmanager
def pool_of(w):
    # As generate does: w - 1 worker processes beside this one, which makes every w-th block.
    if w <= 1 or n == 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=w - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool

def blocks_pass(fn, calls):
    # Every block through fn, chunk by chunk; each block's rows counted where it was made.
    rows = 0
    with pool_of(workers) as pool:
        for s in range(0, n, per_chunk):
            part = [(fn, *c) for c in calls[s : s + per_chunk]]
            futures = [pool.submit(block_rows, *c) if pool and (s + i) % workers else None for i, c in enumerate(part)]
            rows += sum(f.result() if f else block_rows(*c) for f, c in zip(futures, part))
    return rows

passes = sys.argv[7]
clean_rows = defect_rows = 0
clean_s = clean_cpu = defect_s = defect_cpu = 1e-9  # a pass not measured (see "skipped")
if "a" in passes:
    t0 = clock()
    clean_rows = blocks_pass("block_frames", [(PROV, sizes[b], block_seed(SEED, b), P.DEFAULT_AS_OF, b, n) for b in range(n)])
    clean_s, clean_cpu = since(t0)
if "b" in passes:
    t0 = clock()
    defect_rows = blocks_pass("make_block", [(PROV, sizes[b], SEED, b, n, RATE, P.DEFAULT_AS_OF, context) for b in range(n)])
    defect_s, defect_cpu = since(t0)
t0 = clock()
try:  # as `ddss generate` runs it (a baseline tree older than generators/memory.py has none)
    from generators.memory import freed_memory_kept
except ImportError:
    freed_memory_kept = contextlib.nullcontext
with freed_memory_kept():
    r = P.generate(province=PROV, persons=persons, seed=SEED, defect_rate=RATE, out=out / "p", fmt=fmt,
                   chunk_persons=chunk, workers=workers)
total_s, total_cpu = since(t0)
rows = sum(r.rows.values())
# Where (c)'s CPU went, from generate's own timeline (absent in a baseline older than it):
# per stage, summed over the blocks, in the parent and in the workers; the parent's wait.
timeline = getattr(r, "timeline", None) or []
split = {}
for row in timeline:
    who = "parent" if row["process"] == "parent" else "workers"
    for st in ("clean", "defects", "render", "write"):
        if st in row:
            key = f"{st}_{'parent' if st == 'write' else who}"
            split[key] = round(split.get(key, 0.0) + row[st][2], 3)
own = [row for row in timeline if row["process"] == "parent"]
made_here = sum(row[st][1] - row[st][0] for row in own for st in ("clean", "defects") if st in row)
pipeline = {"cpu_seconds_by_stage": split, "blocks_made_by_parent": sum(row["process"] == "parent" for row in timeline),
            "parent_waiting_seconds": round(r.seconds_frames - made_here, 2) if timeline else None,
            "first_worker_block_starts_s": min((row["clean"][0] for row in timeline if row["process"] != "parent"), default=None),
            "timeline": timeline}
# Floor of the file part: the same rows as polars frames, written once per file.
floor = 0.0
(out / "floor").mkdir()
for path in sorted(r.inbox.iterdir()):
    df = pl.read_csv(path, infer_schema=False) if fmt == "csv" else pl.read_parquet(path)
    t = time.perf_counter()
    if fmt == "csv":
        df.write_csv(out / "floor" / path.name)
    else:
        df.write_parquet(out / "floor" / path.name, compression="zstd", statistics=False)
    floor += time.perf_counter() - t
    del df
OUT = {"blocks": n, "workers": workers if n > 1 else 1, "rows": rows, "rows_by_dataset": r.rows,
       "clean": {"rows": clean_rows, "seconds": clean_s, "cpu_seconds": clean_cpu, "rows_per_s": round(clean_rows / clean_s),
                 "rows_per_cpu_s": round(clean_rows / max(clean_cpu, 1e-9)), "skipped": "a" not in passes},
       "frames_defects": {"rows": defect_rows, "seconds": defect_s, "cpu_seconds": defect_cpu,
                          "rows_per_s": round(defect_rows / defect_s),
                          "rows_per_cpu_s": round(defect_rows / max(defect_cpu, 1e-9)), "skipped": "b" not in passes},
       "end_to_end": {"rows": rows, "seconds": total_s, "cpu_seconds": total_cpu, "rows_per_s": round(rows / total_s),
                      "rows_per_cpu_s": round(rows / max(total_cpu, 1e-9)),
                      "seconds_in_generate": round(r.seconds_total, 2), "seconds_waiting_for_blocks": round(r.seconds_frames, 2)},
       "pipeline": pipeline,
       "files_floor_seconds": round(floor, 2),
       "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
"""


def _line(label: str, f: dict) -> str:
    return (
        f"{label}: {f['blocks']} block(s), workers {f['workers']}, {f['rows']:,} rows | "
        + " | ".join(
            f"{k} {f[k]['seconds']} s wall, {f[k]['cpu_seconds']} CPU s, {f[k]['rows_per_s']:,} rows/s"
            for k in ("clean", "frames_defects", "end_to_end")
            if not f[k].get("skipped")
        )
        + f" | files floor {f['files_floor_seconds']} s | peak RSS {f['peak_rss_mb']:.0f} MB"
        + f" (workers {f['worker_peak_rss_mb']:.0f} MB)"
        + (
            f"\n  (c) CPU s by stage {f['pipeline']['cpu_seconds_by_stage']}, parent made "
            f"{f['pipeline']['blocks_made_by_parent']} of {f['blocks']} blocks, "
            f"waited {f['pipeline']['parent_waiting_seconds']} s"
            if f.get("pipeline", {}).get("timeline")
            else ""
        )
    )


_MET = {True: "met", False: "NOT met", None: "not measured"}


def _median(runs: list[dict]) -> dict:
    """The median run by wall seconds end to end (the lower of the two middle ones)."""
    return sorted(runs, key=lambda f: f["end_to_end"]["seconds"])[(len(runs) - 1) // 2]


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    fmt = sys.argv[2] if len(sys.argv) > 2 else "csv"
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    configs = [int(w) for w in (sys.argv[4] if len(sys.argv) > 4 else "1,2").split(",")]
    rev = sys.argv[5] if len(sys.argv) > 5 else ""
    repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    passes = sys.argv[7] if len(sys.argv) > 7 else "abc"
    load_start = os.getloadavg()[0]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as base:
        if rev:
            _extract(rev, Path(base))
        for w in configs:
            key = "one_process" if w == 1 else f"workers_{w}"
            if not rev:
                results[key] = _run(persons, fmt, chunk, w, "", passes)
                print(_line(key, results[key]), flush=True)
                continue
            pairs = [
                (_run(persons, fmt, chunk, w, base, passes), _run(persons, fmt, chunk, w, "", passes)) for _ in range(repeats)
            ]
            old, now = _median([b for b, _ in pairs]), _median([c for _, c in pairs])
            ratio = {
                k: {
                    "wall": round(old[k]["seconds"] / max(now[k]["seconds"], 1e-9), 2),
                    "cpu": round(old[k]["cpu_seconds"] / max(now[k]["cpu_seconds"], 1e-9), 2),
                }
                for k in ("clean", "frames_defects", "end_to_end")
                if not now[k].get("skipped")
            }
            results[key] = {
                **now,
                "baseline": {"rev": rev, **old},
                "baseline_over_now": ratio,
                "runs_end_to_end_seconds": {
                    "baseline": [b["end_to_end"]["seconds"] for b, _ in pairs],
                    "now": [c["end_to_end"]["seconds"] for _, c in pairs],
                },
                "runs_end_to_end_cpu_seconds": {
                    "baseline": [b["end_to_end"]["cpu_seconds"] for b, _ in pairs],
                    "now": [c["end_to_end"]["cpu_seconds"] for _, c in pairs],
                },
            }
            print(_line(f"{key} baseline {rev}", old), flush=True)
            print(_line(f"{key} now", now), flush=True)
            print(f"{key}: baseline/now (wall, CPU) {ratio}", flush=True)
    for key, f in results.items():
        if key == "one_process" and "b" in passes:  # with workers the file part overlaps the making of blocks
            f["files_vs_floor"] = round(
                (f["end_to_end"]["seconds"] - f["frames_defects"]["seconds"]) / max(f["files_floor_seconds"], 1e-9), 2
            )
        f["goals_met"] = {
            "clean_rows_per_s": None if f["clean"].get("skipped") else f["clean"]["rows_per_s"] >= GOALS["clean_rows_per_s"],
            "end_to_end_rows_per_s": f["end_to_end"]["rows_per_s"] >= GOALS["end_to_end_rows_per_s"],
        }
        print(
            f"{key}: clean frames {f['clean']['rows_per_s']:,} rows/s (goal 1 000 000: "
            f"{_MET[f['goals_met']['clean_rows_per_s']]}); end to end {f['end_to_end']['rows_per_s']:,} rows/s "
            f"(goal 700 000: {'met' if f['goals_met']['end_to_end_rows_per_s'] else 'NOT met'})"
        )
    load = {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)}
    print(f"load average (1 min): start {load['start']}, end {load['end']}")
    # A spawned worker imports polars and numpy before its first block: ~0.3 s from cached
    # bytecode, ~0.7-1.0 s compiled from source (PYTHONDONTWRITEBYTECODE=1 and no
    # __pycache__, as on the development machine). Which of the two was measured:
    bytecode = {"dont_write_bytecode": bool(sys.flags.dont_write_bytecode), "pycache_prefix": sys.pycache_prefix}
    print(f"bytecode: {bytecode}")
    # The 1 M figures stay in generate.json; another size (the steady state) beside them.
    write(
        ("generate" if persons == 1_000_000 else f"generate_{persons}") + ("" if passes == "abc" else f"_{passes}"),
        {
            "persons": persons,
            "format": fmt,
            "chunk_persons": chunk,
            "passes": passes,
            "goals": GOALS,
            "load_average_1m": load,
            "bytecode": bytecode,
            **results,
        },
    )


if __name__ == "__main__":
    main()
