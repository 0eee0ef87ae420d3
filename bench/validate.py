"""Validation speed against the floor: one hand-written DuckDB query per table computing
the same per-check counts, in the same run, on the same province file.

Measured in separate processes: (1) ddss validate() end to end (GX suites + row-level
findings + writing them); (2) the GX suites alone; (3) the floor. Prints the ratios.

    .venv/bin/python bench/validate.py [persons]
"""

from __future__ import annotations

import sys
import tempfile

from _common import in_child, write

PREPARE = """
from pathlib import Path
from ddss.ingest import ingest_inbox
from ddss.settings import Settings
from generators.province import generate
root = Path(sys.argv[1])
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
g = generate(province="79", persons=int(sys.argv[2]), seed=7, defect_rate=0.01, out=root / "batch", fmt="parquet")
ingest_inbox(s, "79", g.inbox)
from ddss import store
from ddss.checks import reference, views
with store.writer(s.province_db("79")) as con:  # what validate() does first; the floor needs it too
    views.refresh(con)
    reference.load(con)
OUT = {"rows": sum(g.rows.values())}
"""

SETTINGS = """
from pathlib import Path
import datetime as dt
from ddss.settings import Settings
root = Path(sys.argv[1])
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
AS_OF = dt.date(2026, 11, 1)
"""

OURS = (
    SETTINGS
    + """
from ddss.checks.run import validate
t = time.perf_counter()
r = validate(s, "79", as_of=AS_OF)
OUT = {"seconds": round(time.perf_counter() - t, 2), "findings": r.findings.height, "checks": len(r.gx_counts),
       "counts_agree": r.counts_agree}
"""
)

GX_ONLY = (
    SETTINGS
    + """
from ddss.checks import gx_run
t = time.perf_counter()
counts, _ = gx_run.run_suites(s, "79", "bench", AS_OF)
OUT = {"seconds": round(time.perf_counter() - t, 2), "unexpected_total": sum(v or 0 for v in counts.values())}
"""
)

FLOOR = (
    SETTINGS
    + """
import duckdb
from ddss.checks.render import current_view, fails_sql
from ddss.rules.catalog import for_dataset
from ddss.schema import DATASETS
t = time.perf_counter()
con = duckdb.connect(str(s.province_db("79")), read_only=True)
total = 0
for ds in DATASETS:
    checks = [c for c in for_dataset(ds) if c.predicate is not None]
    flags = ", ".join(f"({fails_sql(c, s, AS_OF, '79')}) AS f{i}" for i, c in enumerate(checks))
    sums = ", ".join(f"count_if(f{i})" for i in range(len(checks)))
    total += sum(con.execute(f"SELECT {sums} FROM (SELECT {flags} FROM {current_view(ds)} t)").fetchall()[0])
con.close()
OUT = {"seconds": round(time.perf_counter() - t, 2), "unexpected_total": total}
"""
)


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        prep = in_child(PREPARE, tmp, str(persons))
        floor = in_child(FLOOR, tmp)
        gx_only = in_child(GX_ONLY, tmp)
        ours = in_child(OURS, tmp)
    assert floor["unexpected_total"] == gx_only["unexpected_total"], "GX and the floor must count the same"
    write(
        "validate",
        {
            "persons": persons,
            "rows": prep["rows"],
            "checks": ours["checks"],
            "findings": ours["findings"],
            "counts_agree": ours["counts_agree"],
            "floor_seconds": floor["seconds"],
            "gx_suites_seconds": gx_only["seconds"],
            "ddss_validate_seconds": ours["seconds"],
            "ratio_gx_over_floor": round(gx_only["seconds"] / floor["seconds"], 2),
            "ratio_validate_over_floor": round(ours["seconds"] / floor["seconds"], 2),
            "peak_rss_mb": {
                "floor": round(floor["peak_rss_mb"]),
                "gx": round(gx_only["peak_rss_mb"]),
                "validate": round(ours["peak_rss_mb"]),
            },
        },
    )


if __name__ == "__main__":
    main()
