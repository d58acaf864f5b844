"""The slot-move search's squared drops (``sampling.rounding_squares``): the sum it picks
and compares is the exact one, summed type after type as the full search summed it.

Estimates must lie within their slack of the exact sums (so that a comparison decided by
the bounds is the exact comparison), and the sink picked must be the exact minimum, ties
to the lowest sink number, also when many moves leave the same sum.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.rounding_squares import Squares, SquaresNow, exact_squares


def case(seed: int, n_types: int, n_panels: int) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Shares, the types each panel seats, deviations (some from a few values: ties)."""
    rng = np.random.default_rng(seed)
    heads = rng.integers(1, 5, size=n_types)
    seats = rng.integers(0, 3, size=(n_types, n_panels)) * (rng.random((n_types, n_panels)) < 0.3)
    share = np.asfortranarray(np.minimum(seats, heads[:, None]) / heads[:, None])
    seated = [np.flatnonzero(share[:, j]) for j in range(n_panels)]
    dev = rng.normal(0.0, 1.0, size=n_types) * rng.choice([1e-3, 1.0, 1e3])
    few = rng.random(n_types) < 0.5
    dev[few] = rng.choice([-1.0, -0.5, 0.0, 0.25], size=int(few.sum()))
    return share, seated, dev


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_types=st.integers(1, 3000),
    n_panels=st.integers(2, 12),
    width=st.integers(1, 6),
)
def test_the_pick_and_its_sum_are_exact(seed: int, n_types: int, n_panels: int, width: int) -> None:
    share, seated, dev = case(seed, n_types, n_panels)
    rng = np.random.default_rng(seed + 1)
    a = int(rng.integers(0, n_panels))
    sinks = rng.permutation(n_panels)[:width]
    sinks = sinks[sinks != a] if sinks.size > 1 else sinks
    exact = exact_squares(share, seated, dev, sinks, a)
    now = SquaresNow(share, seated, seated, dev)
    b, found = now.smallest(a, sinks)
    assert (found.value(), b) == min(zip(exact, sinks.tolist(), strict=True))
    assert abs(found.estimate - found.value()) <= found.slack
    for c, value in enumerate(exact):  # every estimate within its slack
        one = now.smallest(a, sinks[c : c + 1])[1]
        assert abs(one.estimate - value) <= one.slack
        assert one.below(found) == (value < found.value())
        assert found.below(one) == (found.value() < value)


def test_a_known_sum_compares_exactly() -> None:
    assert Squares.known(1.0).below(Squares.known(1.0 + 2**-52))
    assert not Squares.known(1.0).below(Squares.known(1.0))
    near = Squares(0.75, 1e-6, lambda: 0.75 - 1e-9)  # overlapping bounds: the exact sums
    assert near.below(Squares.known(0.75)) and not Squares.known(0.75).below(near)
