"""`ddss server start|stop` against a real local Prefect server on a free port: start deploys
all 34 provinces of prefect.yaml (schedules, tags, concurrency limit as generated), a
deployed province runs on a real process worker, a second run of it waits for the first,
and stop ends exactly what start started."""

from __future__ import annotations

import subprocess
import time

import psutil
import pytest

from ddss.admin_units import provinces_2025
from ddss.orchestration import TIMEZONE, cron_for, deployment_name, read_state, start, stop
from ddss.settings import Settings
from generators.province import DEFAULT_AS_OF, generate
from tests.conftest import ROOT

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("server")
    settings = Settings.load(ROOT, prefect_home=base / "prefect")
    bystander = subprocess.Popen(["sleep", "300"])  # not ours to stop
    state = start(
        settings,
        extra_env={
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1",
            "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "2",  # default 30: a slower test, same behaviour
        },
    )
    try:
        yield settings, state, base
    finally:
        stopped = stop(settings)
        assert set(stopped) == {"server", "worker"}
        assert bystander.poll() is None, "stop ended a process it did not start"
        bystander.kill()
        for pid, _ in state.processes.values():
            assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert read_state(settings) is None


def test_start_deploys_every_province_with_its_schedule_tags_and_limit(server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    settings, state, _base = server
    codes = sorted(provinces_2025())
    assert len(codes) == 34
    expected = {deployment_name(c): (c, cron_for(i)) for i, c in enumerate(codes)}
    assert sorted(state.deployments) == sorted(expected)
    with temporary_settings(updates={PREFECT_API_URL: state.api_url}), get_client(sync_client=True) as client:
        listed = client.read_deployments()
    assert sorted(d.name for d in listed) == sorted(expected), "the server lists exactly the 34 deployments"
    for d in listed:
        code, cron = expected[d.name]
        assert d.work_pool_name == "ddss-local" and d.entrypoint == "flows/pipeline.py:province_pipeline"
        assert d.parameters == {"province": code}
        assert f"province:{code}" in d.tags and "agency:cong_an" in d.tags, d.tags
        assert d.global_concurrency_limit is not None and d.global_concurrency_limit.limit == 1, d.name
        assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in d.schedules] == [(cron, TIMEZONE, True)]
        assert d.pull_steps[0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(ROOT)


def test_deployed_province_runs_on_the_worker_one_run_at_a_time(server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    settings, state, base = server
    assert state.api_url.startswith("http://127.0.0.1:") and set(state.processes) == {"server", "worker"}
    gen = generate(province="79", persons=300, seed=5, defect_rate=0.0, out=base / "batch")  # đạt: the run completes
    params = {
        "inbox": str(gen.inbox),
        "as_of": DEFAULT_AS_OF.isoformat(),
        "data_dir": str(base / "data"),
        "reports_dir": str(base / "reports"),
        "gx_dir": str(base / "gx"),
        "settle_s": 0.2,
    }
    with temporary_settings(updates={PREFECT_API_URL: state.api_url}), get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name("ddss-province/province-79-nightly")
        assert dep.parameters == {"province": "79"} and dep.global_concurrency_limit.limit == 1
        assert dep.schedules and dep.schedules[0].schedule.timezone == "Asia/Ho_Chi_Minh"
        first = client.create_flow_run_from_deployment(dep.id, parameters=params)
        second = client.create_flow_run_from_deployment(dep.id, parameters=params)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            runs = [client.read_flow_run(r.id) for r in (first, second)]
            if all(r.state.type.value in TERMINAL for r in runs):
                break
            time.sleep(1)
        runs = [client.read_flow_run(r.id) for r in (first, second)]
        assert [r.state.type.value for r in runs] == ["COMPLETED", "COMPLETED"], [r.state for r in runs]
        history = {r.id: [s.name for s in client.read_flow_run_states(r.id)] for r in runs}
        artifacts = client.read_artifacts()
    # the one that started later waited for a slot, and the two never ran at the same time
    early, late = sorted(runs, key=lambda r: r.start_time)
    assert "AwaitingConcurrencySlot" in history[late.id], history
    assert late.start_time >= early.end_time
    # the worker ran the province pipeline for real: the first run's artifacts exist, scorecard included
    keys = {(a.key, a.flow_run_id) for a in artifacts}
    for key in ("ingest-79", "validate-79", "scorecard-79", "gate-79", "report-link-79"):
        assert (key, early.id) in keys, key
    scorecard = next(a for a in artifacts if a.key == "scorecard-79" and a.flow_run_id == early.id)
    assert "đạt" in scorecard.description
    assert (base / "data" / "province_79.duckdb").exists()
