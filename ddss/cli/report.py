"""`ddss report`: write the steward's pages of a validation run under reports/<run_id>/."""

from __future__ import annotations

import re

import typer

HELP = "Tạo trang báo cáo của một lượt kiểm tra (bảng điểm, trang từng cơ quan, tệp gửi lại) trong reports/<run_id>/."

__all__ = ["HELP", "command", "province_of_run"]

_RUN = re.compile(r"^[0-9T]+-(\d{2})-[0-9a-f]+$")


def province_of_run(run_id: str) -> str | None:
    """The province code a run id carries (``<time>-<province>-<hex>``, ddss.checks.run)."""
    m = _RUN.match(run_id)
    return m.group(1) if m else None


def command(
    run: str = typer.Option(None, "--run", help="Mã lượt kiểm tra (tên thư mục trong reports/); mặc định: lượt mới nhất."),
    province: str = typer.Option(None, help="Mã tỉnh; mặc định: lấy từ mã lượt kiểm tra."),
    data_docs: bool = typer.Option(True, "--data-docs/--no-data-docs", help="Tạo lại Data Docs của GX cho lượt này."),
) -> None:
    from ddss.exit_codes import ExitCode
    from ddss.report import build_report
    from ddss.settings import Settings

    settings = Settings.load()
    if run is None:
        found = settings.reports_dir.glob("*/findings.parquet") if settings.reports_dir.is_dir() else []
        names = [p.parent.name for p in found if not p.parent.name.startswith(".")]  # .partial-*: unfinished
        runs = sorted(n for n in names if province is None or province_of_run(n) == province)
        if not runs:
            typer.echo("Chưa có lượt kiểm tra nào; hãy chạy 'ddss validate' trước. / No validation run yet.", err=True)
            raise typer.Exit(int(ExitCode.BAD_INPUT))
        run = runs[-1]
    province = province or province_of_run(run)
    if not province or not (settings.reports_dir / run).is_dir():
        typer.echo(f"Không tìm thấy lượt kiểm tra {run!r} trong {settings.reports_dir}. / No such run.", err=True)
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    try:
        index = build_report(settings, province, run, data_docs=data_docs)
    except FileNotFoundError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    except OSError as e:
        typer.echo(f"Không ghi được báo cáo / cannot write the report: {e.filename or settings.reports_dir}", err=True)
        raise typer.Exit(int(ExitCode.STORAGE)) from None
    typer.echo(f"Báo cáo / report: {index}")
