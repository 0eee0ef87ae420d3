"""`ddss generate`: write one synthetic province's batch files and its ground truth."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

HELP = "Sinh dữ liệu mẫu của một tỉnh (dân cư, hộ tịch, đất đai) kèm lỗi cài sẵn và đáp án."

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option(..., help="Mã tỉnh sau 01/07/2025, ví dụ 79 (TP Hồ Chí Minh)."),
    persons: int = typer.Option(
        100_000, min=50, max=15_000_000, help="Số người trong dữ liệu dân cư (tới 15 triệu, sinh theo từng khối)."
    ),
    seed: int = typer.Option(7, help="Hạt giống: cùng tham số ⇒ tệp giống hệt từng byte."),
    defect_rate: float = typer.Option(0.01, min=0.0, max=0.2, help="Tỷ lệ lỗi cài sẵn (0 = dữ liệu sạch)."),
    fmt: str = typer.Option("csv", "--format", help="csv | parquet | xlsx"),
    out: Path = typer.Option(..., help="Thư mục ghi kết quả (inbox/ và ground_truth/)."),
    headers: str = typer.Option("canonical", help="Tiêu đề cột: canonical | vi (tiếng Việt)."),
    dates: str = typer.Option("iso", help="Định dạng ngày: iso (YYYY-MM-DD) | vn (DD/MM/YYYY)."),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help="Diện tích dạng 1.234,5."),
    encoding: str = typer.Option("utf-8", help="utf-8 | utf-8-sig (có BOM) | cp1258 (Windows-1258)."),
    as_of: str = typer.Option("2026-11-01", help="Ngày tham chiếu của dữ liệu (YYYY-MM-DD)."),
    chunk_persons: int | None = typer.Option(
        None,
        min=1,
        help="Số người giữ trong bộ nhớ mỗi lần (mặc định: chunk_persons trong [tool.ddss]); không đổi kết quả.",
    ),
    workers: int = typer.Option(
        min(2, os.cpu_count() or 1), min=1, max=16, help="Số tiến trình sinh các khối cùng lúc; không đổi kết quả."
    ),
) -> None:
    from ddss.cli.arguments import province_code
    from ddss.exit_codes import ExitCode
    from ddss.settings import Settings

    choices = {
        "fmt": ("csv", "parquet", "xlsx"),
        "headers": ("canonical", "vi"),
        "dates": ("iso", "vn"),
        "encoding": ("utf-8", "utf-8-sig", "cp1258"),
    }
    for name, value in (("fmt", fmt), ("headers", headers), ("dates", dates), ("encoding", encoding)):
        if value not in choices[name]:
            typer.echo(f"Giá trị không hợp lệ {value!r} cho --{name}; chọn một trong: {', '.join(choices[name])}", err=True)
            raise typer.Exit(ExitCode.BAD_INPUT)
    if fmt == "xlsx" and persons > 1_000_000:  # the population sheet would pass Excel's 1 048 576 rows
        typer.echo("Lỗi: XLSX chỉ chứa tới 1.048.576 dòng mỗi trang; với hơn 1 triệu người hãy dùng csv hoặc parquet.", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT)
    try:
        province_code(province)
        ref = dt.date.fromisoformat(as_of)
        chunk = chunk_persons or Settings.load().chunk_persons
    except ValueError as e:
        typer.echo(f"Lỗi: {e}", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None

    from generators.memory import freed_memory_kept
    from generators.province import generate

    # This process ends after generating, so its allocator may keep freed memory for the
    # next block (generators/memory.py; a library caller's process is left alone).
    with freed_memory_kept():
        r = generate(
            province,
            persons,
            seed,
            defect_rate,
            out,
            fmt=fmt,
            as_of=ref,
            headers=headers,
            dates=dates,
            decimal_comma=decimal_comma,
            encoding=encoding,
            chunk_persons=chunk,
            workers=workers,
        )
    total = sum(r.rows.values())
    typer.echo(r.summary_vi())
    rate = f"{total / max(r.seconds_total, 1e-9):,.0f}".replace(",", ".")  # Vietnamese thousands separator
    typer.echo(f"Đáp án: {r.manifest_path}  ·  {rate} dòng/giây (gồm ghi tệp)")
