"""The rounding's swaps and its whole integer program (``sampling.rounding_swaps``,
``sampling.rounding_ip``).

Each swap keeps every panel in the polytope, keeps the deviations it tracks equal to the
lottery's, and lowers the drops lexicographically (largest first) or the largest rise
without any new drop. The listing of every feasible panel agrees with brute force, and
where targets above the optimum leave a drop above one slot, the floor the integer
program proves lies under every lottery of m panels, listed by brute force.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from quotas.polytope import PanelShape
from sampling import portable, rounding_index, select_panel
from sampling.rounding import round_counts
from sampling.rounding_ip import feasible_panels, round_min_drop
from sampling.rounding_swaps import Swaps
from tests.sampling.test_lottery_rounding import every_panel, instance


def optimum_and_start(
    seed: int, people: int, size: int, m: int
) -> tuple[PanelShape, list, np.ndarray, np.ndarray]:
    """The polytope, the optimum's support, the iterative rounding's counts, the target."""
    shape, request = instance(seed, people, size, m)
    dist = select_panel(request).distribution
    merged: dict = {}
    for panel, weight in zip(dist.panels, dist.weights, strict=True):
        key = tuple((int(t), int(s)) for t, s in panel if s > 0)
        merged[key] = merged.get(key, 0.0) + float(weight)
    support = sorted(merged)
    weights = np.array([merged[p] for p in support])
    weights /= weights.sum()
    share = np.zeros((shape.n_types, len(support)))
    for j, panel in enumerate(support):
        for t, s in panel:
            share[t, j] = s / shape.counts[t]
    start = round_counts(share, weights, m, size)
    return shape, support, start, portable.matvec(share, weights * m)


def deviation(swaps: Swaps, target: np.ndarray) -> np.ndarray:
    got = np.zeros(target.size)
    panels, counts = swaps.used()
    for panel, c in zip(panels, counts.tolist(), strict=True):
        for t, s in panel:
            got[t] += c * s / swaps.heads[t]
    return got - target


def check_panels(swaps: Swaps, shape: PanelShape, m: int) -> None:
    panels, counts = swaps.used()
    assert int(counts.sum()) == m and counts.min() > 0
    for panel in panels:
        seats = np.zeros(shape.n_types, dtype=np.int64)
        for t, s in panel:
            seats[t] = s
        assert shape.holds(seats), panel


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(10, 40),
    size=st.integers(3, 8),
    m=st.sampled_from([7, 100, 1000, 10_000]),
)
@example(seed=303, people=39, size=4, m=10_000)
def test_each_swap_keeps_the_panels_and_improves_in_order(
    seed: int, people: int, size: int, m: int
) -> None:
    shape, support, start, target = optimum_and_start(seed, people, size, m)
    swaps = Swaps(shape, support, start, target)
    drops = np.sort(np.clip(-swaps.dev, 0.0, None))[::-1]
    need, made = swaps.shortfall(), 0
    while swaps.largest_drop() > 1 + 1e-9 and swaps.lower_drops(1, until=1.0):
        made += 1
    if swaps.largest_drop() <= 1 + 1e-9:
        assert made >= need, "the shortfall is a lower bound on the swaps needed"
    swaps = Swaps(shape, support, start, target)
    while swaps.lower_drops(1):
        check_panels(swaps, shape, m)
        np.testing.assert_allclose(swaps.dev, deviation(swaps, target), atol=1e-9)
        now = np.sort(np.clip(-swaps.dev, 0.0, None))[::-1]
        # A swap lowers the worst drop it changes by more than _EPS = 1e-12 slots before
        # round-off (seed 303: by 8e-13 after it); the drops it leaves alone keep their bits.
        first = np.flatnonzero(now != drops)
        assert first.size and now[first[0]] < drops[first[0]], "drops fall lexicographically"
        drops = now
    rise = float(swaps.dev.max())
    low = np.clip(-swaps.dev, 0.0, None)
    while swaps.lower_rises(1):
        check_panels(swaps, shape, m)
        assert float(swaps.dev.max()) <= rise + 1e-12
        assert np.all(np.clip(-swaps.dev, 0.0, None) <= low + 1e-12), "no drop grows"
        rise, low = float(swaps.dev.max()), np.clip(-swaps.dev, 0.0, None)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), people=st.integers(5, 14), size=st.integers(2, 4))
def test_the_listing_of_every_panel_agrees_with_brute_force(
    seed: int, people: int, size: int
) -> None:
    shape, _ = instance(seed, people, size, 10)
    listed = feasible_panels(shape, 10_000)
    assert listed is not None
    brute = {tuple((int(t), int(s)) for t, s in enumerate(p) if s) for p in every_panel(shape)}
    assert sorted(listed) == sorted(brute) and len(listed) == len(brute)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(6, 12),
    m=st.sampled_from([2, 3]),
    boost=st.floats(0.2, 1.5),
)
def test_the_proven_floor_lies_under_every_lottery(
    seed: int, people: int, m: int, boost: float
) -> None:
    """Targets above the optimum (scaled up, at most 1) leave drops the swaps cannot end."""
    shape, _ = instance(seed, people, 3, m)
    panels = every_panel(shape)
    assume(len(panels) <= 30)
    per_type = np.minimum(3 / shape.counts.sum() * (1 + boost), 1.0) * np.ones(shape.n_types)
    target = per_type * m
    share = np.stack(panels) / shape.counts
    best = min(
        float(np.max(target - share[list(lottery)].sum(axis=0)))
        for lottery in itertools.combinations_with_replacement(range(len(panels)), m)
    )
    support = [tuple((int(t), int(s)) for t, s in enumerate(panels[0]) if s)]
    found = round_min_drop(support, np.array([m]), per_type, shape.counts, m, shape=shape)
    got = np.zeros(shape.n_types)
    for panel, c in zip(found.panels, found.counts.tolist(), strict=True):
        for t, s in panel:
            got[t] += c * s / shape.counts[t]
    drop = float(np.max(target - got))
    assert drop >= best - 1e-9
    assert found.drop_floor * m <= best + 1e-6
    if drop > 1 + 1e-9:
        assert found.method == "integer_program"
    if best > 1 + 1e-5:
        assert found.drop_floor * m > 1, "the impossibility is proven"


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(10, 40),
    size=st.integers(3, 8),
    m=st.sampled_from([100, 1000, 10_000]),
    shift=st.integers(1, 50),
)
def test_a_swaps_like_a_used_one_is_a_fresh_one(
    seed: int, people: int, size: int, m: int, shift: int
) -> None:
    """Taking the records of a Swaps that has swapped (and added panels) gives the same
    swaps, bit for bit, as reading the panels again."""
    shape, support, start, target = optimum_and_start(seed, people, size, m)
    first = Swaps(shape, support, start, target)
    assume(first.lower_drops(20) > 0)
    assume(len(first._keys) > len(support))  # it added panels, which the copy leaves out
    again = np.roll(start, shift % len(support))  # other counts of the same panels
    fresh, like = (
        Swaps(shape, support, again, target),
        Swaps(shape, support, again, target, like=first),
    )
    for swaps in (fresh, like):
        swaps.lower_drops(50)
        swaps.lower_rises(50)
    assert like.dev.tobytes() == fresh.dev.tobytes()
    assert like.used()[0] == fresh.used()[0]
    assert like.used()[1].tolist() == fresh.used()[1].tolist()
    assert first.used()[1].sum() == m, "the first keeps its own panels"


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(10, 40),
    size=st.integers(3, 8),
    m=st.sampled_from([100, 1000, 10_000]),
)
def test_each_panels_digest_is_the_sum_of_its_pairs(
    seed: int, people: int, size: int, m: int
) -> None:
    """The digests read with numpy and those of the panels the swaps made (from their
    parent's) are the sums of ``mix`` of their pairs, modulo 2**64."""
    shape, support, start, target = optimum_and_start(seed, people, size, m)
    swaps = Swaps(shape, support, start, target)
    swaps.lower_drops(50)
    swaps.lower_rises(50)
    sums = [sum(itertools.starmap(rounding_index.mix, key)) % 2**64 for key in swaps._keys]
    assert swaps.index.digests == sums


@settings(max_examples=40, deadline=None)
@given(
    panels=st.lists(
        st.dictionaries(st.integers(0, 30), st.integers(1, 3), max_size=5), max_size=14
    ),
    clash=st.booleans(),
)
def test_the_index_numbers_the_panels_as_a_dict_of_their_keys(
    panels: list[dict[int, int]], clash: bool
) -> None:
    """``Index.setdefault`` gives the numbers ``dict.setdefault`` gives (a key listed twice
    at the start: its last number); with one digest for all (``clash``), through its
    clashes."""
    keys = [tuple(sorted(panel.items())) for panel in panels]
    start, later = keys[: len(keys) // 2], keys[len(keys) // 2 :]

    def digest(key: tuple[tuple[int, int], ...]) -> int:
        return 0 if clash else sum(itertools.starmap(rounding_index.mix, key)) % 2**64

    listed = list(start)
    index = rounding_index.Index(listed, [digest(key) for key in start])
    plain = {key: k for k, key in enumerate(start)}
    for key in later:
        k = index.setdefault(digest(key), key)
        assert k == plain.setdefault(key, len(listed))
        if k == len(listed):
            listed.append(key)
    assert index.digests == [digest(key) for key in listed]
