"""`ddss serve`: the findings browser on this machine (read-only; see ddss.serve)."""

from __future__ import annotations

import ipaddress
import socket

import typer

HELP = (
    "Mở trình duyệt phát hiện: phục vụ các thư mục báo cáo và danh sách mọi phát hiện của một lượt "
    "(lọc, sắp xếp, phân trang, tải về), chỉ đọc, tại 127.0.0.1."
)

__all__ = ["HELP", "command", "is_loopback"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command(
    port: int = typer.Option(8765, help="Cổng / port."),
    host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe; ngoài 127.0.0.1 cần mã truy cập (--token)."),
    token: str = typer.Option(
        None, envvar="DDSS_SERVE_TOKEN", help="Mã truy cập (hoặc biến DDSS_SERVE_TOKEN); bắt buộc khi mở ra ngoài máy."
    ),
) -> None:
    from ddss.exit_codes import ExitCode

    if not is_loopback(host) and not token:
        typer.echo(
            f"Từ chối mở {host}: cần mã truy cập (--token hoặc DDSS_SERVE_TOKEN) khi phục vụ ra ngoài máy này. "
            f"/ Refusing to bind {host} without an access token.",
            err=True,
        )
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    if token is not None and len(token) < 16:
        typer.echo("Mã truy cập quá ngắn (tối thiểu 16 ký tự). / Access token too short (16 characters at least).", err=True)
        raise typer.Exit(int(ExitCode.BAD_INPUT))

    try:  # a port already taken is the steward's choice to change, not a crash
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as e:
        typer.echo(f"Không mở được {host}:{port} ({e.strerror}); hãy chọn --port khác. / Cannot listen there.", err=True)
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None

    import uvicorn

    from ddss.serve import create_app
    from ddss.settings import Settings

    settings = Settings.load()
    typer.echo(f"Trình duyệt phát hiện / findings browser: http://{host}:{port}/  (Ctrl+C để dừng / to stop)")
    uvicorn.run(create_app(settings, token=token), host=host, port=port, log_level="warning", server_header=False)
