"""Prefect flows: thin wiring over the plain functions of the ``ddss`` package.

Each flow takes only JSON-friendly parameters (so deployments in prefect.yaml can pass
them), builds the one Settings object, calls ddss, and publishes a Prefect artifact that
carries counts and file names only, never personal data.
"""

from __future__ import annotations

from ddss.settings import Settings

__all__ = ["flow_settings"]


def flow_settings(
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
    busy_timeout_s: float | None = None,
    step_timeout_s: float | None = None,
) -> Settings:
    """Settings from pyproject.toml, with folders (and the waits) overridden when a run asks."""
    from pathlib import Path

    given = {"data_dir": data_dir, "reports_dir": reports_dir, "gx_dir": gx_dir}
    overrides: dict[str, object] = {k: Path(v) for k, v in given.items() if v}
    if busy_timeout_s is not None:
        overrides["busy_timeout_s"] = float(busy_timeout_s)
    if step_timeout_s is not None:
        overrides["step_timeout_s"] = float(step_timeout_s)
    return Settings.load(**overrides)
