"""National fan-out: N generated provinces validated + scored through the national flow on a
Dask LocalCluster with 1 and with 2 workers, then gated into the national database on
DuckDB and on PostgreSQL (a throw-away cluster). Prints the times, writes bench/results/national.json.

    .venv/bin/python bench/national.py [--provinces 4] [--persons 2000]

Prefect runs against a temporary local server (started once, counted apart from the runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, write  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--provinces", type=int, default=4)
    ap.add_argument("--persons", type=int, default=2000)
    args = ap.parse_args()

    from ddss.settings import Settings

    for k, v in Settings.load(ROOT).prefect_env().items():
        os.environ.setdefault(k, v)

    from prefect.testing.utilities import prefect_test_harness

    from ddss.admin_units import provinces_2025
    from ddss.gate import gate
    from ddss.ingest import ingest_inbox
    from ddss.store.national import DuckDBNationalStore
    from ddss.store.national_pg import PostgresNationalStore
    from flows.national import run_national
    from generators.province import DEFAULT_AS_OF, generate
    from tests.support.postgres import missing_reason, throwaway_cluster

    work = Path(tempfile.mkdtemp(prefix="ddss-bench-national-"))
    settings = Settings.load(ROOT, data_dir=work / "data", reports_dir=work / "reports", gx_dir=work / "gx")
    codes = sorted(provinces_2025())[: args.provinces]
    t = time.perf_counter()
    rows = 0
    for i, code in enumerate(codes):
        gen = generate(province=code, persons=args.persons, seed=100 + i, defect_rate=0.01, out=work / f"batch{code}")
        rows += ingest_inbox(settings, code, gen.inbox).rows_staged
    figures: dict = {"provinces": len(codes), "persons_each": args.persons, "rows_staged": rows}
    figures["generate_and_ingest_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        figures["prefect_server_start_s"] = round(time.perf_counter() - t, 2)
        for workers in (1, 2):
            t = time.perf_counter()
            out = run_national(settings, codes, DEFAULT_AS_OF.isoformat(), workers=workers)
            figures[f"national_validate_score_{workers}_worker_s"] = round(time.perf_counter() - t, 2)
            figures[f"hosts_{workers}_worker"] = len({p["ran_on"] for p in out["provinces"]})
    figures["speedup_2_over_1"] = round(
        figures["national_validate_score_1_worker_s"] / figures["national_validate_score_2_worker_s"], 2
    )

    def gate_all(store) -> float:
        t = time.perf_counter()
        promoted = 0
        for code in codes:
            promoted += gate(settings, code, store=store).promoted
        figures.setdefault("promoted_records", promoted)
        return round(time.perf_counter() - t, 2)

    with DuckDBNationalStore(work / "national.duckdb") as store:
        figures["gate_all_into_duckdb_s"] = gate_all(store)
    if reason := missing_reason():
        figures["gate_all_into_postgres_s"] = f"skipped: {reason}"
    else:
        with throwaway_cluster() as pg, PostgresNationalStore(pg.new_database(), pg.password) as store:
            figures["gate_all_into_postgres_s"] = gate_all(store)
    write("national", figures)


if __name__ == "__main__":
    main()
