"""Arguments the commands share, checked one way: a bad one is refused before anything is
done, with the option named (exit ``BAD_INPUT`` through ``errors.handled``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ddss.settings import Settings

__all__ = ["province_code", "require_province_data"]


def province_code(value: str) -> str:
    """``value`` if it is a province code in force since 01/07/2025, else SettingsError."""
    from ddss import admin_units
    from ddss.settings import SettingsError

    try:
        admin_units.province(value)
    except ValueError as e:
        raise SettingsError("--province", value, "mã tỉnh sau 01/07/2025", str(e)) from None
    return value


def require_province_data(settings: Settings, province: str, first: str) -> None:
    """Exit ``BAD_INPUT`` naming the command to run ``first`` when the province has no
    database yet (a new steward's first mistake; nothing is created by asking)."""
    from ddss.exit_codes import ExitCode

    if not settings.province_db(province).exists():
        typer.echo(
            f"Chưa có dữ liệu của tỉnh {province}; hãy chạy {first} trước. / "
            f"No data for province {province} yet; run {first} first.",
            err=True,
        )
        raise typer.Exit(int(ExitCode.BAD_INPUT))
