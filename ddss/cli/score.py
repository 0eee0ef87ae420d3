"""`ddss score`: the scorecard of a validation run (default: the latest)."""

from __future__ import annotations

import typer

HELP = "Tính bảng điểm của một lượt kiểm tra theo cơ quan, tập dữ liệu và bốn chiều (đúng, đủ, sạch, sống)."

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option(..., help="Mã tỉnh, ví dụ 79."),
    run: str = typer.Option(None, "--run", help="Mã lượt kiểm tra (mặc định: lượt mới nhất)."),
) -> None:
    from ddss.cli.arguments import province_code, require_province_data
    from ddss.cli.errors import handled
    from ddss.exit_codes import ExitCode
    from ddss.scorecard_io import render, score_run
    from ddss.settings import Settings

    with handled():
        province_code(province)
        settings = Settings.load()
    require_province_data(settings, province, "'ddss ingest', 'ddss validate'")
    with handled(settings.reports_dir):
        try:
            card, folder = score_run(settings, province, run)
        except KeyError as e:
            typer.echo(str(e.args[0]), err=True)
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    typer.echo(render(card))
    typer.echo(f"      Bảng điểm: {folder / 'scorecard.json'}, {folder / 'scorecard.csv'}")
    raise typer.Exit(int(ExitCode.OK if card.passed else ExitCode.ACTION_NEEDED))
