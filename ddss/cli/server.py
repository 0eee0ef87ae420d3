"""`ddss server start|stop|status`: the local Prefect server that runs the nightly schedules."""

from __future__ import annotations

import typer

from ddss.exit_codes import ExitCode

HELP = "Máy chủ Prefect cục bộ cho lịch chạy đêm: start (khởi động, tạo work pool, triển khai, chạy worker), stop, status."

__all__ = ["HELP", "app"]

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)


@app.command("start", help="Khởi động máy chủ (127.0.0.1, cổng trống), tạo work pool, triển khai các tỉnh, chạy worker.")
def start(
    port: int = typer.Option(None, help="Cổng (mặc định: một cổng trống)."),
    deployment: list[str] = typer.Option(None, "--deployment", "-d", help="Chỉ triển khai các tên này (mặc định: tất cả)."),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Chạy một worker cho work pool."),
    timeout: float = typer.Option(
        180.0, min=1.0, help="Chờ tối đa bấy nhiêu giây cho mỗi bước (máy chủ sẵn sàng, work pool, triển khai)."
    ),
) -> None:
    from ddss.orchestration import ServerError
    from ddss.orchestration import start as start_server
    from ddss.settings import Settings

    settings = Settings.load()
    typer.echo("Đang khởi động máy chủ Prefect cục bộ… / starting the local Prefect server…")
    try:
        state = start_server(settings, deployments=deployment or None, port=port, worker=worker, timeout=timeout)
    except ServerError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    typer.echo(f"Đã triển khai / deployed: {len(state.deployments)}")
    typer.echo(f"Giao diện / UI: {state.ui_url}")
    typer.echo(f"PREFECT_API_URL={state.api_url}")
    typer.echo(f"Nhật ký / logs: {state.logs}")
    typer.echo("Dừng bằng / stop with: ddss server stop")


@app.command("stop", help="Dừng đúng các tiến trình mà 'ddss server start' đã khởi động.")
def stop() -> None:
    from ddss.orchestration import stop as stop_server
    from ddss.settings import Settings

    stopped = stop_server(Settings.load())
    typer.echo(f"Đã dừng / stopped: {', '.join(stopped)}" if stopped else "Không có gì đang chạy. / nothing was running.")


@app.command("status", help="Máy chủ có đang chạy không, ở địa chỉ nào.")
def status() -> None:
    from ddss.orchestration import read_state
    from ddss.orchestration.server import _alive
    from ddss.settings import Settings

    state = read_state(Settings.load())
    alive = {r: _alive(*p) for r, p in state.processes.items()} if state else {}
    if not any(alive.values()):
        typer.echo("Không có máy chủ ddss nào đang chạy. / not running.")
        raise typer.Exit(ExitCode.ACTION_NEEDED)
    typer.echo(f"{state.ui_url} — " + ", ".join(f"{r}: {'chạy' if a else 'đã dừng'}" for r, a in alive.items()))
