"""`ddss evaluate` (placeholder until its issue lands: it refuses to run)."""

from __future__ import annotations

import typer

HELP = "(chưa có) evaluate"


def command() -> None:
    typer.echo("Lệnh 'evaluate' chưa được xây dựng (not implemented yet).", err=True)
    raise typer.Exit(2)
