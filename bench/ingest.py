"""Ingestion speed against DuckDB's own reader, measured in the same run.

For each format: ddss's ingest_inbox of the whole batch into a fresh province file, and
the floor: DuckDB ``CREATE TABLE … AS SELECT * FROM read_csv(…)`` (or read_parquet) of
the same files into a fresh file. Prints rows/s, peak RSS and the ratio ours / floor.

For CSV also a bound: ddss's typing query (strict read, exact parse, NFC pre-check) written
with the lineage constants straight into staging-shaped tables, in one pass on every thread
— without what that pass cannot give: source row numbers (DuckDB's CSV reader has none,
so ddss keeps file order in a temp table), the quarantine and the raw lines of bad rows.
No real ingest can be faster than it; it says how much of the gap is the parsing itself.

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
limit = sys.argv[3] if len(sys.argv) > 3 else None
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx", duckdb_memory_limit=limit)
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

BOUND = """
from pathlib import Path
import datetime as dt
import duckdb
from ddss import store
from ddss.read.csv_text import csv_view, peek_csv
from ddss.read import csv_dataset
from ddss.read.parse import typed_select
from ddss.read.scan import scan_file
from ddss.schema import DATASETS, staging_table
from ddss.sql import ident
root, inbox = Path(sys.argv[1]), Path(sys.argv[2])
files = sorted(inbox.glob("*.csv"))
scans = {f: scan_file(f) for f in files}  # ingest hashes on a second thread: not timed here either
t = time.perf_counter()
con = duckdb.connect(str(root / "bound.duckdb"))
store.ensure_schema(con)
con.execute("SET preserve_insertion_order = false")
for f in files:
    text = peek_csv(f, scans[f].lines)
    name, columns = csv_dataset(text, f)
    csv_view(con, text, columns, "cells")
    table, cols = ident(staging_table(name)), ", ".join(ident(c) for c in DATASETS[name].column_names)
    con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS _bad_column VARCHAR")
    con.execute(
        f"INSERT INTO {table} ({cols}, _nfc_fixed, _bad_column, _batch_id, _agency, _source_file, _file_sha256, _loaded_at) "
        f"SELECT {cols}, _nfc_fixed, _bad_column, ?, ?, ?, ?, ? FROM ({typed_select(con, 'cells', DATASETS[name])})",
        ["bound", DATASETS[name].agency, f.name, scans[f].sha256, dt.datetime.now()],
    )
con.close()
OUT = {"seconds": round(time.perf_counter() - t, 2)}
"""

LIMIT = "128MB"


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    figures: dict = {"persons": persons}
    for fmt in ("csv", "parquet"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            gen = in_child(GENERATE, str(persons), str(root / "batch"), fmt)
            floor = in_child(FLOOR, str(root), str(root / "batch" / "inbox"), fmt)
            ours = in_child(OURS, str(root), str(root / "batch" / "inbox"))
            bound = in_child(BOUND, str(root), str(root / "batch" / "inbox")) if fmt == "csv" else None
            # A province larger than the memory DuckDB may use: the same load, spilling to disk.
            limited = in_child(OURS, str(root / "limited"), str(root / "batch" / "inbox"), LIMIT) if fmt == "csv" else None
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
        if limited:
            figures[fmt]["ddss_with_memory_limit"] = {
                "duckdb_memory_limit": LIMIT,
                "seconds": limited["seconds"],
                "peak_rss_mb": round(limited["peak_rss_mb"]),
                "quarantined_rows": limited["quarantined"],
            }
        if bound:
            figures[fmt]["bound_parse_and_write_seconds"] = bound["seconds"]
            figures[fmt]["ratio_bound_over_floor"] = round(bound["seconds"] / floor["seconds"], 2)
    write("ingest", figures)


if __name__ == "__main__":
    main()
