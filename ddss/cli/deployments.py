"""`ddss deployments`: write prefect.yaml (one nightly deployment per province), or check it."""

from __future__ import annotations

import typer

from ddss.exit_codes import ExitCode

HELP = "Ghi lại (hoặc kiểm tra với --check) prefect.yaml: một lịch chạy đêm cho mỗi tỉnh trong 34 tỉnh."

__all__ = ["HELP", "command"]


def command(check: bool = typer.Option(False, "--check", help="Chỉ kiểm tra, không ghi; mã thoát 1 nếu lệch.")) -> None:
    from ddss.orchestration import render_prefect_yaml, write_prefect_yaml
    from ddss.settings import Settings

    settings = Settings.load()
    path = settings.root / "prefect.yaml"
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != render_prefect_yaml():
            typer.echo("prefect.yaml lệch danh sách tỉnh; chạy 'ddss deployments' để ghi lại. / prefect.yaml is stale.", err=True)
            raise typer.Exit(ExitCode.ACTION_NEEDED)
        typer.echo("prefect.yaml khớp danh sách 34 tỉnh. / prefect.yaml is up to date.")
        return
    typer.echo(f"Đã ghi {write_prefect_yaml(settings.root)}")
