"""Families.descent: children after their parents, so a value is handed down in one pass
per generation (ethnic._hand_down) with the result of passing it until nothing changes."""

import numpy as np

from generators import ethnic, families


def _block(n=20_000, seed=3):
    rng = np.random.default_rng(seed)
    as_of = 20_000
    dob = as_of - (rng.random(n) * 100 * 365.25).astype(np.int64)
    male = rng.random(n) < 0.5
    dod = np.where(rng.random(n) < 0.05, as_of - 10, as_of + 10**6)
    return families.build(rng, dob, male, dod, as_of), n


def test_every_child_comes_after_its_parents():
    fam, n = _block()
    at = np.full(n, -1)
    at[fam.descent] = np.arange(fam.descent.size)
    generation = np.searchsorted(np.asarray(fam.generations), np.arange(fam.descent.size), side="right")
    assert np.array_equal(fam.descent_mother, fam.mother[fam.descent])
    assert np.array_equal(fam.descent_father, fam.father[fam.descent])
    assert np.unique(fam.descent).size == fam.descent.size  # each child once
    for parent in (fam.descent_mother, fam.descent_father):
        inside = (parent >= 0) & (at[np.maximum(parent, 0)] >= 0)  # the parent has parents too
        assert (generation[at[parent[inside]]] < generation[inside]).all()
    assert fam.generations[-1] == fam.descent.size == ((fam.mother >= 0) | (fam.father >= 0)).sum() > 1000
    assert len(fam.generations) > 2


def test_hand_down_in_generations_is_the_fixpoint():
    fam, n = _block()
    rng = np.random.default_rng(1)
    src = np.where(rng.random(fam.descent.size) < 0.5, fam.descent_mother, fam.descent_father)
    fixed = rng.random(n) < 0.1
    values = rng.integers(0, 1000, n)
    full_src = np.full(n, -1)
    full_src[fam.descent] = src
    expected = values.copy()
    has = np.flatnonzero((full_src >= 0) & ~fixed)
    while not np.array_equal(expected[full_src[has]], expected[has]):
        expected[has] = expected[full_src[has]]
    assert np.array_equal(ethnic._hand_down(values.copy(), src, fam, fixed), expected)
