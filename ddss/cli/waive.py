"""`ddss waive`: accept one finding on one record, with a written justification (audited)."""

from __future__ import annotations

import typer

HELP = "Chấp nhận một phát hiện của một bản ghi kèm lý do bằng văn bản (ghi vào nhật ký kiểm toán, áp dụng cho các lượt sau)."

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option(..., help="Mã tỉnh, ví dụ 79."),
    dataset: str = typer.Option(..., help="Tập dữ liệu, ví dụ birth."),
    record_key: str = typer.Option(..., "--record-key", help="Khoá bản ghi như trong findings.csv."),
    check: str = typer.Option(..., "--check", help="Mã quy tắc (check_id), ví dụ birth.late_registration."),
    reason: str = typer.Option(..., "--reason", help="Lý do chấp nhận, bằng văn bản."),
    by: str = typer.Option(..., "--by", help="Người chấp nhận (họ tên hoặc chức danh)."),
) -> None:
    from ddss.cli.arguments import province_code
    from ddss.cli.errors import handled
    from ddss.exit_codes import ExitCode
    from ddss.settings import Settings
    from ddss.waivers import WaiverRefused, waive

    with handled():
        province_code(province)
        settings = Settings.load()
    with handled(settings.data_dir):
        try:
            w = waive(settings, province, dataset, record_key, check, reason, by)
        except WaiverRefused as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    typer.echo(f"Đã chấp nhận {w.check_id} cho bản ghi {w.record_key} ({w.dataset}); nhật ký kiểm toán mục {w.audit_seq}.")
