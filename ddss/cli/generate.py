"""`ddss generate` (placeholder until its issue lands: it refuses to run)."""

from __future__ import annotations

import typer

HELP = "(chưa có) generate"


def command() -> None:
    typer.echo("Lệnh 'generate' chưa được xây dựng (not implemented yet).", err=True)
    raise typer.Exit(2)
