"""`ddss purge`: remove quarantined raw rows and files older than the retention period."""

from __future__ import annotations

import typer

HELP = (
    "Xoá dữ liệu cách ly (dòng gốc, tệp bị từ chối) cũ hơn thời hạn lưu giữ [tool.ddss] retention_days "
    "(Nghị định 13/2023); ghi số lượng đã xoá vào purge.log. Dùng được trong lịch chạy định kỳ."
)

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option(None, help="Chỉ một tỉnh (mặc định: mọi tỉnh trong thư mục dữ liệu)."),
    older_than_days: int = typer.Option(None, help="Thời hạn lưu giữ, số ngày > 0 (mặc định: retention_days)."),
) -> None:
    from ddss.cli.arguments import province_code
    from ddss.cli.errors import handled
    from ddss.settings import Settings, SettingsError

    with handled():
        if older_than_days is not None and older_than_days <= 0:
            raise SettingsError("--older-than-days", older_than_days, "một số nguyên > 0", "an integer > 0")
        if province is not None:
            province_code(province)
        settings = Settings.load()
    with handled(settings.data_dir):
        from ddss.retention import purge

        result = purge(settings, province, older_than_days)
    typer.echo(result.summary_vi())
    typer.echo(f"Nhật ký / log: {settings.data_dir / 'purge.log'}")
