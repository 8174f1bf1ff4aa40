"""Map classes keep the order visible at both ends (no quantile class lumping 10 M with 1 M)."""

from __future__ import annotations

import bisect
import random

from hypothesis import given
from hypothesis import strategies as st

from observatory.web.charts import _class_breaks


def _class_of(breaks: list[float], value: float) -> int:
    return bisect.bisect_right(breaks, value)


def test_skewed_stocks_put_the_largest_destinations_above_the_many_small_ones():
    rng = random.Random(7)
    small = [rng.lognormvariate(10, 1.5) for _ in range(200)]  # most countries: thousands to a few million
    values = sorted(small + [52.4e6, 16.8e6, 13.4e6, 10.85e6])
    breaks = _class_breaks(values)
    assert breaks == sorted(breaks) and 3 <= len(breaks) <= 6
    top = _class_of(breaks, 52.4e6)
    assert _class_of(breaks, 10.85e6) > _class_of(breaks, 1e6) and top >= _class_of(breaks, 10.85e6)
    assert sum(_class_of(breaks, v) == top for v in values) <= 5


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=6, max_size=300))
def test_breaks_are_ordered_and_within_the_range(values):
    values = sorted(values)
    breaks = _class_breaks(values)
    assert breaks == sorted(set(breaks)) and len(breaks) <= 6
    assert all(values[0] < b <= values[-1] for b in breaks)
