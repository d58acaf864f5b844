"""The support's pairs, read once by ``merged_support``, handed down: the same rounding.

``round_to_lottery`` reads the distribution's panels into (types, seats, lengths) arrays
once and gives them to every step after it (the local search, the swaps' records, the
final guard's reading of the new panels, the lottery's per-type seats). Each step, given
the arrays, must give what it gave reading the panels itself, bit for bit; the counted
seats must be those of the chosen panels, read pair by pair.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.polytope import PanelShape
from sampling import lottery, rounding_ip, rounding_records
from sampling.distribution import Distribution, RunFigures
from sampling.lottery_panels import merged_support, read_pairs, seat_shares
from sampling.rounding import round_counts
from sampling.rounding_ip import feasible_panels, round_min_drop
from sampling.rounding_search import descend
from tests.sampling.conftest import Instance, instances

Support = tuple[PanelShape, list, np.ndarray, tuple, np.ndarray, np.ndarray]


def random_support(inst: Instance, seed: int, m: int) -> Support:
    """The polytope, a merged random support of its panels, its weights and pairs, the
    iterative rounding's counts and a target near the support's chances."""
    shape = PanelShape.of(inst.pool, inst.quotas, inst.size)
    listed = feasible_panels(shape, 2000)
    assume(listed is not None and len(listed) >= 1)
    assert listed is not None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(listed), size=int(rng.integers(1, 9)))
    weights = rng.random(picks.size) + 0.05
    support, summed, read = merged_support([listed[j] for j in picks.tolist()], weights)
    share = seat_shares(support, inst.pool.type_of, read)
    start = round_counts(share, summed, m, inst.size)
    noise = rng.normal(0.0, rng.choice([0.01, 0.05]), size=shape.n_types)
    per_type = np.clip(share @ summed + noise, 0.0, 1.0)
    return shape, support, summed, read, start, per_type


def assert_seats_read(found: rounding_ip.RoundingOutcome, n_types: int) -> None:
    """The outcome's seats are each type's seats over its panels, read pair by pair."""
    got = np.zeros(n_types)
    for panel, c in zip(found.panels, found.counts.tolist(), strict=True):
        for t, s in panel:
            got[t] += c * s
    assert found.seats is not None and np.array_equal(found.seats, got)


def assert_same_outcome(
    given_pairs: rounding_ip.RoundingOutcome, read: rounding_ip.RoundingOutcome
) -> None:
    assert given_pairs.panels == read.panels and given_pairs.method == read.method
    assert np.array_equal(given_pairs.counts, read.counts)
    assert (given_pairs.drop_floor, given_pairs.added) == (read.drop_floor, read.added)
    assert read.seats is None and given_pairs.seats is not None


@settings(max_examples=40, deadline=None)
@given(inst=instances(), seed=st.integers(0, 2**32 - 1), m=st.sampled_from([3, 10, 1000]))
def test_the_rounding_given_the_pairs_is_the_rounding_reading_them(
    inst: Instance, seed: int, m: int
) -> None:
    """With the polytope and without, and when the guard turns the new panels down."""
    shape, support, _, read, start, per_type = random_support(inst, seed, m)
    heads = np.bincount(inst.pool.type_of)
    for polytope in (None, shape):
        found = round_min_drop(support, start, per_type, heads, m, shape=polytope, pairs=read)
        before = round_min_drop(support, start, per_type, heads, m, shape=polytope)
        assert_same_outcome(found, before)
        assert_seats_read(found, heads.size)
    added = found.added
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounding_records, "panels_hold", lambda _, p, **__: np.zeros(len(p), bool))
        found = round_min_drop(support, start, per_type, heads, m, shape=shape, pairs=read)
        before = round_min_drop(support, start, per_type, heads, m, shape=shape)
    assert_same_outcome(found, before)
    if added:  # the guard turned new panels down: the support's panels alone
        assert found.method == "local_search" and found.panels == tuple(support)
    assert_seats_read(found, heads.size)


@settings(max_examples=30, deadline=None)
@given(inst=instances(), seed=st.integers(0, 2**32 - 1), m=st.sampled_from([3, 10, 1000]))
def test_the_lottery_of_counted_seats_is_the_lottery_of_its_panels(
    inst: Instance, seed: int, m: int
) -> None:
    """``round_to_lottery``'s probabilities (from the rounding's seats) are those of the
    lottery's panels read again (as ``read_lottery`` reads them), bit for bit."""
    shape, support, summed, _, _, per_type = random_support(inst, seed, m)
    pool = inst.pool
    dist = Distribution.over_types(
        pool, "test", inst.size, tuple(support), summed, per_type, RunFigures(), {}
    )
    made = lottery.round_to_lottery(dist, m, shape=shape)
    again = lottery._make(made.size, made.ids, made.type_of, made.panels, "", math.nan)
    assert np.array_equal(made.probabilities.to_numpy(), again.probabilities.to_numpy())


@settings(max_examples=40, deadline=None)
@given(inst=instances(), seed=st.integers(0, 2**32 - 1), order=st.sampled_from(["as", "odd"]))
def test_records_holds_shares_and_deviations_given_the_pairs(
    inst: Instance, seed: int, order: str
) -> None:
    """``read_records``, ``panels_hold``, ``descend`` and ``_deviation`` given the panels'
    pairs give what they give reading them, also on panels listing types out of order
    or twice (the last seats count)."""
    shape, support, _, _, start, per_type = random_support(inst, seed, 10)
    panels = list(support)
    if order == "odd":
        panels = [tuple(reversed(p)) for p in panels]
        panels[0] = ((panels[0][0][0], 0), *panels[0])
    pairs = read_pairs(panels)
    given_records = rounding_records.read_records(panels, shape, pairs=pairs)
    records = rounding_records.read_records(panels, shape)
    assert given_records.keys == records.keys and given_records.cats == records.cats
    assert (given_records.full, given_records.least) == (records.full, records.least)
    assert np.array_equal(given_records.dense, records.dense)
    got = rounding_records.panels_hold(shape, panels, pairs=pairs)
    assert np.array_equal(got, rounding_records.panels_hold(shape, panels))
    assert got.all() or order == "odd"
    heads = np.bincount(inst.pool.type_of)
    target = per_type * 10
    dev = rounding_ip._deviation(panels, start, target, heads, pairs)
    assert np.array_equal(dev, rounding_ip._deviation(panels, start, target, heads))
    moved = descend(panels, start, target, heads, 1e9, pairs=pairs)
    assert np.array_equal(moved, descend(panels, start, target, heads, 1e9))
