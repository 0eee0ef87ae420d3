"""Orders of integer keys, as numpy's stable argsort gives them, by cheaper sorts.

numpy sorts plain numbers with a vectorised (SIMD) quicksort, which is not stable; its
stable argsort is a radix sort for 16-bit integers and a merge sort for anything wider,
several times slower. The generators only need stability to keep their draws in the
same order, so these give exactly the stable order by the fast sorts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["by_key_then_random", "stable_order", "stable_sort"]


def stable_order(values: np.ndarray, span: int) -> np.ndarray:
    """np.argsort(values, kind="stable") for integers in [0, span)."""
    if span <= 1 << 16:
        return np.argsort(values.astype(np.uint16), kind="stable")  # radix (linear)
    return np.argsort(values, kind="stable")


def by_key_then_random(key: np.ndarray, span: int, random: np.ndarray) -> np.ndarray:
    """np.lexsort((random, key)) for integer keys in [0, span) and floats: the floats
    sorted unstably (the stable order if no two are equal, checked), then the keys stably."""
    order = np.argsort(random)
    drawn = random[order]
    if (drawn[1:] == drawn[:-1]).any():  # equal floats keep their row order, as in lexsort
        order = np.argsort(random, kind="stable")
    return order[stable_order(key[order], span)]


def stable_sort(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(np.argsort(key, kind="stable"), key in that order): each key made unique by its
    row number (key * n + row) and the values sorted (numpy's fast unstable sort, the
    same order as a stable argsort of ``key``); a stable argsort where that could overflow."""
    n = key.size
    if n and 0 <= int(key.min()) and int(key.max()) < np.iinfo(np.int64).max // n - 1:
        composite = np.sort(key * n + np.arange(n))
        return composite % n, composite // n
    order = np.argsort(key, kind="stable")
    return order, key[order]
