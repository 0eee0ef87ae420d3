"""Deploy prefect.yaml's deployments through the Prefect API, all of them in one process.

``prefect deploy --all`` starts one long code path per deployment (it loads the flow from
its entrypoint, reads the work pool, resolves blocks and variables and templates each
entry again): 34 of them on a loaded 2-core machine took longer than any sensible
timeout. Here prefect.yaml is read once, each entrypoint's flow is loaded once for its
parameter schema, and every deployment is one ``create_deployment`` call on one client
(an upsert: running it again updates, never duplicates). prefect.yaml stays the one
description of the deployments (``prefect deploy --all`` by hand gives the same result).

Run by ``ddss server start`` as ``python -m flows.deploy [--name N ...]`` with the server's
address in ``PREFECT_API_URL``; prints one JSON line ``{"deployed": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

__all__ = ["deploy_from_yaml", "load_spec"]

ROOT = Path(__file__).resolve().parents[1]


def load_spec(root: Path, names: Sequence[str] | None = None) -> tuple[list[dict], list[dict]]:
    """prefect.yaml's deployments (those named, or all) and its pull steps, ``{{ $PWD }}``
    resolved to ``root`` as ``prefect deploy`` would from the project folder."""
    raw = yaml.safe_load((Path(root) / "prefect.yaml").read_text(encoding="utf-8"))
    pull = json.loads(json.dumps(raw.get("pull") or []).replace("{{ $PWD }}", str(Path(root).resolve())))
    deployments = raw["deployments"]
    if names:
        known = {d["name"] for d in deployments}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"Không có trong prefect.yaml / not in prefect.yaml: {', '.join(unknown)}")
        deployments = [d for d in deployments if d["name"] in set(names)]
    return deployments, pull


def deploy_from_yaml(root: Path, names: Sequence[str] | None = None, wait_pool_s: float = 0.0) -> list[str]:
    """Create (or update) the deployments on the server in ``PREFECT_API_URL``; returns their
    names. ``wait_pool_s``: how long a work pool may take to appear (a worker creating it)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema

    deployments, pull = load_spec(root, names)
    flows: dict[str, Any] = {}
    done: list[str] = []
    with get_client(sync_client=True) as client:
        for pool in {d["work_pool"]["name"] for d in deployments}:
            _wait_for_pool(client, pool, wait_pool_s)  # no deployment without its pool
        for d in deployments:
            entry = d["entrypoint"]
            if entry not in flows:
                flow = load_flow_from_entrypoint(str(Path(root) / entry.split(":")[0]) + ":" + entry.split(":")[1])
                flows[entry] = (flow, client.create_flow_from_name(flow.name), parameter_schema(flow))
            flow, flow_id, schema = flows[entry]
            schedules = [
                DeploymentScheduleCreate(
                    schedule=CronSchedule(cron=s["cron"], timezone=s.get("timezone")), active=s.get("active", True)
                )
                for s in d.get("schedules") or []
            ]
            client.create_deployment(
                flow_id=flow_id,
                name=d["name"],
                description=d.get("description") or flow.description,
                entrypoint=entry,
                path=None,  # the pull step sets the working folder, as with `prefect deploy`
                pull_steps=pull,
                tags=d.get("tags") or [],
                parameters=d.get("parameters") or {},
                parameter_openapi_schema=schema.model_dump(exclude_unset=True),
                enforce_parameter_schema=True,
                concurrency_limit=d.get("concurrency_limit"),
                schedules=schedules,
                work_pool_name=d["work_pool"]["name"],
                work_queue_name=d["work_pool"].get("work_queue_name"),
                job_variables=d["work_pool"].get("job_variables") or {},
            )
            done.append(d["name"])
    return done


def _wait_for_pool(client, name: str, wait_s: float) -> None:
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + wait_s
    while True:
        try:
            client.read_work_pool(name)
            return
        except ObjectNotFound:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--name", action="append", help="only this deployment (repeatable); default: all")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--wait-pool", type=float, default=0.0, help="seconds to wait for the work pool to appear")
    args = parser.parse_args(argv)
    names = deploy_from_yaml(args.root, args.name, args.wait_pool)
    print(json.dumps({"deployed": names}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
