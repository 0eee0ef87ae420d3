"""`ddss suites`: write the GX suites in expectations/ from the check catalogue, or check them."""

from __future__ import annotations

import typer

HELP = "Ghi lại (hoặc kiểm tra với --check) các bộ kỳ vọng GX trong expectations/ từ danh mục kiểm tra."


def command(check: bool = typer.Option(False, "--check", help="Chỉ kiểm tra, không ghi; mã thoát 1 nếu lệch.")) -> None:
    import json

    from ddss.checks import suites
    from ddss.settings import Settings

    settings = Settings.load()
    built = suites.build()
    if check:
        stale = [
            suites.suite_name(dataset)
            for dataset, suite in built.items()
            if not (p := settings.expectations_dir / f"{suites.suite_name(dataset)}.json").exists()
            or json.loads(p.read_text("utf-8")) != suite
        ]
        if stale:
            typer.echo(f"Bộ kỳ vọng lệch danh mục, chạy 'ddss suites' để ghi lại: {', '.join(stale)}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(built)} bộ kỳ vọng khớp danh mục kiểm tra.")
        return
    for path in suites.write(settings.expectations_dir):
        typer.echo(f"Đã ghi {path}")
