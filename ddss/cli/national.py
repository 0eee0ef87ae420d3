"""`ddss national`: validate and score many provinces on Dask, then the national scorecard."""

from __future__ import annotations

import typer

from ddss.exit_codes import ExitCode

HELP = "Kiểm tra và chấm điểm nhiều tỉnh song song (Dask), rồi lập bảng điểm quốc gia 34 tỉnh × 3 cơ quan × 4 chiều."

__all__ = ["HELP", "command"]


def command(
    province: list[str] = typer.Option(None, "--province", "-p", help="Mã tỉnh (lặp lại được); mặc định: mọi tỉnh có dữ liệu."),
    as_of: str = typer.Option(None, help="Ngày tham chiếu YYYY-MM-DD (mặc định: ngày của lô)."),
    workers: int = typer.Option(None, min=1, help="Số tiến trình Dask cục bộ (mặc định: dask_workers)."),
    address: str = typer.Option(None, help="Địa chỉ bộ lập lịch Dask có sẵn (mặc định: dask_address, hoặc cụm cục bộ)."),
    pin: bool = typer.Option(False, "--pin", help="Chỉ chạy mỗi tỉnh trên worker khai báo tài nguyên province_<mã>."),
) -> None:
    from ddss.admin_units import provinces_2025
    from ddss.settings import Settings
    from flows.national import run_national

    settings = Settings.load()
    codes = province or [c for c in sorted(provinces_2025()) if settings.province_db(c).exists()]
    if not codes:
        typer.echo(f"Chưa có tỉnh nào có dữ liệu trong {settings.data_dir}. / no province has data yet.", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT)
    out = run_national(settings, codes, as_of, address=address, workers=workers, pin=pin)
    for p in out["provinces"]:
        typer.echo(f"  tỉnh {p['province']}: {p['status']} ({p['ran_on']})")
    typer.echo(f"Bảng điểm quốc gia / national scorecard: {out['folder']}/index.html")
