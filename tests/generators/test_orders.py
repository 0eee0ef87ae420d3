"""generators/orders.py: numpy's stable orders, made by cheaper sorts."""

import numpy as np
import pytest

from generators.orders import by_key_then_random, stable_order, stable_sort


@pytest.mark.parametrize("span", [7, 1 << 16, (1 << 16) + 1, 10**9])
def test_stable_order_is_numpys_stable_argsort(span):
    values = np.random.default_rng(span).integers(0, span, 5000)
    assert np.array_equal(stable_order(values, span), np.argsort(values, kind="stable"))


def test_by_key_then_random_is_lexsort_even_with_equal_floats():
    rng = np.random.default_rng(2)
    key = rng.integers(0, 50, 4000)
    random = rng.random(4000)
    assert np.array_equal(by_key_then_random(key, 50, random), np.lexsort((random, key)))
    tied = np.round(random, 2)  # many equal floats: they keep their row order
    assert np.array_equal(by_key_then_random(key, 50, tied), np.lexsort((tied, key)))
    wide = key * 100_000  # keys beyond 16 bits
    assert np.array_equal(by_key_then_random(wide, 5_000_000, random), np.lexsort((random, wide)))


@pytest.mark.parametrize("high", [50, 2**62])  # the second would overflow key * n: argsort then
def test_stable_sort_is_the_stable_argsort_and_the_sorted_keys(high):
    key = np.random.default_rng(1).integers(0, high, 3000, dtype=np.int64)
    order, ordered = stable_sort(key)
    assert np.array_equal(order, np.argsort(key, kind="stable")) and np.array_equal(ordered, np.sort(key))
