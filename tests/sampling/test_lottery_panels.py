"""The merge of equal panels (``sampling.lottery_panels.merged_support``) gives what it
gave when it made a tuple for every ``(type, seats)`` pair: equal pairs now share one.

``reference_merge`` is that merge (ENGINE 2026-12-07.8); the merge must give the same
panels (values and Python int types), weights (bits) and pairs' arrays on any panels.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import lottery_panels
from sampling.lottery_panels import Composition, Pairs, merged_support, seated


def reference_merge(
    panels: list[Composition], weights: np.ndarray
) -> tuple[list[Composition], np.ndarray, Pairs]:
    """The merge before: one tuple per pair (the rest of the merge as it is)."""

    def one_each(types: np.ndarray, seats: np.ndarray) -> list[tuple[int, int]]:
        return list(zip(types.tolist(), seats.tolist(), strict=True))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lottery_panels, "_pairs", one_each)
        return lottery_panels.merged_support(panels, weights)


def _panels(draw: st.DrawFn, low: int, high: int, seats: int) -> list[Composition]:
    """Panels of sorted (type, seats) pairs, some seatless, some repeated."""
    pair = st.tuples(st.integers(low, high), st.integers(0, seats))
    panel = st.lists(pair, max_size=8, unique_by=lambda p: p[0]).map(sorted).map(tuple)
    distinct = draw(st.lists(panel, min_size=1, max_size=8))
    picks = draw(st.lists(st.integers(0, len(distinct) - 1), min_size=1, max_size=14))
    return [distinct[i] for i in picks]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Composition], np.ndarray, bool]:
    """Small grids (pairs shared) or far spread types or seats (a tuple per pair)."""
    low, high, seats = draw(
        st.sampled_from([(0, 6, 3), (-5, 40, 12), (0, 10**7, 2), (0, 5, 10**6)])
    )
    panels = _panels(draw, low, high, seats)
    weights = np.array(
        draw(st.lists(st.floats(0.0, 1.0), min_size=len(panels), max_size=len(panels)))
    )
    return panels, weights, draw(st.booleans())


@given(instances())
@settings(max_examples=150, deadline=None)
def test_merge_gives_what_a_tuple_per_pair_gave(case: tuple[list, np.ndarray, bool]) -> None:
    """Panels of Python or NumPy ints; seatless pairs are left out, equal panels merged."""
    panels, weights, numpy_ints = case
    weights[0] += 0.5  # a positive total
    if numpy_ints:
        panels = [tuple((np.int64(t), np.int64(s)) for t, s in p) for p in panels]
    support, summed, (types, seats, lengths) = merged_support(panels, weights)
    expected, summed_before, (types_before, seats_before, lengths_before) = reference_merge(
        panels, weights
    )
    assert support == expected
    assert all(type(v) is int for p in support for pair in p for v in pair)
    assert all(type(pair) is tuple for p in support for pair in p)
    assert summed.tobytes() == summed_before.tobytes()
    assert types.tolist() == types_before.tolist()
    assert seats.tolist() == seats_before.tolist()
    assert lengths.tolist() == lengths_before.tolist()
    assert seated(panels) == [tuple(p for p in panel if p[1] > 0) for panel in panels]
