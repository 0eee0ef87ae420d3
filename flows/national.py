"""Prefect flow: validate and score many provinces in parallel on Dask, then the national scorecard.

Prefect's ``DaskTaskRunner`` (prefect-dask) runs one task per province: a ``LocalCluster``
(``[tool.ddss] dask_workers`` processes, all on 127.0.0.1) by default, or the
existing scheduler at ``dask_address``. On several machines each worker holds its own
provinces' files: start it with ``--resources "province_79=1,province_01=1"`` and run with
``pin=True`` so each task goes only to a worker that declares its province (docs/scaling.md).
No home-made scheduler: Dask places the tasks, Prefect records them.
"""

from __future__ import annotations

import os
import socket
import time
from contextlib import nullcontext

import dask
from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from ddss.national import national_frame, new_national_run_id, province_rows, write_national
from ddss.settings import Settings
from ddss.store import DatabaseBusy
from flows import flow_settings

__all__ = ["dask_runner", "national_flow", "run_national"]


def _busy(_task, _run, state) -> bool:
    return isinstance(state.data, DatabaseBusy)


@task(
    name="kiểm tra và chấm điểm tỉnh",
    task_run_name="tỉnh {province}",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[10, 60, 300],
    retry_condition_fn=_busy,
)
def province_scorecard(province: str, as_of: str | None, dirs: dict[str, str | None]) -> dict:
    """Validate the province's current data and score it, where its file is. Returns rows
    (counts and scores only) and where it ran."""
    import datetime as dt

    from ddss.checks.run import validate
    from ddss.scorecard_io import score_run

    began = time.perf_counter()
    settings = flow_settings(**dirs)
    where = {"ran_on": f"{socket.gethostname()}:{os.getpid()}", "worker": _worker_name()}
    if not settings.province_db(province).exists():
        return {"province": province, "rows": [], **where, "status": "no_data", "seconds": 0.0}
    run = validate(settings, province, as_of=dt.date.fromisoformat(as_of) if as_of else None)
    card, _ = score_run(settings, province, run.run_id)
    seconds = round(time.perf_counter() - began, 2)  # the work on the worker (GX's import included, once per worker)
    return {"province": province, "rows": province_rows(card), **where, "status": card.verdict, "seconds": seconds}


def _worker_name() -> str | None:
    """The Dask worker running this task (its --name), None outside Dask."""
    from distributed import get_worker

    try:
        return str(get_worker().name)
    except ValueError:
        return None


@flow(name="ddss-national", flow_run_name="national")
def national_flow(
    provinces: list[str],
    as_of: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
    pin: bool = False,
) -> dict:
    dirs = {"data_dir": data_dir, "reports_dir": reports_dir, "gx_dir": gx_dir}
    futures = []
    for code in provinces:
        # pin: only a Dask worker started with the resource province_<code> (the machine holding its file)
        with dask.annotate(resources={f"province_{code}": 1}) if pin else nullcontext():
            futures.append(province_scorecard.submit(code, as_of, dirs))
    results = [f.result() for f in futures]
    settings = flow_settings(**dirs)
    run_id = new_national_run_id()
    frame = national_frame([r for res in results for r in res["rows"]])
    folder = write_national(settings, frame, run_id)
    create_table_artifact(
        key="national-scorecard",
        table=[
            {"tỉnh": r["province"], "kết luận": r["status"], "chạy tại": r["ran_on"], "worker": r["worker"] or ""}
            for r in results
        ],
        description=f"Bảng điểm quốc gia {run_id}: {len(results)} tỉnh được kiểm tra",
    )
    create_link_artifact(key="national-report", link=(folder / "index.html").resolve().as_uri(), link_text="Bảng điểm quốc gia")
    return {"run_id": run_id, "folder": str(folder), "provinces": results, "rows": frame.height}


def dask_runner(settings: Settings, address: str | None = None, workers: int | None = None) -> DaskTaskRunner:
    """An existing cluster when an address is given (or configured), else a local one."""
    address = address or settings.dask_address
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": workers or settings.dask_workers,
            "threads_per_worker": 1,  # GX and DuckDB are CPU-bound: one province per process
            "processes": True,
            "host": "127.0.0.1",
            # its HTTP endpoint (health, dashboard) on loopback and a free port, never ":8787" on every interface
            "dashboard_address": "127.0.0.1:0",
        },
    )


def run_national(
    settings: Settings,
    provinces: list[str],
    as_of: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    pin: bool = False,
) -> dict:
    dirs = {"data_dir": str(settings.data_dir), "reports_dir": str(settings.reports_dir), "gx_dir": str(settings.gx_dir)}
    runner = dask_runner(settings, address, workers)
    return national_flow.with_options(task_runner=runner)(provinces, as_of, **dirs, pin=pin)
