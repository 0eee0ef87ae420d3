"""`ddss ingest`: load an agency's batch folder into the province's DuckDB file."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = "Nạp một lô tệp của cơ quan (thư mục inbox) vào CSDL DuckDB của tỉnh; tệp hỏng được cách ly kèm lý do."

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option(..., help="Mã tỉnh sau 01/07/2025, ví dụ 79."),
    inbox: Path = typer.Option(..., exists=True, file_okay=False, help="Thư mục chứa các tệp của lô."),
    agency: str = typer.Option(None, help="Cơ quan gửi (mặc định: suy ra từ tập dữ liệu)."),
    flow: bool = typer.Option(False, "--flow", help="Chạy qua Prefect flow (ghi artifact) thay vì gọi hàm trực tiếp."),
) -> None:
    from ddss import admin_units
    from ddss.cli import summary
    from ddss.ingest import OutOfMemory
    from ddss.settings import Settings
    from ddss.store import DatabaseBusy

    try:
        admin_units.province(province)
    except ValueError as e:
        typer.echo(f"Lỗi: {e}", err=True)
        raise typer.Exit(2) from None
    settings = Settings.load()
    try:
        if flow:
            from flows.ingest import ingest_flow

            outcome = ingest_flow(province, str(inbox), agency=agency)
            rejected = outcome["rejected"]
        else:
            from ddss.ingest import ingest_inbox

            rejected = ingest_inbox(settings, province, inbox, agency=agency).rejected
    except DatabaseBusy as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(3) from None
    except OutOfMemory as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(4) from None
    typer.echo(summary.batches(settings, province))
    typer.echo(f"CSDL: {settings.province_db(province)}")
    if rejected:
        typer.echo(f"{rejected} tệp bị từ chối; bản gốc và lý do ở {settings.quarantine_dir(province)}", err=True)
        raise typer.Exit(1)
