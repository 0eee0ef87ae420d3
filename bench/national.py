"""National fan-out: N generated provinces validated + scored through the national flow on a
Dask LocalCluster of worker PROCESSES (one thread each) with 1 and with 2 workers, against a
floor measured in the same run: the same provinces validated + scored one after another in
one plain process (no Dask, no Prefect; its GX import timed apart). Then every province gated into the national
database on DuckDB and on PostgreSQL (a throw-away cluster). Prints the times, the speed-up
and the load average, writes bench/results/national.json.

    .venv/bin/python bench/national.py [--provinces 4] [--persons 50000]

Provinces must be big enough that the work dominates the fixed costs (each worker process
imports GX once, 25-45 s on this loaded machine; Prefect and the cluster start): at 2 x 500
persons those costs are all there is, and at 4 x 20 000 a warm province took 8-12 s against
a 45 s import, so 2 workers could not be faster. So the cluster is started (each worker
importing GX) and timed apart from the flow, and each task reports its own seconds on its
worker. Two cores are shared with whatever else runs: the load average is recorded before
and after; compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, in_child, write  # noqa: E402

FLOOR = """
import datetime as dt
from pathlib import Path
from ddss.settings import Settings
work = Path(sys.argv[1]); codes = sys.argv[2].split(","); as_of = dt.date.fromisoformat(sys.argv[3])
settings = Settings.load(Path(sys.argv[4]), data_dir=work / "data", reports_dir=work / "reports", gx_dir=work / "gx")
t = time.perf_counter()
import great_expectations  # noqa: F401 - the same one-off cost each Dask worker pays
OUT = {"gx_import_s": round(time.perf_counter() - t, 2), "per_province_s": {}}
from ddss.checks.run import validate
from ddss.scorecard_io import score_run
t0 = time.perf_counter()
for code in codes:
    t = time.perf_counter()
    run = validate(settings, code, as_of=as_of)
    score_run(settings, code, run.run_id)
    OUT["per_province_s"][code] = round(time.perf_counter() - t, 2)
OUT["work_s"] = round(time.perf_counter() - t0, 2)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--provinces", type=int, default=4)
    ap.add_argument("--persons", type=int, default=50_000)
    args = ap.parse_args()

    from ddss.settings import Settings

    for k, v in Settings.load(ROOT).prefect_env().items():
        os.environ.setdefault(k, v)

    from prefect.testing.utilities import prefect_test_harness

    from ddss.admin_units import provinces_2025
    from ddss.gate import gate
    from ddss.ingest import ingest_inbox
    from ddss.store.national_duckdb import DuckDBNationalStore
    from ddss.store.national_pg import PostgresNationalStore
    from flows.national import run_national
    from generators.province import DEFAULT_AS_OF, generate
    from tests.support.postgres import missing_reason, throwaway_cluster

    work = Path(tempfile.mkdtemp(prefix="ddss-bench-national-"))
    settings = Settings.load(ROOT, data_dir=work / "data", reports_dir=work / "reports", gx_dir=work / "gx")
    codes = sorted(provinces_2025())[: args.provinces]
    figures: dict = {
        "provinces": len(codes),
        "persons_each": args.persons,
        "cluster": "distributed.LocalCluster, processes=True, threads_per_worker=1",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    t = time.perf_counter()
    rows = 0
    for i, code in enumerate(codes):
        gen = generate(province=code, persons=args.persons, seed=100 + i, defect_rate=0.01, out=work / f"batch{code}")
        rows += ingest_inbox(settings, code, gen.inbox).rows_staged
    figures["rows_staged"] = rows
    figures["generate_and_ingest_s"] = round(time.perf_counter() - t, 2)
    print(f"{len(codes)} provinces x {args.persons} persons generated and ingested in {figures['generate_and_ingest_s']} s")

    floor = in_child(FLOOR, str(work), ",".join(codes), DEFAULT_AS_OF.isoformat(), str(ROOT))
    figures["floor_one_process"] = floor
    print(f"floor (one plain process, in turn): GX import {floor['gx_import_s']} s + work {floor['work_s']} s")

    from distributed import LocalCluster

    t = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        figures["prefect_server_start_s"] = round(time.perf_counter() - t, 2)
        for workers in (1, 2):
            # The cluster the flow would start itself (flows.national.dask_runner), started here so
            # its start-up - each worker process importing GX (preload), in parallel - is timed
            # apart from the work; the flow then runs on it through its address.
            t = time.perf_counter()
            with LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                preload=["great_expectations"],
            ) as cluster:
                cluster.wait_for_workers(workers)
                start = round(time.perf_counter() - t, 2)
                t = time.perf_counter()
                out = run_national(settings, codes, DEFAULT_AS_OF.isoformat(), address=cluster.scheduler_address)
                wall = round(time.perf_counter() - t, 2)
            tasks = {p["province"]: p["seconds"] for p in out["provinces"]}
            figures[f"dask_{workers}_worker"] = {
                "cluster_start_s": start,  # processes up, GX imported on each
                "flow_s": wall,  # the national flow on the warm cluster: the work, the national scorecard
                "task_s": tasks,  # each province's validate + score on its worker
                "workers_used": len({p["ran_on"] for p in out["provinces"]}),
            }
            print(f"{workers} worker(s): cluster {start} s, national flow {wall} s; tasks {tasks}")
    one, two = figures["dask_1_worker"]["flow_s"], figures["dask_2_worker"]["flow_s"]
    figures["speedup_2_over_1"] = round(one / two, 2)
    figures["dask_1_worker_over_floor_work"] = round(one / floor["work_s"], 2)
    figures["dask_2_worker_over_floor_work"] = round(two / floor["work_s"], 2)
    print(
        f"speed-up 2 workers over 1: {figures['speedup_2_over_1']}x; flow / floor's work: "
        f"1 worker {figures['dask_1_worker_over_floor_work']}x, 2 workers {figures['dask_2_worker_over_floor_work']}x"
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
    print(f"gate into DuckDB {figures['gate_all_into_duckdb_s']} s, into PostgreSQL {figures['gate_all_into_postgres_s']} s")
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    write("national", figures)


if __name__ == "__main__":
    main()
