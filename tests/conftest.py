"""Shared fixtures. Prefect's test harness is started once per session (about 9 s)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from ddss.settings import Settings
from tests.support import offline

ROOT = Path(__file__).resolve().parents[1]

# Tests must never phone home, whatever the developer's shell says, and never write into
# a developer's relocated folders.
for _k in ("DDSS_DATA_DIR", "DDSS_REPORTS_DIR", "DDSS_GX_DIR", "DDSS_PREFECT_HOME"):
    os.environ.pop(_k, None)
# The pseudonym secret of the test session (ddss.keys), never the developer's ~/.config/ddss.
os.environ["DDSS_KEY_DIR"] = tempfile.mkdtemp(prefix="ddss-test-keys-")
for _k, _v in Settings.load(ROOT).prefect_env().items():
    os.environ[_k] = _v

# ...and cannot: connections to non-loopback hosts raise, in this process and in every
# Python subprocess a test starts (sitecustomize on PYTHONPATH). See tests/support/offline.py.
OFFLINE_SITE = ROOT / "tests" / "support" / "offline_site"
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE_SITE), os.environ.get("PYTHONPATH")) if p)
offline.install()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data, reports and GX folders live in a fresh temp dir."""
    return Settings.load(
        ROOT,
        data_dir=tmp_path / "data",
        reports_dir=tmp_path / "reports",
        gx_dir=tmp_path / "gx",
    )


_RUNS: dict[tuple, object] = {}


@pytest.fixture(scope="session")
def province_run(tmp_path_factory):
    """``province_run(rate, persons=2000, **form)``: a province through the real path, made
    once per session per distinct argument set."""
    from tests.support.runs import run_province

    def make(rate: float, persons: int = 2000, **form):
        key = (rate, persons, tuple(sorted(form.items())))
        if key not in _RUNS:
            _RUNS[key] = run_province(tmp_path_factory.mktemp(f"run-{rate}-{persons}"), rate, persons, **form)
        return _RUNS[key]

    return make


@pytest.fixture(scope="session")
def prefect_harness():
    """A real (temporary) Prefect API for flow tests; opt in by requesting this fixture."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL 15 cluster (initdb + pg_ctl, 127.0.0.1, free port, password
    auth) for the session; ``pg_cluster.new_database()`` gives each test an empty database."""
    from tests.support.postgres import missing_reason, throwaway_cluster

    if reason := missing_reason():
        pytest.skip(reason)
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(autouse=True)
def _no_internet_attempts():
    """Fail any test during which something tried to reach the internet, even if the
    attempt's exception was swallowed by a library."""
    before = len(offline.ATTEMPTS)
    yield
    leaked = offline.ATTEMPTS[before:]
    assert not leaked, f"internet access attempted: {leaked}"


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module: Playwright's sync API
    refuses a second instance while one is open in the same thread, so every module takes
    this one fixture and it is closed when the module ends."""
    if not CHROMIUM.exists():
        # Not a skip: CI installs it (scripts/system_deps.sh), so its absence is a broken setup.
        pytest.fail("Debian's chromium is missing: run scripts/system_deps.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def block_off_machine(target) -> list[str]:
    """Abort every request of a Playwright page or context that is not ``file:``; the
    returned list records each one attempted (the offline tests assert it stays empty)."""
    attempts: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            attempts.append(r.request.url)
            r.abort()

    target.route("**/*", route)
    return attempts
