"""The ``ddss`` command. Messages to the steward are Vietnamese; flags are English."""

from __future__ import annotations

import os

import typer

from ddss.cli import audit as audit_cli
from ddss.cli import demo, evaluate, generate, ingest, purge, suites, validate
from ddss.cli import deployments as deployments_cli
from ddss.cli import gate as gate_cli
from ddss.cli import national as national_cli
from ddss.cli import report as report_cli
from ddss.cli import score as score_cli
from ddss.cli import serve as serve_cli
from ddss.cli import server as server_cli
from ddss.cli import waive as waive_cli

__all__ = ["app", "main"]

app = typer.Typer(
    name="ddss",
    help="ddss — kiểm tra chất lượng dữ liệu hộ tịch, đất đai, dân cư (đúng, đủ, sạch, sống).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("generate", help=generate.HELP)(generate.command)
app.command("ingest", help=ingest.HELP)(ingest.command)
app.command("validate", help=validate.HELP)(validate.command)
app.command("score", help=score_cli.HELP)(score_cli.command)
app.command("gate", help=gate_cli.HELP)(gate_cli.command)
app.command("waive", help=waive_cli.HELP)(waive_cli.command)
app.command("audit", help=audit_cli.HELP)(audit_cli.command)
app.command("evaluate", help=evaluate.HELP)(evaluate.command)
app.command("suites", help=suites.HELP)(suites.command)
app.command("demo", help=demo.HELP)(demo.command)
app.command("purge", help=purge.HELP)(purge.command)
app.command("report", help=report_cli.HELP)(report_cli.command)
app.command("serve", help=serve_cli.HELP)(serve_cli.command)
app.command("deployments", help=deployments_cli.HELP)(deployments_cli.command)
app.add_typer(server_cli.app, name="server", help=server_cli.HELP)
app.command("national", help=national_cli.HELP)(national_cli.command)


def main() -> None:
    from ddss.cli.errors import handled
    from ddss.settings import Settings

    # Every setting is checked here, when any command starts: a bad one exits BAD_INPUT
    # with a message naming it, before anything is done.
    try:
        with handled():
            settings = Settings.load()
    except typer.Exit as e:
        raise SystemExit(e.exit_code) from None
    # Telemetry off and Prefect kept local before anything imports Prefect or GX.
    for key, value in settings.prefect_env().items():
        os.environ.setdefault(key, value)
    app()
