"""`ddss validate`: run every GX suite on a province's loaded data and write the findings."""

from __future__ import annotations

import datetime as dt

import typer

HELP = "Kiểm tra dữ liệu đã nạp của một tỉnh theo bốn chiều đúng, đủ, sạch, sống (Great Expectations trên DuckDB)."

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option(..., help="Mã tỉnh sau 01/07/2025, ví dụ 79."),
    as_of: str = typer.Option(None, help="Ngày tham chiếu YYYY-MM-DD (mặc định: hôm nay hoặc [tool.ddss] as_of)."),
    flow: bool = typer.Option(False, "--flow", help="Chạy qua Prefect flow (ghi artifact) thay vì gọi hàm trực tiếp."),
) -> None:
    from ddss.cli import summary
    from ddss.settings import Settings
    from ddss.store import DatabaseBusy

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.echo(f"Ngày tham chiếu không hợp lệ: {as_of!r} (cần YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    settings = Settings.load()
    if not settings.province_db(province).exists():
        typer.echo(
            f"Chưa có dữ liệu của tỉnh {province}; hãy chạy 'ddss ingest --province {province} --inbox …' trước.", err=True
        )
        raise typer.Exit(2)
    try:
        if flow:
            from flows.validate import validate_flow

            validate_flow(province, as_of=day.isoformat() if day else None)
        else:
            from ddss.checks.run import validate

            validate(settings, province, as_of=day)
    except DatabaseBusy as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(3) from None
    run_id, findings = summary.latest_findings(settings, province)
    typer.echo(summary.dimensions(findings))
    typer.echo(f"Phát hiện chi tiết (đã che dữ liệu cá nhân): {settings.reports_dir / run_id / 'findings.csv'}")
