"""Random draws the clean-frame generators share."""

from __future__ import annotations

import numpy as np

__all__ = ["categorical"]


def categorical(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` independent draws of a category index with probabilities proportional to
    ``weights``: the same distribution as ``rng.choice(len(weights), n, p=...)``, drawn as
    multinomial counts in a random order (a shuffle is several times cheaper than
    ``choice``'s binary search per draw)."""
    w = np.asarray(weights, dtype=float)
    out = np.repeat(np.arange(w.size), rng.multinomial(n, w / w.sum()))
    rng.shuffle(out)
    return out
