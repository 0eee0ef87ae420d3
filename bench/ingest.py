"""Ingestion speed against DuckDB's own reader, measured in the same run.

For each format: ddss's ingest_inbox of the whole batch into a fresh province file, and
the floor: DuckDB ``CREATE TABLE … AS SELECT * FROM read_csv(…)`` (or read_parquet) of
the same files into a fresh file. Prints rows/s, peak RSS and the ratio ours / floor.

    .venv/bin/python bench/ingest.py [persons]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import in_child, write

GENERATE = """
from pathlib import Path
from generators.province import generate
r = generate(province="79", persons=int(sys.argv[1]), seed=7, defect_rate=0.01, out=Path(sys.argv[2]), fmt=sys.argv[3],
             headers="vi", dates="vn", decimal_comma=sys.argv[3] == "csv")
OUT = {"rows": sum(r.rows.values())}
"""

OURS = """
from pathlib import Path
from ddss.ingest import ingest_inbox
from ddss.settings import Settings
root = Path(sys.argv[1])
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
t = time.perf_counter()
r = ingest_inbox(s, "79", Path(sys.argv[2]))
OUT = {"seconds": round(time.perf_counter() - t, 2), "rows": sum(f.rows_read for f in r.files),
       "quarantined": sum(f.rows_quarantined for f in r.files), "rejected": r.rejected}
"""

FLOOR = """
from pathlib import Path
import duckdb
root, inbox, fmt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
con = duckdb.connect(str(root / "floor.duckdb"))
rows = 0
for i, f in enumerate(sorted(inbox.glob("*." + fmt))):
    reader = "read_parquet(?)" if fmt == "parquet" else "read_csv(?, header = true)"
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {reader}", [str(f)])
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchall()[0][0]
con.close()
OUT = {"seconds": round(time.perf_counter() - t, 2), "rows": rows}
"""


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    figures: dict = {"persons": persons}
    for fmt in ("csv", "parquet"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            gen = in_child(GENERATE, str(persons), str(root / "batch"), fmt)
            floor = in_child(FLOOR, str(root), str(root / "batch" / "inbox"), fmt)
            ours = in_child(OURS, str(root), str(root / "batch" / "inbox"))
        figures[fmt] = {
            "rows": gen["rows"],
            "ddss_seconds": ours["seconds"],
            "ddss_rows_per_s": round(ours["rows"] / ours["seconds"]),
            "ddss_peak_rss_mb": round(ours["peak_rss_mb"]),
            "ddss_quarantined_rows": ours["quarantined"],
            "duckdb_floor_seconds": floor["seconds"],
            "duckdb_floor_rows_per_s": round(floor["rows"] / floor["seconds"]),
            "duckdb_floor_peak_rss_mb": round(floor["peak_rss_mb"]),
            "ratio_ddss_over_floor": round(ours["seconds"] / floor["seconds"], 2),
        }
    write("ingest", figures)


if __name__ == "__main__":
    main()
