"""Generator speed (issue #21): clean frames and files, rows/s, peak RSS, one province of N
persons (default 1 M) made block by block.

On a shared machine the wall figures follow the load (printed); CPU seconds of the
generating process (all its threads) are printed beside them.

Goals: clean frames (generation and defects, before any file) >= 1 M rows/s; end to end
with the files >= 0.7 M rows/s. The floor of the file part, in the same process and run:
the same rows (read back from the files written) written again by polars alone, one
call per file; the ratio says what the block-by-block writer costs beyond it.

    .venv/bin/python bench/generate.py [persons] [format] [chunk_persons] [workers]

Peak RSS is the generating process's own (with workers > 1 the blocks are made in
worker processes beside it).
"""

from __future__ import annotations

import sys
import tempfile

from _common import in_child, write

STEP = """
from pathlib import Path
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
    with tempfile.TemporaryDirectory() as tmp:
        figures = in_child(STEP, str(persons), tmp, fmt, str(chunk), str(workers))
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
