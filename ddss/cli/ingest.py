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
    from ddss.cli import summary
    from ddss.cli.arguments import province_code
    from ddss.cli.errors import handled
    from ddss.exit_codes import ExitCode
    from ddss.schema import AGENCIES
    from ddss.settings import Settings, SettingsError

    with handled():
        province_code(province)
        if agency is not None and agency not in AGENCIES:
            raise SettingsError("--agency", agency, f"một trong {', '.join(AGENCIES)}", f"one of {', '.join(AGENCIES)}")
        settings = Settings.load()
    with handled(settings.data_dir):
        settings.require_writable("data_dir")
        if flow:
            from flows.ingest import ingest_flow

            outcome = ingest_flow(province, str(inbox), agency=agency)
        else:
            from ddss.ingest import ingest_inbox

            result = ingest_inbox(settings, province, inbox, agency=agency)
            outcome = {"batch_id": result.batch_id, "rejected": result.rejected}
            outcome["manifest_differences"] = result.manifest_differences
        typer.echo(summary.batches(settings, province, outcome["batch_id"]))
    typer.echo(f"CSDL: {settings.province_db(province)}")
    rejected, differences = outcome["rejected"], outcome.get("manifest_differences", 0)
    if rejected:
        typer.echo(f"{rejected} tệp bị từ chối; bản gốc và lý do ở {settings.quarantine_dir(province)}", err=True)
    if differences:
        typer.echo(f"{differences} khác biệt so với bảng kê của cơ quan (manifest.csv); xem ghi chú của lô ở trên", err=True)
    if rejected or differences:
        raise typer.Exit(int(ExitCode.ACTION_NEEDED))
