"""The fair selection engine: invariants of LEXIMIN, MAXIMIN and NASH on random small pools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from quotas.model import quota_table
from quotas.pool import Pool
from quotas.problems import KleroError
from sampling.distribution import Distribution
from sampling.engine.select import Algorithm, select_distribution
from sampling.errors import InfeasibleQuotas
from tests.sampling.conftest import (
    Instance,
    brute_force_leximin,
    build_instance,
    instances,
    nash_objective,
    panel_problems,
)

ROOT = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def solve(inst: Instance, algorithm: Algorithm, **kw: Any) -> Distribution:
    return select_distribution(inst.pool, inst.quotas, inst.size, algorithm=algorithm, **kw)


@FAST
@given(instances())
def test_every_panel_is_feasible_and_probabilities_add_up(inst: Instance) -> None:
    for algorithm in (Algorithm.LEXIMIN, Algorithm.MAXIMIN, Algorithm.NASH):
        dist = solve(inst, algorithm)
        assert panel_problems(inst, dist) == []
        assert dist.weights.sum() == pytest.approx(1.0, abs=1e-9)
        assert np.all(dist.weights >= 1e-9)
        assert dist.probabilities.sum() == pytest.approx(inst.size, abs=1e-6)
        assert tuple(dist.probabilities.index) == inst.pool.ids
        assert dist.probabilities.between(-1e-9, 1 + 1e-9).all()
        assert json.loads(json.dumps(dist.settings)) == dist.settings


@FAST
@given(instances())
def test_leximin_against_maximin_and_nash(inst: Instance) -> None:
    lex = solve(inst, Algorithm.LEXIMIN).probabilities.to_numpy()
    mx = solve(inst, Algorithm.MAXIMIN).probabilities.to_numpy()
    nash = solve(inst, Algorithm.NASH).probabilities.to_numpy()
    # The people who can be seated at all are the same under every fair algorithm.
    seated = lex > 1e-9
    assert np.array_equal(seated, mx > 1e-9)
    assert lex[seated].min() == pytest.approx(mx[seated].min(), abs=1e-6)
    # Leximin's sorted vector dominates maximin's lexicographically.
    a, b = np.sort(lex), np.sort(mx)
    differ = np.flatnonzero(np.abs(a - b) > 1e-6)
    assert differ.size == 0 or a[differ[0]] > b[differ[0]]
    # NASH maximises the sum of logs (to its certified gap), so it beats leximin there.
    assert nash_objective(nash) >= nash_objective(lex) - 1e-4


@FAST
@given(instances())
def test_people_of_one_type_share_a_probability(inst: Instance) -> None:
    p = solve(inst, Algorithm.LEXIMIN).probabilities.to_numpy()
    pool = inst.pool
    alone = pool.household < 0
    for vector in np.unique(pool.matrix[alone], axis=0):
        same = alone & np.all(pool.matrix == vector, axis=1)
        assert np.ptp(p[same]) < 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(min_people=6, max_people=11))
def test_leximin_matches_brute_force(inst: Instance) -> None:
    expected = brute_force_leximin(inst)
    dist = solve(inst, Algorithm.LEXIMIN)
    assert dist.probabilities.to_numpy() == pytest.approx(expected, abs=1e-6)
    assert dist.figures.gap <= 1e-6


def _example() -> Instance:
    values = [[i % 2, (i // 2) % 3] for i in range(12)]
    homes = [-1] * 12
    homes[0] = homes[3] = 0
    return build_instance(values, [2, 3], 5, homes, [1], [1], [0, 1, 2, 4, 5])


def test_same_call_gives_identical_lottery() -> None:
    inst = _example()
    for algorithm in (Algorithm.LEXIMIN, Algorithm.MAXIMIN, Algorithm.NASH):
        first, second = solve(inst, algorithm, seed=5), solve(inst, algorithm, seed=5)
        assert first.panels == second.panels
        assert np.array_equal(first.weights, second.weights)
        assert first.probabilities.equals(second.probabilities)


def test_random_extra_panels_keep_leximin_unique() -> None:
    inst = _example()
    plain = solve(inst, Algorithm.LEXIMIN).probabilities
    for seed in (1, 2):
        other = solve(inst, Algorithm.LEXIMIN, seed=seed, extra_panels=4).probabilities
        assert other.to_numpy() == pytest.approx(plain.to_numpy(), abs=1e-7)


@pytest.mark.slow
def test_same_lottery_in_other_processes() -> None:
    code = textwrap.dedent(
        """
        import json
        from sampling.names import Algorithm
        from tests.sampling.test_engine import _example, solve
        d = solve(_example(), Algorithm.LEXIMIN, seed=3)
        print(json.dumps([d.panels, d.weights.tolist()]))
        """
    )
    outputs = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(run.stdout.strip().splitlines()[-1])
    assert len(outputs) == 1


def test_infeasible_quotas_raise() -> None:
    q = quota_table([("g", "f", 3, 3), ("g", "m", 0, 3)])
    pool = Pool.build(["a", "b", "c"], pd.DataFrame({"g": ["f", "f", "m"]}), q)
    for algorithm in (Algorithm.LEXIMIN, Algorithm.MAXIMIN, Algorithm.NASH):
        with pytest.raises(InfeasibleQuotas) as caught:
            select_distribution(pool, q, 3, algorithm=algorithm)
        assert caught.value.code == "quotas_infeasible"
        assert caught.value.exit_code == 1


def test_one_per_household_can_make_quotas_infeasible() -> None:
    q = quota_table([("g", "f", 2, 2), ("g", "m", 0, 2)])
    frame = pd.DataFrame({"g": ["f", "f", "m"]})
    pool = Pool.build(["a", "b", "c"], frame, q, ["home", "home", None])
    with pytest.raises(InfeasibleQuotas):
        select_distribution(pool, q, 2)


def test_people_in_no_feasible_panel_get_zero() -> None:
    q = quota_table([("g", "f", 2, 2), ("g", "m", 0, 0)])
    pool = Pool.build(list("abcd"), pd.DataFrame({"g": ["f", "f", "f", "m"]}), q)
    for algorithm in (Algorithm.LEXIMIN, Algorithm.MAXIMIN, Algorithm.NASH):
        p = select_distribution(pool, q, 2, algorithm=algorithm).probabilities
        assert p["d"] == 0.0
        assert p[["a", "b", "c"]].to_numpy() == pytest.approx([2 / 3] * 3)


def test_household_members_share_one_seat() -> None:
    q = quota_table([("g", "x", 2, 2)])
    pool = Pool.build(list("abc"), pd.DataFrame({"g": ["x"] * 3}), q, ["h", "h", None])
    p = select_distribution(pool, q, 2).probabilities
    # c is always seated; a and b split the household's single seat.
    assert p.to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": 1.0})


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"algorithm": "fastest"}, "selection_algorithm_unknown"),
        ({"size": 0}, "panel_size_invalid"),
        ({"size": 4}, "panel_size_above_pool"),
        ({"tol": -1.0}, "selection_setting_invalid"),
        ({"smoothing": 1.0}, "selection_setting_invalid"),
        ({"colour": "red"}, "selection_setting_invalid"),
    ],
)
def test_bad_arguments_are_reported(kwargs: dict, code: str) -> None:
    q = quota_table([("g", "x", 0, 3)])
    pool = Pool.build(list("abc"), pd.DataFrame({"g": ["x"] * 3}), q)
    args = {"size": 2, **kwargs}
    size = args.pop("size")
    with pytest.raises(KleroError) as caught:
        select_distribution(pool, q, size, **args)
    assert caught.value.code == code
    assert "{" not in caught.value.message


def test_figures_and_settings_are_recorded() -> None:
    dist = solve(_example(), Algorithm.LEXIMIN, tol=1e-9)
    figures = dist.figures
    assert figures.panels == len(dist.panels) and figures.iterations >= 1
    assert len(figures.level_gaps) == figures.extra["levels"] >= 1
    assert figures.gap == max(figures.level_gaps)
    assert figures.extra["types"] == dist.type_of.max() + 1
    assert dist.settings["tol"] == 1e-9
    seen: list[tuple[str, float]] = []
    solve(_example(), Algorithm.NASH, progress=lambda stage, f: seen.append((stage, f)))
    assert seen[-1] == ("done", 1.0)
    assert all(0.0 <= f <= 1.0 for _, f in seen)


def test_legacy_is_dispatched() -> None:
    dist = solve(_example(), Algorithm.LEGACY, samples=50)
    assert dist.algorithm == "legacy"
    assert dist.probabilities.sum() == pytest.approx(5)
