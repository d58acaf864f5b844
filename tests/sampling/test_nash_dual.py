"""Relaxed NASH in the dual: the same optimum as the HiGHS Newton path, a valid bound, feasible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings

from sampling.engine.decompose import RelaxedLeximin, relaxed_levels
from sampling.engine.nash_dual import dual_nash
from sampling.engine.nash_relaxed import relaxed_nash
from sampling.engine.oracle import PanelOracle
from sampling.engine.select import select_distribution
from sampling.names import Algorithm
from tests.sampling.conftest import Instance, benchmark_pool, instances

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _setup(inst: Instance) -> tuple[PanelOracle, RelaxedLeximin, np.ndarray]:
    oracle = PanelOracle(inst.pool, inst.quotas, inst.size)
    levels = relaxed_levels(oracle, np.ones(oracle.n_types, dtype=bool))
    return oracle, levels, levels.seatable()


def _value(oracle: PanelOracle, seated: np.ndarray, p: np.ndarray) -> float:
    return float(oracle.counts[seated] @ np.log(p[seated]))


def _assert_feasible(oracle: PanelOracle, seated: np.ndarray, p: np.ndarray) -> None:
    x = p * oracle.counts
    assert np.all(p >= 0) and np.all(p <= 1) and np.all(p[~seated] == 0)
    assert np.all(p[seated] > 0)
    assert abs(x.sum() - oracle.size) <= 1e-9
    for f in range(oracle.vectors.shape[1]):
        for j, (lo, hi) in enumerate(oracle.bounds[f]):
            total = x[oracle.vectors[:, f] == j].sum()
            assert lo - 1e-9 <= total <= hi + 1e-9
    for group in oracle.households:
        assert x[group].sum() <= 1 + 1e-9


@FAST
@given(instances(min_people=8, max_people=18))
def test_dual_matches_the_highs_newton_path(inst: Instance) -> None:
    oracle, levels, seated = _setup(inst)
    fast = dual_nash(oracle, seated, 1e-9)
    slow = relaxed_nash(oracle, levels, 1e-9, dual=False)
    if fast is None or slow is None:
        # Either path may give up (nash then falls back to the column generation): such
        # an instance says nothing about their agreement, so hypothesis draws another.
        reject()
    p_slow = slow.seats / oracle.counts
    _assert_feasible(oracle, seated, fast.probabilities)
    total = float(oracle.counts[seated].sum())
    f_fast = _value(oracle, seated, fast.probabilities)
    f_slow = _value(oracle, seated, p_slow)
    # Each bound is above the other's point, and both optima agree. The HiGHS path's
    # bound is only as exact as HiGHS's LP tolerances (1e-7), the dual point's rows hold
    # to rounding.
    assert fast.bound >= f_slow - 1e-9 * total
    assert slow.bound >= f_fast - 1e-7 * total
    assert fast.bound >= f_fast - 1e-9 * total
    assert f_fast == pytest.approx(f_slow, abs=2e-9 * total)


@FAST
@given(instances(min_people=8, max_people=16))
def test_dual_bound_is_above_every_lottery_found(inst: Instance) -> None:
    oracle, _, seated = _setup(inst)
    point = dual_nash(oracle, seated, 1e-9)
    if point is None:
        reject()  # the dual gave up: no bound to test; hypothesis draws another instance
    for algorithm in (Algorithm.LEXIMIN, Algorithm.NASH):
        dist = select_distribution(
            inst.pool, inst.quotas, inst.size, algorithm=algorithm, head_start=False
        )
        per_type = np.zeros(oracle.n_types)
        per_type[inst.pool.type_of] = dist.probabilities.to_numpy()
        if np.all(per_type[seated] > 0):
            assert _value(oracle, seated, per_type) <= point.bound


@FAST
@given(instances(min_people=8, max_people=16))
def test_dual_is_deterministic(inst: Instance) -> None:
    oracle, _, seated = _setup(inst)
    first, second = dual_nash(oracle, seated, 1e-9), dual_nash(oracle, seated, 1e-9)
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        assert np.array_equal(first.probabilities, second.probabilities)
        assert first.bound == second.bound and first.steps == second.steps


@pytest.mark.parametrize("family", ["small", "two_features"])
def test_dual_on_benchmark_pools_is_feasible_and_tight(family: str) -> None:
    pool, quotas, size = benchmark_pool(family, seed=1)
    oracle = PanelOracle(pool, quotas, size)
    levels = relaxed_levels(oracle, np.ones(oracle.n_types, dtype=bool))
    seated = levels.seatable()
    point = dual_nash(oracle, seated, 1e-6)
    assert point is not None and point.steps <= 30
    _assert_feasible(oracle, seated, point.probabilities)
    total = float(oracle.counts[seated].sum())
    value = _value(oracle, seated, point.probabilities)
    assert 0 <= point.bound - value <= 1e-9 * total
    slow = relaxed_nash(oracle, levels, 1e-9, dual=False)
    assert slow is not None
    assert value == pytest.approx(
        _value(oracle, seated, slow.seats / oracle.counts), abs=1e-8 * total
    )


def test_relaxed_nash_falls_back_to_highs_when_the_dual_gives_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sampling.engine.nash_relaxed as module

    pool, quotas, size = benchmark_pool("two_features", seed=1)
    oracle = PanelOracle(pool, quotas, size)
    levels = relaxed_levels(oracle, np.ones(oracle.n_types, dtype=bool))
    direct = relaxed_nash(oracle, levels, 1e-6)
    monkeypatch.setattr(module, "dual_nash", lambda *args: None)
    fallback = relaxed_nash(oracle, levels, 1e-6)
    assert direct is not None and fallback is not None
    total = float(oracle.counts[direct.seated].sum())
    assert direct.bound == pytest.approx(fallback.bound, abs=1e-6 * total)
