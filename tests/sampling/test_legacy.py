"""LEGACY, the greedy baseline: valid panels, reproducible estimates, honest error bars."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from quotas.problems import KleroError
from sampling.engine.legacy import (
    clopper_pearson_upper,
    hoeffding_half_width,
    legacy_distribution,
    legacy_panel,
)
from sampling.engine.select import select_distribution
from sampling.names import Algorithm


def make_instance(
    n: int, k: int, levels: tuple[int, ...], seed: int, slack: int = 1, households: int = 0
) -> tuple[Pool, QuotaTable]:
    """A random pool and quotas built around one random panel, so they are feasible."""
    rng = np.random.default_rng(seed)
    features = {f"f{f}": [f"v{v}" for v in range(size)] for f, size in enumerate(levels)}
    frame = pd.DataFrame({f: rng.choice(vals, n) for f, vals in features.items()})
    keys: list[str | None] = [None] * n
    # Households are pairs of people outside the reference panel, so it stays valid.
    reference = sorted(rng.choice(n, size=k, replace=False).tolist())
    others = [i for i in range(n) if i not in set(reference)]
    for h in range(min(households, len(others) // 2)):
        keys[others[2 * h]] = keys[others[2 * h + 1]] = f"h{h}"
    rows = []
    for f, vals in features.items():
        for v in vals:
            seated = int((frame[f].iloc[reference] == v).sum())
            rows.append((f, v, max(0, seated - slack), min(k, seated + slack)))
    quotas = quota_table(rows)
    ids = [f"id{i:03d}" for i in range(n)]
    return Pool.build(ids, frame, quotas, keys), quotas


def assert_valid(pool: Pool, quotas: QuotaTable, size: int, rows: list[int]) -> None:
    assert len(rows) == size and len(set(rows)) == size
    for (feature, value), members in pool.category_members().items():
        lo, hi = quotas.bounds(feature, value)
        assert lo <= len(set(rows) & set(members.tolist())) <= hi, (feature, value)
    for household in pool.households():
        assert len(set(rows) & set(household.tolist())) <= 1


def test_each_drawn_panel_meets_quotas_size_and_households() -> None:
    pool, quotas = make_instance(60, 12, (2, 3, 4), seed=1, slack=1, households=8)
    rng = np.random.default_rng(5)
    for _ in range(100):
        assert_valid(pool, quotas, 12, legacy_panel(pool, quotas, 12, rng))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(8, 40),
    slack=st.integers(0, 2),
    levels=st.lists(st.integers(2, 4), min_size=1, max_size=3).map(tuple),
    households=st.integers(0, 4),
)
def test_random_feasible_instances_give_valid_panels(
    seed: int, n: int, slack: int, levels: tuple[int, ...], households: int
) -> None:
    k = max(2, n // 4)
    pool, quotas = make_instance(n, k, levels, seed, slack, households)
    dist = legacy_distribution(pool, quotas, k, seed=seed, samples=20, attempts=2000)
    for j in range(len(dist.panels)):
        rows = dist.people_of(j, np.random.default_rng(j))
        assert_valid(pool, quotas, k, rows)
    assert math.isclose(float(dist.probabilities.sum()), k)
    assert math.isclose(float(dist.weights.sum()), 1.0)


def test_distribution_is_deterministic_per_seed_and_sums_to_k() -> None:
    pool, quotas = make_instance(80, 15, (2, 3, 5), seed=3, slack=2, households=5)
    a = legacy_distribution(pool, quotas, 15, seed=11, samples=300)
    b = legacy_distribution(pool, quotas, 15, seed=11, samples=300)
    c = legacy_distribution(pool, quotas, 15, seed=12, samples=300)
    assert a.panels == b.panels
    assert np.array_equal(a.weights, b.weights)
    pd.testing.assert_series_equal(a.probabilities, b.probabilities)
    assert a.panels != c.panels
    assert a.probabilities.sum() == pytest.approx(15)
    assert list(a.probabilities.index) == list(pool.ids)
    assert a.algorithm == "legacy" and a.figures.panels == len(a.panels)
    # The weights are the empirical frequencies of the draws.
    assert np.allclose(a.weights * 300, np.round(a.weights * 300))


def test_confidence_bounds_are_reported() -> None:
    pool, quotas = make_instance(50, 10, (2, 3), seed=4, slack=1)
    dist = legacy_distribution(pool, quotas, 10, seed=0, samples=400)
    n_types = int(pool.type_counts.size)
    assert dist.figures.gap == pytest.approx(hoeffding_half_width(400, n_types))
    extra = dist.figures.extra
    assert extra["samples"] == 400 and extra["restarts"] >= 0
    assert extra["min_upper_95"] >= dist.probabilities.min() - dist.figures.gap
    assert 0 < extra["min_upper_95"] <= 1


def test_estimates_are_close_to_exact_probabilities_on_a_symmetric_pool() -> None:
    # Two equal halves, quotas exactly half: by symmetry everyone has chance k / n.
    q = quota_table([("g", "a", 3, 3), ("g", "b", 3, 3)])
    frame = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10})
    pool = Pool.build([f"p{i:02d}" for i in range(20)], frame, q)
    dist = legacy_distribution(pool, q, 6, seed=2, samples=50)
    # Type averaging makes the estimate exact here, whatever the samples.
    assert np.allclose(dist.probabilities.to_numpy(), 0.3)


def test_binomial_bounds() -> None:
    assert clopper_pearson_upper(0, 100) == pytest.approx(1 - 0.05 ** (1 / 100), rel=1e-6)
    assert clopper_pearson_upper(100, 100) == 1.0
    assert clopper_pearson_upper(5, 100) > 0.05
    assert hoeffding_half_width(2000, 100) == pytest.approx(
        math.sqrt(math.log(2 * 100 / 0.05) / 4000)
    )


def test_infeasible_quotas_fail_with_a_code() -> None:
    q = quota_table([("g", "a", 3, 3), ("g", "b", 0, 3)])
    frame = pd.DataFrame({"g": ["a", "a", "b", "b", "b"]})
    pool = Pool.build(list("vwxyz"), frame, q)
    with pytest.raises(KleroError) as info:
        legacy_distribution(pool, q, 3, samples=5, attempts=20)
    assert info.value.code == "legacy_failed"
    assert "20 attempts" in info.value.message


def test_bad_sample_count_is_refused() -> None:
    pool, quotas = make_instance(20, 4, (2,), seed=0)
    with pytest.raises(KleroError) as info:
        legacy_distribution(pool, quotas, 4, samples=0)
    assert info.value.code == "legacy_samples_invalid"


def test_progress_is_reported() -> None:
    pool, quotas = make_instance(20, 4, (2,), seed=0)
    seen: list[float] = []
    legacy_distribution(pool, quotas, 4, samples=10, progress=lambda _, x: seen.append(x))
    assert seen and seen[-1] == pytest.approx(1.0)


def test_leximin_dominates_legacy() -> None:
    """Leximin's sorted probabilities beat legacy's lexicographically (within the error bar)."""
    for seed in range(3):
        pool, quotas = make_instance(40, 8, (2, 3, 3), seed=seed, slack=1, households=3)
        legacy = legacy_distribution(pool, quotas, 8, seed=seed, samples=1000)
        leximin = select_distribution(pool, quotas, 8, algorithm=Algorithm.LEXIMIN, seed=seed)
        fair = np.sort(leximin.probabilities.to_numpy())
        greedy = np.sort(legacy.probabilities.to_numpy())
        tolerance = legacy.figures.gap + 1e-6
        # Lexicographic comparison with a tolerance: at the first place where the two
        # differ by more than the error bar, leximin must be the larger.
        apart = np.flatnonzero(np.abs(fair - greedy) > tolerance)
        if apart.size:
            assert fair[apart[0]] > greedy[apart[0]], (seed, fair, greedy)
        assert fair[0] >= greedy[0] - tolerance
