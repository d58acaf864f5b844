"""LEXIMIN's fixed floors: every level's LP stays feasible and the gaps hold for the lottery.

The floors used to be fixed at the master's ``z``, which HiGHS meets only within its
feasibility tolerance; over several levels that made a master (or a relaxed level)
"Infeasible" although the lottery in hand met every floor. Now each floor sits just below
what the lottery in hand really gives, and the gaps are measured on the lottery handed
back. A random search over mid-size pools, many types with awkward head counts, checks it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sampling.engine.decompose import relaxed_levels
from sampling.engine.master import FLOOR_MARGIN, MinimumMaster, below
from sampling.engine.oracle import PanelOracle
from sampling.engine.select import DEFAULTS, Algorithm, select_distribution
from tests.sampling.conftest import Instance, instances, panel_problems

TOL = DEFAULTS[Algorithm.LEXIMIN]["tol"]


# Pools of 15–60 people, 2–4 features of 2–5 values, households, 3–12 seats.
POOLS = instances(
    15, 60, values=(2, 5), features=(2, 4), households=(6, None), seats=(3, 12), slack=5
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(POOLS)
def test_every_level_stays_feasible_and_certified(inst: Instance) -> None:
    oracle = PanelOracle(inst.pool, inst.quotas, inst.size)
    # Raises SolverFailed when a relaxed level turns infeasible.
    assert relaxed_levels(oracle, np.ones(oracle.n_types, dtype=bool)).levels
    generated = select_distribution(inst.pool, inst.quotas, inst.size, head_start=False)
    walked = select_distribution(inst.pool, inst.quotas, inst.size)
    for dist in (generated, walked):
        assert panel_problems(inst, dist) == []
        assert dist.figures.gap <= TOL
    assert generated.figures.extra["master_solves"] > 0
    # Both are leximin-optimal within their certified gaps, so they agree.
    assert generated.probabilities.to_numpy() == pytest.approx(
        walked.probabilities.to_numpy(), abs=1e-6
    )


def _master() -> tuple[MinimumMaster, list[np.ndarray]]:
    """A master over three types (1, 2 and 3 people) with three panels of two seats."""
    counts = np.array([1, 2, 3])
    master = MinimumMaster(counts, np.ones(3, dtype=bool))
    panels = [np.array([1, 1, 0]), np.array([0, 1, 1]), np.array([1, 0, 1])]
    master.add_panels(panels)
    return master, panels


def test_achieved_is_the_renormalised_lottery_summed_exactly() -> None:
    master, panels = _master()
    # Weights as HiGHS may hand them back: a hair off summing to 1, one below zero.
    weights = np.array([0.5 + 1e-7, 0.5, -1e-12])
    achieved = master.achieved(weights)
    lottery = np.array([0.5 + 1e-7, 0.5, 0.0]) / (1.0 + 1e-7)
    expected = [
        math.fsum(w * p[t] for w, p in zip(lottery.tolist(), panels, strict=True)) / c
        for t, c in enumerate([1, 2, 3])
    ]
    assert achieved.tolist() == pytest.approx(expected, rel=1e-15)
    # Tiny weights are dropped (as the Distribution drops them) before renormalising.
    assert master.achieved(np.array([1.0, 1e-10, 0.0]), 1e-9).tolist() == [1.0, 0.5, 0.0]


def test_floors_sit_just_below_what_the_lottery_gives() -> None:
    master, _ = _master()
    achieved = master.achieved(np.array([0.5, 0.25, 0.25]))  # 0.75, 0.375, 1/6
    master.fix(np.array([0]), below(float(achieved[0])))
    master.fix(np.array([2]), float(achieved[2]) + 1e-9)  # the lottery falls a hair short
    assert master.meet(achieved).tolist() == [2]
    assert master.floors[2] == below(float(achieved[2]))
    assert master.lowered == pytest.approx(1e-9 + FLOOR_MARGIN, rel=1e-6)
    fixed = np.array([0, 2])
    assert np.all(master.floors[fixed] < achieved[fixed])
    assert np.all(achieved[fixed] - master.floors[fixed] <= 1.001 * FLOOR_MARGIN)
    # The lottery meets every floor, so the master is feasible and does at least as well.
    assert master.solve().z >= achieved[1] - 1e-9
