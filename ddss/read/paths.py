"""A file path as DuckDB's readers must get it: a literal name, never a pattern.

``read_csv`` and ``read_parquet`` expand ``*``, ``?`` and ``[…]`` in the path they are
given, so ``population[1].csv`` would read ``population1.csv``. Each such character is
escaped as a one-character bracket class (``[[]``, ``[*]``, ``[?]``), which matches only
itself.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["literal_path"]


def literal_path(path: Path | str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in str(path))
