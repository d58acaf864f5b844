"""The swaps keep their state in Python lists and make exactly the swaps they made before.

``ReferenceSwaps`` (``tests/sampling/swaps_reference.py``) is ``Swaps`` as it was at
ENGINE 2026-12-07.5: every swap ranked all types and checked its candidates with numpy
calls. On random panels, counts and targets over random pools (some people sharing an
address), both run the same phases; their panels, counts and deviations must agree bit
for bit after each phase. A small search budget (``_SCAN``) makes the cut that large
pools meet happen here too.
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.polytope import PanelShape
from quotas.pool import Pool
from sampling import rounding_bits, rounding_ip, rounding_swaps
from sampling.rounding_ip import feasible_panels, round_min_drop
from sampling.rounding_swaps import Swaps
from tests.sampling import swaps_reference
from tests.sampling.swaps_reference import ReferenceSwaps
from tests.sampling.test_lottery_rounding import instance
from tests.sampling.test_rounding_swaps import optimum_and_start

FEATURES = {"gender": ("f", "m"), "age": ("y", "mid", "old"), "region": ("n", "s", "e", "w")}


def tight_shape(seed: int, people: int, size: int) -> PanelShape:
    """Three features, quotas at or one seat around a random panel's, shared addresses."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f: rng.choice(values, size=people) for f, values in FEATURES.items()})
    homes = [f"h{int(h)}" for h in rng.integers(0, max(1, people * 2 // 3), size=people)]
    first = pd.Series(homes).drop_duplicates().index.to_numpy()
    panel = frame.iloc[rng.choice(first, size=min(size, first.size), replace=False)]
    rows = []
    for feature, values in FEATURES.items():
        seats, slack = Counter(panel[feature]), int(rng.integers(0, 2))
        rows += [(feature, v, max(0, seats[v] - slack), seats[v] + slack) for v in values]
    quotas = quota_table(rows)
    ids = [f"v{i:03d}" for i in range(people)]
    return PanelShape.of(Pool.build(ids, frame, quotas, homes), quotas, len(panel))


def random_start(
    shape: PanelShape, seed: int, m: int, width: int
) -> tuple[list, np.ndarray, np.ndarray]:
    """Random panels of the polytope holding m slots, and a target near their chances."""
    rng = np.random.default_rng(seed)
    listed = feasible_panels(shape, 3000)
    assume(listed is not None and len(listed) >= 2)
    assert listed is not None
    chosen = sorted(rng.choice(len(listed), size=min(width, len(listed)), replace=False).tolist())
    support = [listed[j] for j in chosen]
    counts = np.bincount(rng.integers(0, len(support), size=m), minlength=len(support))
    got = np.zeros(shape.n_types)
    for panel, c in zip(support, counts.tolist(), strict=True):
        for t, s in panel:
            got[t] += c * s / shape.counts[t]
    noise = rng.normal(0.0, rng.choice([0.3, 1.0, 3.0]), size=shape.n_types)
    return support, counts, np.clip(got + noise, 0.0, None)


def assert_same(new: Swaps, old: ReferenceSwaps) -> None:
    new_panels, new_counts = new.used()
    old_panels, old_counts = old.used()
    assert new_panels == old_panels
    assert np.array_equal(new_counts, old_counts)
    assert np.array_equal(new.dev, old.dev)  # the same bits
    assert new.largest_drop() == old.largest_drop()
    assert new.shortfall() == old.shortfall()


def run_both(shape: PanelShape, support: list, counts: np.ndarray, target: np.ndarray) -> None:
    """The phases of ``round_min_drop`` on both, compared after each."""
    new, old = Swaps(shape, support, counts, target), ReferenceSwaps(shape, support, counts, target)
    assert_same(new, old)
    for phase in (
        lambda s: s.lower_drops(rounding_ip.QUICK, until=1.0),
        lambda s: s.lower_drops(rounding_ip.POLISH),
        lambda s: s.lower_rises(rounding_ip.RISES),
        lambda s: s.lower_drops(7, until=0.5),
        lambda s: s.lower_rises(3),
    ):
        assert phase(new) == phase(old)
        assert_same(new, old)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(8, 40),
    size=st.integers(2, 7),
    m=st.sampled_from([5, 100, 1000, 10_000]),
    width=st.integers(1, 12),
    scan=st.sampled_from([1, 2, 5, 1024]),
    tight=st.booleans(),
    block=st.sampled_from([1, 2, 16]),
    wide=st.booleans(),
)
def test_the_swaps_are_those_of_the_reference(
    seed: int,
    people: int,
    size: int,
    m: int,
    width: int,
    scan: int,
    tight: bool,
    block: int,
    wide: bool,
) -> None:
    """Small pools: a short first block (``_BLOCK``) sends most searches through the numpy
    blocks of ``Givers``; ``wide`` gives it categories of three 64-bit words, as a pool
    with over 128 categories would."""
    shape = tight_shape(seed, people, size) if tight else instance(seed, people, size, m)[0]
    support, counts, target = random_start(shape, seed, m, width)
    givers = rounding_bits.Givers.__init__

    def widened(self: rounding_bits.Givers, cat_of: np.ndarray, n: int, order: list[int]) -> None:
        givers(self, cat_of, max(n, 130), order)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_swaps, "_SCAN", scan)
        patch.setattr(swaps_reference, "_SCAN", scan)
        patch.setattr(rounding_swaps, "_BLOCK", block)
        patch.setattr(rounding_swaps, "_NEXT", block)  # then blocks of 2, 4, 8 ... givers
        if wide:
            patch.setattr(rounding_bits.Givers, "__init__", widened)
        run_both(shape, support, counts, target)


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(10, 40),
    size=st.integers(3, 8),
    m=st.sampled_from([7, 100, 1000, 10_000]),
)
@example(seed=790, people=31, size=8, m=1000)  # many types short: the slot moves, then swaps
def test_the_rounding_is_that_of_the_reference(seed: int, people: int, size: int, m: int) -> None:
    """The whole ``round_min_drop`` from the optimum, with either class doing the swaps."""
    shape, support, start, target = optimum_and_start(seed, people, size, m)
    per_type = target / m
    found = round_min_drop(support, start, per_type, shape.counts, m, shape=shape)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_ip, "Swaps", ReferenceSwaps)
        before = round_min_drop(support, start, per_type, shape.counts, m, shape=shape)
    assert found.panels == before.panels and found.method == before.method
    assert np.array_equal(found.counts, before.counts)
    assert (found.drop_floor, found.added) == (before.drop_floor, before.added)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), people=st.integers(8, 30), size=st.integers(2, 6))
def test_panels_listed_in_any_order_are_read_alike(seed: int, people: int, size: int) -> None:
    """Types out of order, or listed twice (the last seats count), as the reference reads them."""
    shape = tight_shape(seed, people, size)
    support, counts, target = random_start(shape, seed, 100, 6)
    shuffled = [tuple(reversed(p)) for p in support]
    shuffled[0] = ((support[0][0][0], 0), *support[0])  # a type listed twice: the last holds
    run_both(shape, shuffled, counts, target)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 20), min_size=1, max_size=9),
    words=st.integers(1, 3),
)
def test_the_givers_tables_keep_the_givers_one_feature_at_a_time_keeps(
    seed: int, sizes: list[int], words: int
) -> None:
    """``Givers.fitting`` with the combinations' ``tables`` keeps the givers whose places
    meet the allowed places of each of their categories, anded one feature at a time."""
    rng = np.random.default_rng(seed)
    n, firsts = 60, np.cumsum([0, *sizes])
    category_of = np.stack([rng.integers(a, b, n) for a, b in itertools.pairwise(firsts)], axis=1)
    dense = rng.random((n, words)) < 0.3
    holding = np.where(dense, rng.integers(0, 2**63, (n, words)), 0).astype(np.uint64)
    allowed = rng.integers(0, 2**63, (int(firsts[-1]), words), dtype=np.int64).astype(np.uint64)
    allowed[rng.random(allowed.shape[0]) < 0.2] = 0
    order = rng.permutation(n).tolist()
    givers = rounding_bits.Givers(category_of, int(firsts[-1]), order)
    lo, hi = sorted(rng.integers(0, n + 1, 2).tolist())
    kept = [
        u
        for u in order[lo:hi]
        if np.any(np.bitwise_and.reduce(allowed[category_of[u]], axis=0) & holding[u])
    ]
    tables = givers.tables(allowed)
    assert givers.fitting(lo, hi, 0, holding, tables) == kept
