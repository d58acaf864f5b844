"""The LEXIMIN head start: the relaxation's leximin point and its split into panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from quotas.model import quota_table
from quotas.pool import Pool
from sampling.engine.decompose import (
    FaceWalker,
    RelaxedLeximin,
    head_start,
    relaxed_levels,
    relaxed_leximin,
)
from sampling.engine.master import below
from sampling.engine.oracle import PanelOracle
from sampling.engine.relaxation import LikeTypes, Relaxation, Shaped
from sampling.engine.select import select_distribution
from sampling.names import Algorithm
from synthetic_data.instances import scaled
from tests.sampling.conftest import (
    Instance,
    benchmark_pool,
    brute_force_leximin,
    instances,
    panel_problems,
)
from tests.sampling.test_engine import _example

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _oracle(inst: Instance) -> tuple[PanelOracle, np.ndarray]:
    oracle = PanelOracle(inst.pool, inst.quotas, inst.size)
    return oracle, oracle.cover()[1]


@FAST
@given(instances())
def test_relaxed_point_is_in_the_quota_box(inst: Instance) -> None:
    oracle, coverable = _oracle(inst)
    seats = relaxed_leximin(oracle, coverable)
    assert seats.sum() == pytest.approx(inst.size, abs=1e-7)
    assert np.all(seats >= 0) and np.all(seats <= oracle.counts * coverable + 1e-9)
    for f, bounds in enumerate(oracle.bounds):
        for j, (lo, hi) in enumerate(bounds):
            got = seats[oracle.vectors[:, f] == j].sum()
            assert lo - 1e-7 <= got <= hi + 1e-7
    for group in oracle.households:
        assert seats[group].sum() <= 1 + 1e-7


def _row_per_type_levels(oracle: Shaped, coverable: np.ndarray) -> RelaxedLeximin:
    """The reference: the relaxation's levels with a row ``x_t / n_t >= z`` per type
    (``Relaxation``, as the column generation uses it), over every type."""
    relaxed = Relaxation(oracle, coverable)
    for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
        relaxed.h.setOptionValue(name, 1e-9)
    open_ = coverable.copy()
    row_of = np.full(oracle.shape.n_types, -1, dtype=np.int64)
    row_of[relaxed.active] = np.arange(relaxed.active.size)
    seats = np.zeros(oracle.shape.n_types)
    levels: list[tuple[float, np.ndarray]] = []
    while open_.any():
        z, duals = relaxed.duals(open_)
        seats = np.asarray(relaxed.h.getSolution().col_value)[: oracle.shape.n_types]
        types = np.flatnonzero(open_)
        tight = types[duals[types] > 1e-9]
        tight = types if tight.size == 0 else tight
        levels.append((z, tight))
        given = seats[tight] * (1.0 / oracle.shape.counts[tight])
        relaxed.fix(tight, below(min(z, float(given.min()))), row_of)
        open_[tight] = False
    return RelaxedLeximin(np.clip(seats, 0.0, oracle.shape.counts.astype(float)), levels)


@FAST
@given(instances())
def test_like_types_give_the_relaxation_of_every_type(inst: Instance) -> None:
    """Merging household members with like people (when no household row binds) and
    surpluses for the rows per type give the same leximin point and levels as the
    relaxation with a row per type, over every type."""
    oracle, coverable = _oracle(inst)
    merged = relaxed_levels(oracle, coverable)
    every = _row_per_type_levels(oracle, coverable)
    assert merged.seats == pytest.approx(every.seats, abs=1e-6)
    # Each one's point reaches the other's level bounds: the same certificate.
    assert max(merged.level_gaps(every.seats / oracle.counts), default=0.0) <= 1e-6
    assert max(every.level_gaps(merged.seats / oracle.counts), default=0.0) <= 1e-6


def test_like_types_merge_household_members() -> None:
    """On a pool where households hold like people, the relaxation runs over fewer types
    and splits each merged type's seats by head count."""
    pool, quotas, size = benchmark_pool(scaled("online", 1_500, 30), seed=2)
    oracle = PanelOracle(pool, quotas, size)
    everyone = np.ones(oracle.n_types, dtype=bool)
    like = LikeTypes.of(oracle.shape, everyone)
    assert oracle.households and like.shape.n_types < oracle.n_types
    assert like.shape.counts.sum() == oracle.counts.sum()
    merged = relaxed_levels(oracle, everyone)
    chances = merged.seats / oracle.counts
    for m in range(like.shape.n_types):
        assert np.ptp(chances[like.index == m]) <= 1e-12
    assert merged.seats == pytest.approx(_row_per_type_levels(oracle, everyone).seats, abs=1e-6)


@FAST
@given(instances())
def test_walk_mixes_feasible_panels_to_the_point(inst: Instance) -> None:
    oracle, coverable = _oracle(inst)
    target = relaxed_leximin(oracle, coverable)
    walk = FaceWalker(oracle, coverable).walk(target, 1000)
    for panel in walk.panels:
        oracle.check(panel)  # raises on any infeasible panel
    assert len(walk.weights) == len(walk.panels)
    assert np.all(walk.weights >= 0)
    if not walk.panels:  # the point's own face holds no integer panel: nothing placed
        assert walk.left == 1.0
    else:
        placed = walk.weights @ np.array(walk.panels)
        assert walk.weights.sum() + walk.left == pytest.approx(1.0, abs=1e-9)
        if walk.left <= 1e-9:  # fully placed: the mix is the point itself
            assert placed == pytest.approx(target, abs=1e-6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(min_people=6, max_people=11))
def test_leximin_without_head_start_matches_brute_force(inst: Instance) -> None:
    expected = brute_force_leximin(inst)
    dist = select_distribution(inst.pool, inst.quotas, inst.size, head_start=False)
    assert dist.probabilities.to_numpy() == pytest.approx(expected, abs=1e-6)
    assert dist.figures.gap <= 1e-6


def test_head_start_is_recorded() -> None:
    inst = _example()
    oracle, coverable = _oracle(inst)
    walk, _ = head_start(oracle, coverable, 1000)
    dist = select_distribution(inst.pool, inst.quotas, inst.size)
    assert dist.settings["head_start"] is True
    assert dist.figures.extra["head_start_unplaced"] == pytest.approx(walk.left)


def test_column_generation_takes_over_where_the_relaxation_is_not_exact() -> None:
    # p02 can only sit with p01 (the one person with f0 = v1 and f2 = v1), who shares her
    # household, so no panel seats p02; the relaxation seats her fractionally all the same.
    rows = [("f0", "v0", 1, 1), ("f0", "v1", 1, 1), ("f1", "v0", 2, 2), ("f1", "v1", 0, 0)]
    rows += [("f2", "v0", 1, 1), ("f2", "v1", 1, 1)]
    q = quota_table(rows)
    codes = [[0, 0, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0]]
    codes.append([0, 0, 1])
    frame = pd.DataFrame({f"f{f}": [f"v{row[f]}" for row in codes] for f in range(3)})
    ids = [f"p{i:02d}" for i in range(8)]
    homes = [None, "h", "h", None, None, None, None, None]
    inst = Instance(Pool.build(ids, frame, q, homes), q, 2)
    dist = select_distribution(inst.pool, inst.quotas, inst.size)
    assert dist.figures.extra["head_start_unplaced"] > 0.1  # the walk stopped early
    assert dist.probabilities.to_numpy() == pytest.approx(brute_force_leximin(inst), abs=1e-7)
    assert dist.probabilities["p02"] == 0.0 and dist.probabilities["p01"] == pytest.approx(0.8)
    assert dist.figures.gap <= 1e-8


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(min_people=8, max_people=16))
def test_walk_certified_lottery_equals_column_generation(inst: Instance) -> None:
    walked = select_distribution(inst.pool, inst.quotas, inst.size)
    generated = select_distribution(inst.pool, inst.quotas, inst.size, head_start=False)
    assert walked.probabilities.to_numpy() == pytest.approx(
        generated.probabilities.to_numpy(), abs=1e-6
    )
    assert walked.figures.gap <= 1e-8
    assert panel_problems(inst, walked) == []


def test_level_gaps_measure_the_shortfall_below_each_bound() -> None:
    point = RelaxedLeximin(np.zeros(3), [(0.5, np.array([0, 1])), (0.8, np.array([2]))])
    assert point.level_gaps(np.array([0.5, 0.6, 0.8])) == [0.0, 0.0]
    gaps = point.level_gaps(np.array([0.45, 0.7, 0.9]))
    assert gaps == pytest.approx([0.05, 0.0])


def test_long_steps_split_a_benchmark_pool_in_few_panels() -> None:
    # 2,000 volunteers, 782 types: a plain walk needed 235 panels; steps of a share
    # theta of what is left need about log(1e-9) / log(1 - theta) of them.
    pool, quotas, size = benchmark_pool("small", seed=0)
    dist = select_distribution(pool, quotas, size)
    extra = dist.figures.extra
    assert extra["relaxation_certificate"] == 1
    assert extra["head_start_panels"] < 150
    assert dist.figures.gap <= 1e-8
    assert extra["master_solves"] == 0


def test_walk_with_households_fixes_most_types_and_stays_certified() -> None:
    # 1,500 volunteers with shared addresses and 8 features, 30 seats: most of each step's
    # types are fixed (below the step, or household members), so its integer program
    # holds a part of them; every panel must still be feasible and the lottery certified.
    pool, quotas, size = benchmark_pool(scaled("online", 1_500, 30), seed=2)
    oracle = PanelOracle(pool, quotas, size)
    assert len(oracle.households) > 20
    dist = select_distribution(pool, quotas, size)
    extra = dist.figures.extra
    assert extra["relaxation_certificate"] == 1
    assert dist.figures.gap <= 1e-8
    for panel in dist.panels:
        seats = np.zeros(oracle.n_types, dtype=np.int64)
        for t, s in panel:
            seats[t] = s
        assert oracle.shape.holds(seats)


def test_maximin_is_not_certified_by_a_level_of_unseatable_people() -> None:
    # p00, p04 and p09 cannot be seated even fractionally: the relaxation's first level is
    # theirs, at 0. MAXIMIN is about everyone else, so that level certifies nothing.
    codes = [[1, 1, 0], [0, 0, 0], [0, 0, 0], [1, 1, 2], [0, 0, 2]]
    codes += [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1]]
    rows = [("f0", "v0", 1, 1), ("f0", "v1", 1, 1), ("f1", "v0", 1, 1), ("f1", "v1", 1, 1)]
    rows += [("f2", "v0", 1, 1), ("f2", "v1", 0, 0), ("f2", "v2", 1, 1)]
    q = quota_table(rows)
    frame = pd.DataFrame({f"f{f}": [f"v{row[f]}" for row in codes] for f in range(3)})
    homes = ["h", "h", None, None, "h", None, None, None, None, None]
    pool = Pool.build([f"p{i:02d}" for i in range(10)], frame, q, homes)
    lex = select_distribution(pool, q, 2).probabilities
    mx = select_distribution(pool, q, 2, algorithm=Algorithm.MAXIMIN).probabilities
    assert list(lex[lex > 0].index) == list(mx[mx > 0].index)
    assert mx[mx > 0].min() == pytest.approx(lex[lex > 0].min(), abs=1e-9)
    assert lex[lex > 0].min() == pytest.approx(1 / 6)
