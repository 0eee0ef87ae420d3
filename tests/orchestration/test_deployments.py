"""prefect.yaml: one deployment per province (all 34), equal to what the generator makes."""

from __future__ import annotations

import yaml

from ddss.admin_units import provinces_2025
from ddss.orchestration import ENTRYPOINT, WORK_POOL, render_prefect_yaml
from ddss.schema import AGENCIES
from ddss.settings import project_root


def test_committed_prefect_yaml_is_the_generated_one():
    committed = (project_root() / "prefect.yaml").read_text(encoding="utf-8")
    assert committed == render_prefect_yaml(), "run `ddss deployments` to regenerate prefect.yaml"


def test_every_province_is_deployed_nightly_staggered_with_one_run_at_a_time():
    config = yaml.safe_load(render_prefect_yaml())
    deps = config["deployments"]
    assert [d["parameters"]["province"] for d in deps] == sorted(provinces_2025())
    assert len(deps) == 34
    crons = [d["schedules"][0]["cron"] for d in deps]
    assert len(set(crons)) == 34  # staggered: no two provinces start together
    for d in deps:
        code = d["parameters"]["province"]
        assert d["entrypoint"] == ENTRYPOINT and d["work_pool"]["name"] == WORK_POOL
        assert d["concurrency_limit"] == 1
        assert d["schedules"][0]["timezone"] == "Asia/Ho_Chi_Minh" and d["schedules"][0]["active"] is True
        assert set(d["tags"]) == {f"province:{code}", *(f"agency:{a}" for a in AGENCIES)}
        assert set(d["parameters"]) == {"province"}  # everything else defaults to what works as deployed
        assert provinces_2025()[code].name in d["description"]
    # every night, between 00:30 and 03:15 Vietnam time
    hours = sorted(int(c.split()[1]) * 60 + int(c.split()[0]) for c in crons)
    assert hours[0] == 30 and hours[-1] == 30 + 5 * 33


def test_prefect_settings_reach_every_prefect_command(tmp_path):
    """prefect.toml at the project root: what `prefect` itself (and so a worker) reads."""
    import subprocess
    import sys
    from pathlib import Path

    prefect = Path(sys.executable).with_name("prefect")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    out = subprocess.run(
        [str(prefect), "config", "view", "--show-sources"], cwd=project_root(), env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "PREFECT_SERVER_ANALYTICS_ENABLED='False' (from prefect.toml)" in out.stdout
    assert "PREFECT_HOME='.prefect' (from prefect.toml)" in out.stdout
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS='120' (from prefect.toml)" in out.stdout
    assert "PREFECT_SERVER_API_HOST='127.0.0.1' (from prefect.toml)" in out.stdout
