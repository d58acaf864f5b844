"""The rounding's local search (``descend``) makes exactly the moves of the full search.

``reference_descend`` is the search as it was in ``sampling.rounding_ip`` before it
updated only the types a move changes (ENGINE 2026-12-07.3): every candidate move
recomputed over all types. The new search must give the same counts on any instance, bit for bit.

The third key, the sum of squared drops, is each type's square added one after another in
type order (``sampling.rounding_squares``). The reference adds them so explicitly: summed
by ``sum(axis=0)``, NumPy's order would follow the array's layout (pairwise down a column
stored column by column, as ``share[:, sinks]`` is), and two moves whose sums differ only
in that order's last bits would tie one way in the reference and the other in the search.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sampling import portable, rounding_extremes, rounding_search
from sampling.lottery_panels import seat_shares
from sampling.rounding_search import _SOURCES, MOVES, Composition, descend


def reference_descend(
    panels: list[Composition],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
    cap: float,
    moves: int = MOVES,
) -> np.ndarray:
    """The search before: each candidate's key over all types."""
    share = np.zeros((target.size, len(panels)))
    for j, panel in enumerate(panels):
        for t, s in panel:
            share[t, j] = s / type_counts[t]
    counts = counts.copy()
    dev = portable.matvec(share, counts) - target

    def key(d: np.ndarray) -> tuple[float, float, float]:
        low = np.clip(-d, 0.0, None)
        return (
            round(float(low.max(initial=0.0)), 9),
            round(float(d.max(initial=0.0)), 9),
            portable.dot(low, low),
        )

    best = key(dev)
    order = np.arange(len(panels))
    for _ in range(moves):
        worst = int(np.argmin(dev))
        held = order[counts > 0]
        sources = held[np.lexsort((held, share[worst, held]))][:_SOURCES]
        sinks = order[np.lexsort((order, -share[worst]))][:_SOURCES]
        found = None
        for a in sources.tolist():
            moved = dev[:, None] + share[:, sinks] - share[:, [a]]
            low = np.clip(-moved, 0.0, None)
            keys = (
                np.round(low.max(axis=0), 9),
                np.round(moved.max(axis=0), 9),
                _in_type_order(low * low),
            )
            allowed = (np.abs(moved).max(axis=0) <= cap + 1e-9) & (sinks != a)
            for b in np.lexsort((sinks, keys[2], keys[1], keys[0])).tolist():
                if not allowed[b]:
                    continue
                k = (float(keys[0][b]), float(keys[1][b]), float(keys[2][b]))
                if k < best:
                    best, found = k, (a, int(sinks[b]), moved[:, b].copy())
                break
        if found is None:
            break
        a, b, dev = found
        counts[a] -= 1
        counts[b] += 1
    return counts


def _in_type_order(squares: np.ndarray) -> np.ndarray:
    """Each column's sum, its entries added one after another from the first type."""
    total = np.zeros(squares.shape[1])
    for row in squares:
        total += row
    return total


def instance(
    seed: int, n_types: int, n_panels: int, m: int
) -> tuple[list[Composition], np.ndarray, np.ndarray, np.ndarray, float]:
    """Random panels over a few types, a start of m slots and targets near it."""
    rng = np.random.default_rng(seed)
    type_counts = rng.integers(3, 9, size=n_types)
    panels: list[Composition] = []
    for _ in range(n_panels):
        chosen = np.flatnonzero(rng.random(n_types) < rng.uniform(0.2, 0.9))
        if chosen.size == 0:
            chosen = rng.integers(0, n_types, size=1)
        panels.append(tuple((int(t), int(rng.integers(1, 4))) for t in chosen))
    panels = list(dict.fromkeys(panels))
    counts = rng.multinomial(m, rng.dirichlet(np.ones(len(panels)))).astype(np.int64)
    weights = rng.dirichlet(np.full(len(panels), 0.5))
    share = np.zeros((n_types, len(panels)))
    for j, panel in enumerate(panels):
        for t, s in panel:
            share[t, j] = s / type_counts[t]
    target = portable.matvec(share, weights) * m
    cap = float(rng.choice([0.5, 1.5, 3.0, 1e9]))
    return panels, counts, target, type_counts, cap


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_types=st.integers(1, 14),
    n_panels=st.integers(1, 55),
    m=st.sampled_from([1, 7, 40, 300]),
    depth=st.sampled_from([1, 2, 3, rounding_extremes._DEPTH]),
    further=st.sampled_from([2, 4, rounding_extremes._FURTHER]),
)
def test_descend_equals_the_full_search(
    seed: int, n_types: int, n_panels: int, m: int, depth: int, further: int
) -> None:
    """Also with a shallow ``_DEPTH`` and ``_FURTHER``, so that the searches past them
    run here too."""
    panels, counts, target, type_counts, cap = instance(seed, n_types, n_panels, m)
    expected = reference_descend(panels, counts, target, type_counts, cap)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_extremes, "_DEPTH", depth)
        patch.setattr(rounding_extremes, "_FURTHER", further)
        got = descend(panels, counts, target, type_counts, cap)
    assert got.tolist() == expected.tolist()
    assert int(got.sum()) == m


def test_descend_moves_on_a_known_case() -> None:
    """Two panels seating one type each: slots go to the type below its target."""
    panels: list[Composition] = [((0, 1),), ((1, 1),)]
    got = descend(panels, np.array([4, 0]), np.array([2.0, 2.0]), np.array([1, 1]), 1e9)
    assert got.tolist() == [2, 2]


def with_twins(
    seed: int, n_types: int, n_panels: int, m: int
) -> tuple[list[Composition], np.ndarray, np.ndarray, np.ndarray, float]:
    """``instance`` with each type split into 1-3 types of the same head count seated
    alike in every panel (the same shares), their targets apart by up to three slots."""
    panels, counts, target, type_counts, cap = instance(seed, n_types, n_panels, m)
    rng = np.random.default_rng(seed + 1)
    copies = rng.integers(1, 4, size=type_counts.size)
    first = np.concatenate([[0], np.cumsum(copies)[:-1]])
    twins: list[Composition] = [
        tuple((int(first[t]) + c, s) for t, s in panel for c in range(copies[t]))
        for panel in panels
    ]
    spread = rng.choice([0.0, 1.0, 3.0]) * rng.random(int(copies.sum()))
    return twins, counts, np.repeat(target, copies) + spread, np.repeat(type_counts, copies), cap


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_types=st.integers(1, 10),
    n_panels=st.integers(1, 40),
    m=st.sampled_from([1, 7, 40, 300]),
    depth=st.sampled_from([1, 2, rounding_extremes._DEPTH]),
)
# Two moves tie on every key once their squares are added in type order (pairwise,
# the second's sum is 14e-15 lower): found by a fuzz of 500 instances.
@example(seed=2516101414, n_types=39, n_panels=43, m=2000, depth=rounding_extremes._DEPTH)
def test_types_seated_alike_move_as_one(
    seed: int, n_types: int, n_panels: int, m: int, depth: int
) -> None:
    """Types with the same shares everywhere: the search looks at one per end of each
    set (``_representatives``) and must still make the full search's moves."""
    panels, counts, target, type_counts, cap = with_twins(seed, n_types, n_panels, m)
    expected = reference_descend(panels, counts, target, type_counts, cap)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_extremes, "_DEPTH", depth)
        got = descend(panels, counts, target, type_counts, cap)
    assert got.tolist() == expected.tolist()


def test_representatives_hold_both_ends_of_each_set() -> None:
    """Three types seated alike (one set) and one apart: the set's lowest and highest."""
    share = np.array([[0.5, 0.0], [0.5, 0.0], [0.5, 0.0], [0.0, 1.0]])
    dev = np.array([0.3, -0.2, 0.1, 0.0])
    assert rounding_search._representatives(share, dev).tolist() == [0, 1, 3]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_types=st.integers(2, 10), n_panels=st.integers(1, 30))
def test_panels_listed_out_of_order_are_read_alike(seed: int, n_types: int, n_panels: int) -> None:
    """Types out of order, or listed twice (the last seats count), as the full search reads them."""
    panels, counts, target, type_counts, cap = instance(seed, n_types, n_panels, 40)
    shuffled = [tuple(reversed(p)) for p in panels]
    t, s = panels[0][0]
    shuffled[0] = ((t, s + 1), *shuffled[0])  # listed twice: the last seats hold
    expected = reference_descend(shuffled, counts, target, type_counts, cap)
    assert descend(shuffled, counts, target, type_counts, cap).tolist() == expected.tolist()


@pytest.mark.parametrize("depth", [1, rounding_extremes._DEPTH])
def test_a_panel_seating_no_type_moves_as_in_the_full_search(depth: int) -> None:
    """A panel with no types (no rows to rank) as source or sink, wide and tight caps."""
    panels: list[Composition] = [(), ((0, 1), (1, 1)), ((1, 2),)]
    counts, target, type_counts = np.array([3, 0, 1]), np.array([1.0, 2.0]), np.array([1, 3])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_extremes, "_DEPTH", depth)
        for cap in (0.5, 1e9):
            expected = reference_descend(panels, counts, target, type_counts, cap)
            got = descend(panels, counts, target, type_counts, cap)
            assert got.tolist() == expected.tolist()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_types=st.integers(1, 12),
    n_panels=st.integers(1, 40),
    m=st.sampled_from([1, 7, 40, 300]),
    twins=st.booleans(),
    twice=st.booleans(),
)
def test_a_given_share_matrix_moves_alike(
    seed: int, n_types: int, n_panels: int, m: int, twins: bool, twice: bool
) -> None:
    """The caller's shares (C-ordered, as ``sampling.lottery`` builds them) instead of
    the search's own (Fortran-ordered): the full search's moves."""
    maker = with_twins if twins else instance
    panels, counts, target, type_counts, cap = maker(seed, n_types, n_panels, m)
    if twice:
        t, s = panels[0][0]
        panels[0] = ((t, s + 1), *reversed(panels[0]))
    type_of = np.repeat(np.arange(type_counts.size), type_counts)
    share = seat_shares(panels, type_of)  # as ``sampling.lottery`` builds and passes them
    assert share.shape == (type_counts.size, len(panels))
    expected = reference_descend(panels, counts, target, type_counts, cap)
    got = descend(panels, counts, target, type_counts, cap, share=share)
    assert got.tolist() == expected.tolist()
    with pytest.raises(ValueError):
        descend(panels, counts, target, type_counts, cap, share=share[:, :0])


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_types=st.integers(1, 12),
    n_panels=st.integers(1, 30),
    twins=st.booleans(),
    given_share=st.booleans(),
)
def test_the_representatives_shares_are_the_rows_of_the_shares(
    seed: int, n_types: int, n_panels: int, twins: bool, given_share: bool
) -> None:
    """The search's own shares per panel and its matrix over the representatives, written
    entry by entry, are ``share[types, panel]`` and ``share[reps]``, in either layout."""
    panels, counts, target, type_counts, _ = (with_twins if twins else instance)(
        seed, n_types, n_panels, 40
    )
    type_of = np.repeat(np.arange(type_counts.size), type_counts)
    given = seat_shares(panels, type_of) if given_share else None
    share, seated, listed = rounding_search._shares(panels, type_counts, target.size, given)
    dev = portable.matvec(share, counts) - target
    reps = rounding_search._representatives(share, dev, listed)
    where = np.full(target.size, -1)
    where[reps] = np.arange(reps.size)
    kept = [where[s][where[s] >= 0] for s in seated]
    own = rounding_search._own(share, [reps[k] for k in kept])
    for j, (k, values) in enumerate(zip(kept, own, strict=True)):
        assert values.tolist() == share[reps[k], j].tolist()
    few = rounding_search._scattered(kept, own, reps.size)
    assert few.flags.f_contiguous
    assert np.array_equal(few, share[reps])
