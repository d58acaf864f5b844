"""The iterative rounding's local search (``sampling.rounding._improve``) makes the moves
it made when it ranked each source's moves in a separate (watched types x panels) array.

``reference_improve`` is that search (ENGINE 2026-12-07.6). The search now ranks all
sources in one (watched types x sources x panels) array and must give the same counts
on any instance, bit for bit.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import portable, rounding
from sampling.rounding import _CHECKS, _SOURCES, _WATCH


def reference_improve(
    share: np.ndarray, counts: np.ndarray, target: np.ndarray, m: int, moves: int = 500
) -> np.ndarray:
    """The search before: one source at a time."""
    counts = counts.copy()
    dev = portable.matvec(share, counts - target) / m
    for _ in range(moves):
        size = np.abs(dev)
        peak, spread = float(size.max(initial=0.0)), portable.dot(dev, dev)
        watch = np.lexsort((np.arange(size.size), -size))[:_WATCH]
        sign = 1.0 if dev[watch[0]] > 0 else -1.0
        held = np.flatnonzero(counts > 0)
        held = held[np.lexsort((held, -sign * share[watch[0], held]))][:_SOURCES]
        ranked: list[tuple[float, float, int, int]] = []
        for a in held.tolist():
            after = dev[watch, None] + (share[watch] - share[watch][:, [a]]) / m
            high = np.abs(after).max(axis=0)
            high[a] = np.inf
            squares = (after * after).sum(axis=0)
            for b in np.lexsort((squares, high))[:2].tolist():
                ranked.append((float(high[b]), float(squares[b]), a, b))
        for _, _, a, b in sorted(ranked)[:_CHECKS]:
            moved = dev + (share[:, b] - share[:, a]) / m
            new_peak = float(np.abs(moved).max())
            if new_peak < peak - 1e-12 or (
                new_peak <= peak and portable.dot(moved, moved) < spread - 1e-15
            ):
                counts[a] -= 1
                counts[b] += 1
                dev = moved
                break
        else:
            break
    return counts


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_types=st.integers(1, 90),
    n_panels=st.integers(1, 30),
    m=st.sampled_from([1, 7, 100, 1000, 100_000]),
)
def test_improve_makes_the_moves_of_one_source_at_a_time(
    seed: int, n_types: int, n_panels: int, m: int
) -> None:
    """Random shares (some types seated alike, ties), counts of m slots, panel targets."""
    rng = np.random.default_rng(seed)
    heads = rng.integers(1, 6, size=n_types)
    seats = rng.integers(0, 3, size=(n_types, n_panels)) * (rng.random((n_types, 1)) < 0.8)
    seats = np.minimum(seats, heads[:, None])
    share = seats / heads[:, None]
    weights = rng.dirichlet(np.full(n_panels, 0.7))
    counts = rng.multinomial(m, rng.dirichlet(np.ones(n_panels))).astype(np.int64)
    target = weights * m  # per panel, as ``round_counts`` passes it
    expected = reference_improve(share, counts, target, m)
    got = rounding._improve(share, counts, target, m)
    assert got.tolist() == expected.tolist()
    assert int(got.sum()) == m


@given(
    st.integers(1, 300),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 1.0),
)
@settings(max_examples=80, deadline=None)
def test_row_sums_have_the_bits_of_the_whole_matrix(
    n_types: int, n_panels: int, seed: int, density: float
) -> None:
    """The rounding reads only the protected types' shares of the floating panels; each
    type's sum has the bits ``share[:, floating].sum(axis=1)`` gave over every type."""
    rng = np.random.default_rng(seed)
    share = rng.random((n_types, n_panels)) * (rng.random((n_types, n_panels)) < density)
    floating = np.flatnonzero(rng.random(n_panels) < 0.7)
    kept = np.flatnonzero(rng.random(n_types) < 0.5)
    whole = share[:, floating].sum(axis=1)
    assert np.array_equal(rounding._row_sums(share, kept, floating), whole[kept])


@given(
    st.integers(2, 3 * rounding._BLOCK + 3),
    st.integers(1, 12),
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 1.0),
)
@settings(max_examples=60, deadline=None)
def test_first_row_sums_by_blocks_have_the_bits_of_the_whole_matrix(
    n_types: int, n_panels: int, seed: int, density: float
) -> None:
    """Most types kept (the first LP): summed a block of rows at a time (blocks of one
    row would be summed pairwise), each type's sum has the bits of the whole matrix's."""
    rng = np.random.default_rng(seed)
    share = rng.random((n_types, n_panels)) * (rng.random((n_types, n_panels)) < density)
    floating = np.flatnonzero(rng.random(n_panels) < 0.8)
    kept = np.flatnonzero(rng.random(n_types) < 0.9)
    whole = share[:, floating].sum(axis=1)
    assert np.array_equal(rounding._block_sums(share, floating), whole)
    if 2 * kept.size > n_types:
        assert np.array_equal(rounding._row_sums(share, kept, floating), whole[kept])


@given(
    st.integers(0, 3 * rounding._BLOCK + 3),
    st.integers(1, 200),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_deviations_by_blocks_have_the_bits_of_the_whole_product(
    n_types: int, n_panels: int, seed: int, fortran: bool
) -> None:
    """The local search's first deviations, a block of rows at a time, have the bits of
    ``portable.matvec`` on the whole matrix (C-ordered, as the rounding builds it, or not)."""
    rng = np.random.default_rng(seed)
    share = rng.random((n_types, n_panels)) * (rng.random((n_types, n_panels)) < 0.3)
    if fortran:
        share = np.asfortranarray(share)
    x = rng.normal(size=n_panels) * 10.0 ** rng.integers(-3, 4, size=n_panels)
    got = rounding._deviations(share, x)
    assert got.tobytes() == portable.matvec(share, x).tobytes()
