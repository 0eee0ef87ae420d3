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
    from ddss.cli.arguments import province_code, require_province_data
    from ddss.cli.errors import handled
    from ddss.exit_codes import ExitCode
    from ddss.settings import Settings, SettingsError

    with handled():
        province_code(province)
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise SettingsError("--as-of", as_of, "một ngày YYYY-MM-DD", "a date YYYY-MM-DD") from None
        settings = Settings.load()
    require_province_data(settings, province, f"'ddss ingest --province {province} --inbox …'")
    with handled(settings.reports_dir):
        # Every folder the run writes, checked before GX starts (a full or read-only disk
        # is named now, not after minutes of validation).
        settings.require_writable("data_dir", "reports_dir", "gx_dir")
        if flow:
            from ddss.gate import RunNotPassed
            from flows.validate import validate_flow

            try:
                validate_flow(province, as_of=day.isoformat() if day else None)
            except RunNotPassed:
                pass  # the flow ended Failed (không đạt); the scorecard below says why
        else:
            from ddss.checks.run import validate
            from ddss.cli.progress import validation_progress

            with validation_progress() as progress:
                validate(settings, province, as_of=day, progress=progress)
        run_id, findings = summary.latest_findings(settings, province)
        from ddss.scorecard_io import render, score_run

        card, folder = score_run(settings, province, run_id)
    typer.echo(summary.dimensions(findings))
    typer.echo(render(card))
    typer.echo(f"Bảng điểm: {folder / 'scorecard.json'}, {folder / 'scorecard.csv'}")
    typer.echo(f"Phát hiện chi tiết (đã che dữ liệu cá nhân): {settings.reports_dir / run_id / 'findings.csv'}")
    # 0: the run is đạt; 1: không đạt, the steward must act (ddss.exit_codes).
    raise typer.Exit(int(ExitCode.OK if card.passed else ExitCode.ACTION_NEEDED))
