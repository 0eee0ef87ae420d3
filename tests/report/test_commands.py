"""`ddss report` on the session's run: pages written, exit codes from ddss.exit_codes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ddss.exit_codes import ExitCode


@pytest.fixture
def env(report_run) -> dict[str, str]:
    s = report_run.settings
    return {"DDSS_DATA_DIR": str(s.data_dir), "DDSS_REPORTS_DIR": str(s.reports_dir), "DDSS_GX_DIR": str(s.gx_dir)}


@pytest.mark.parametrize("args", [["--run", "{run}"], ["--province", "79", "--no-data-docs"], ["--no-data-docs"]])
def test_report_command_writes_the_pages(report_run, env, args):
    from ddss.cli.app import app

    before = report_run.index.stat().st_mtime_ns
    args = [a.format(run=report_run.run_id) for a in args]
    result = CliRunner().invoke(app, ["report", *args], env=env)
    assert result.exit_code == ExitCode.OK, result.output
    assert str(report_run.index) in result.output
    assert report_run.index.stat().st_mtime_ns > before


@pytest.mark.parametrize("args", [["--run", "20990101T000000-79-ffffff"], ["--province", "01"]])
def test_report_command_refuses_an_unknown_run(env, args):
    from ddss.cli.app import app

    result = CliRunner().invoke(app, ["report", *args], env=env)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "lượt kiểm tra" in result.output
