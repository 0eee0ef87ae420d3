"""Shared fixtures. Prefect's test harness is started once per session (about 9 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ddss.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# Tests must never phone home, whatever the developer's shell says.
for _k, _v in Settings.load(ROOT).prefect_env().items():
    os.environ[_k] = _v


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data, reports and GX folders live in a fresh temp dir."""
    return Settings.load(
        ROOT,
        data_dir=tmp_path / "data",
        reports_dir=tmp_path / "reports",
        gx_dir=tmp_path / "gx",
    )


@pytest.fixture(scope="session")
def prefect_harness():
    """A real (temporary) Prefect API for flow tests; opt in by requesting this fixture."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
