"""The one helper that puts names and literals into SQL text.

User data travels as bound parameters. Where SQL text must carry a name (a table,
a column) or a constant we chose (a reference date), it goes through here.
"""

from __future__ import annotations

from datetime import date

__all__ = ["ident", "date_literal", "str_literal"]


def ident(name: str) -> str:
    """Quote an identifier for DuckDB (double quotes, embedded quotes doubled)."""
    if not name or "\x00" in name:
        raise ValueError(f"invalid SQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def date_literal(d: date) -> str:
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return f"DATE '{d.isoformat()}'"


def str_literal(s: str) -> str:
    """A constant of ours (a code list entry), never a value read from a batch file."""
    if "\x00" in s:
        raise ValueError("NUL in SQL literal")
    return "'" + s.replace("'", "''") + "'"
