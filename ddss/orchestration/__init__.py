"""Scheduling plumbing with no Prefect import: prefect.yaml generation and the local server."""

from ddss.orchestration.deployments import (
    ENTRYPOINT,
    TIMEZONE,
    WORK_POOL,
    cron_for,
    deployment_name,
    render_prefect_yaml,
    write_prefect_yaml,
)
from ddss.orchestration.server import ServerError, ServerState, free_port, prefect_cli_env, read_state, start, stop

__all__ = [
    "ENTRYPOINT",
    "TIMEZONE",
    "WORK_POOL",
    "ServerError",
    "ServerState",
    "cron_for",
    "deployment_name",
    "free_port",
    "prefect_cli_env",
    "read_state",
    "render_prefect_yaml",
    "start",
    "stop",
    "write_prefect_yaml",
]
