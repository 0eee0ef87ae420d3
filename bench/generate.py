"""Generator speed (issue #21): clean frames and files, rows/s, peak RSS, one province of N
persons (default 1 M) made block by block.

On a shared machine the wall figures follow the load (printed); CPU seconds of the
generating process (all its threads) are printed beside them.

Goals: clean frames (generation and defects, before any file) >= 1 M rows/s; end to end
with the files >= 0.7 M rows/s. The floor of the file part, in the same process and run:
the same rows (read back from the files written) written again by polars alone, one
call per file; the ratio says what the block-by-block writer costs beyond it.

    .venv/bin/python bench/generate.py [persons] [format] [chunk_persons] [workers] [baseline_rev]

``baseline_rev`` (a git revision, e.g. the commit before a speed change): its generators/
and ddss/ are extracted to a temporary tree and measured in the same run, alternating with
the working tree (five pairs: the load moves between them, the alternation spreads it; the
median run of each by CPU seconds is kept), and the CPU-second ratios are printed and written beside.

Peak RSS is the generating process's own (with workers > 1 the blocks are made in
worker processes beside it).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, in_child, write

REPEATS = 5  # alternating pairs of runs when a baseline is measured


def _extract(rev: str, into: Path) -> None:
    """generators/ and ddss/ of ``rev``, as files in ``into`` (no checkout is touched)."""
    tar = subprocess.run(["git", "archive", rev, "generators", "ddss"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=tar, check=True)


def _run(persons: int, fmt: str, chunk: int, workers: int, base: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return in_child(STEP, str(persons), tmp, fmt, str(chunk), str(workers), base)


STEP = """
from pathlib import Path
if sys.argv[6]:
    sys.path.insert(0, sys.argv[6])  # a baseline tree (generators/ and ddss/ of an older revision)
import polars as pl
from generators.province import generate
out, fmt = Path(sys.argv[2]), sys.argv[3]
generate(province="79", persons=2000, seed=7, defect_rate=0.01, out=out / "warm", fmt=fmt)  # imports, reference lists
t, cpu = time.perf_counter(), time.process_time()
r = generate(province="79", persons=int(sys.argv[1]), seed=7, defect_rate=0.01, out=out / "p", fmt=fmt,
             chunk_persons=int(sys.argv[4]), workers=int(sys.argv[5]))
cpu = time.process_time() - cpu  # every thread of this process (not the workers'): the load-independent figure
rows = sum(r.rows.values())
files_s = r.seconds_total - r.seconds_frames
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
OUT = {"rows": rows, "rows_by_dataset": r.rows, "seconds_frames": round(r.seconds_frames, 2),
       "seconds_files": round(files_s, 2), "seconds_total": round(r.seconds_total, 2),
       "rows_per_s_frames": round(rows / r.seconds_frames), "rows_per_s_files": round(rows / max(files_s, 1e-9)),
       "rows_per_s_with_files": round(rows / r.seconds_total),
       "cpu_seconds_total": round(cpu, 2), "rows_per_cpu_s": round(rows / max(cpu, 1e-9)),
       "cpu_seconds_frames": round(r.cpu_seconds_frames, 2),
       "rows_per_cpu_s_frames": round(rows / max(r.cpu_seconds_frames, 1e-9)),
       "rows_per_cpu_s_files": round(rows / max(r.cpu_seconds_total - r.cpu_seconds_frames, 1e-9)),
       "floor_seconds_files": round(floor, 2), "files_vs_floor": round(files_s / max(floor, 1e-9), 2)}
"""


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    fmt = sys.argv[2] if len(sys.argv) > 2 else "csv"
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rev = sys.argv[5] if len(sys.argv) > 5 else ""
    baseline = None
    if rev:
        with tempfile.TemporaryDirectory() as base:
            _extract(rev, Path(base))
            runs = [(_run(persons, fmt, chunk, workers, base), _run(persons, fmt, chunk, workers, "")) for _ in range(REPEATS)]
        # The median run of each by CPU seconds (single runs vary by +-20 % on the shared cores).
        baseline = sorted((b for b, _ in runs), key=lambda f: f["cpu_seconds_total"])[REPEATS // 2]
        figures = sorted((c for _, c in runs), key=lambda f: f["cpu_seconds_total"])[REPEATS // 2]
        figures["runs_cpu_seconds_total"] = {
            "baseline": [b["cpu_seconds_total"] for b, _ in runs],
            "now": [c["cpu_seconds_total"] for _, c in runs],
        }
    else:
        figures = _run(persons, fmt, chunk, workers, "")
    goals = {"rows_per_s_frames": 1_000_000, "rows_per_s_with_files": 700_000}
    met = {k: figures[k] >= v for k, v in goals.items()}
    print(
        f"frames {figures['rows_per_s_frames']:,} rows/s (goal 1 000 000: {'met' if met['rows_per_s_frames'] else 'NOT met'}); "
        f"with files {figures['rows_per_s_with_files']:,} rows/s (goal 700 000: "
        f"{'met' if met['rows_per_s_with_files'] else 'NOT met'}); files {figures['files_vs_floor']}x the polars floor; "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB; per CPU second of this process: {figures['rows_per_cpu_s']:,} rows in all, "
        f"frames {figures['rows_per_cpu_s_frames']:,}, files {figures['rows_per_cpu_s_files']:,} (workers=1: all the work)"
    )
    figures["load_average_1m_at_end"] = round(__import__("os").getloadavg()[0], 2)
    if baseline is not None:
        keys = ("cpu_seconds_frames", "cpu_seconds_total")
        figures["baseline"] = {
            "rev": rev,
            **{
                k: baseline[k]
                for k in (
                    *keys,
                    "rows",
                    "rows_per_cpu_s_frames",
                    "rows_per_cpu_s_files",
                    "rows_per_cpu_s",
                    "seconds_frames",
                    "seconds_total",
                )
            },
        }
        figures["baseline_cpu_ratio"] = {k: round(baseline[k] / max(figures[k], 1e-9), 2) for k in keys}
        print(
            f"baseline {rev}: frames {baseline['rows_per_cpu_s_frames']:,} rows per CPU-s, all {baseline['rows_per_cpu_s']:,}; "
            f"now {figures['rows_per_cpu_s_frames']:,} and {figures['rows_per_cpu_s']:,}: "
            f"CPU seconds baseline/now {figures['baseline_cpu_ratio']}"
        )
    write(
        "generate",
        {
            "persons": persons,
            "format": fmt,
            "chunk_persons": chunk,
            "workers": workers,
            "goals": goals,
            "goals_met": met,
            **figures,
        },
    )


if __name__ == "__main__":
    main()
