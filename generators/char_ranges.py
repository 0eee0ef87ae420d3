"""Runs of consecutive code points, for building regex character classes from Unicode
properties (the writers' combining characters, the defects' decomposable characters)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["code_ranges"]


def code_ranges(codes: Iterable[int]) -> list[tuple[int, int]]:
    """Ascending code points as (first, last) runs: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    ranges: list[tuple[int, int]] = []
    for c in codes:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return ranges
