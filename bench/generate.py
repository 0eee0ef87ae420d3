"""Generator speed: rows/s and peak RSS for one province of N persons (default 1 M).

.venv/bin/python bench/generate.py [persons] [format]
"""

from __future__ import annotations

import sys
import tempfile

from _common import in_child, write

STEP = """
from pathlib import Path
from generators.province import generate
t = time.perf_counter()
r = generate(province="79", persons=int(sys.argv[1]), seed=7, defect_rate=0.01, out=Path(sys.argv[2]), fmt=sys.argv[3])
rows = sum(r.rows.values())
OUT = {"rows": rows, "seconds_frames": round(r.seconds_frames, 2), "seconds_total": round(r.seconds_total, 2),
       "rows_per_s_frames": round(rows / r.seconds_frames), "rows_per_s_with_files": round(rows / r.seconds_total)}
"""


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    fmt = sys.argv[2] if len(sys.argv) > 2 else "csv"
    with tempfile.TemporaryDirectory() as tmp:
        figures = in_child(STEP, str(persons), tmp, fmt)
    write(f"generate-{fmt}", {"persons": persons, "format": fmt, **figures})


if __name__ == "__main__":
    main()
