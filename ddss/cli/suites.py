"""`ddss suites`: write the GX suites in expectations/ and the GX project files in gx/
(validation definitions, checkpoint, data source) from the check catalogue, or check them."""

from __future__ import annotations

import typer

HELP = "Ghi lại (hoặc kiểm tra với --check) các bộ kỳ vọng GX trong expectations/ và cấu hình GX trong gx/ từ danh mục kiểm tra."


def command(check: bool = typer.Option(False, "--check", help="Chỉ kiểm tra, không ghi; mã thoát 1 nếu lệch.")) -> None:
    import json

    from ddss.checks import gx_project, suites
    from ddss.exit_codes import ExitCode
    from ddss.settings import Settings

    settings = Settings.load()
    built = suites.build()
    gx_dir = settings.root / "gx"  # the committed context, whatever DDSS_GX_DIR says
    if check:
        stale = [
            name
            for name, suite in built.items()
            if not (p := settings.expectations_dir / f"{name}.json").exists() or json.loads(p.read_text("utf-8")) != suite
        ]
        stale += [
            f"gx/{rel}"
            for rel, text in gx_project.config_files().items()
            if not (p := gx_dir / rel).exists() or p.read_text("utf-8") != text
        ]
        if stale:
            typer.echo(
                f"Bộ kỳ vọng / cấu hình GX lệch danh mục, chạy 'ddss suites' để ghi lại / stale, run 'ddss suites': "
                f"{', '.join(stale)}",
                err=True,
            )
            raise typer.Exit(ExitCode.ACTION_NEEDED)
        typer.echo(f"{len(built)} bộ kỳ vọng và cấu hình GX khớp danh mục kiểm tra. / Suites and GX config match.")
        return
    for path in [*suites.write(settings.expectations_dir), *gx_project.write(gx_dir)]:
        typer.echo(f"Đã ghi / written: {path}")
