"""The rounding's local search (``descend``) makes exactly the moves of the full search.

``reference_descend`` is the search as it was in ``sampling.rounding_ip`` before it
updated only the types a move changes (ENGINE 2026-12-07.3): every candidate move
recomputed over all types. The new search must give the same counts on any instance, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import portable, rounding_search
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
                (low * low).sum(axis=0),
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
    depth=st.sampled_from([1, 2, 3, rounding_search._DEPTH]),
)
def test_descend_equals_the_full_search(
    seed: int, n_types: int, n_panels: int, m: int, depth: int
) -> None:
    """Also with a shallow ``_DEPTH``, so that the searches past it run here too."""
    panels, counts, target, type_counts, cap = instance(seed, n_types, n_panels, m)
    expected = reference_descend(panels, counts, target, type_counts, cap)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_search, "_DEPTH", depth)
        got = descend(panels, counts, target, type_counts, cap)
    assert got.tolist() == expected.tolist()
    assert int(got.sum()) == m


def test_descend_moves_on_a_known_case() -> None:
    """Two panels seating one type each: slots go to the type below its target."""
    panels: list[Composition] = [((0, 1),), ((1, 1),)]
    got = descend(panels, np.array([4, 0]), np.array([2.0, 2.0]), np.array([1, 1]), 1e9)
    assert got.tolist() == [2, 2]
