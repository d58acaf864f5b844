"""Balance tests: exact p-values against brute force, chi-square tail against its density."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.balance_tests import (
    balance_tests,
    chi_square_sf,
    compositions,
    criterion_test,
    goodness_of_fit,
    outcome_count,
    wilson_interval,
)


def brute_force_p(counts: list[int], shares: list[float]) -> float:
    """P(X² >= observed) by listing every sequence of n draws (k^n of them)."""
    n, k = sum(counts), len(counts)
    probs = np.asarray(shares) / sum(shares)
    expected = n * probs
    observed = (((np.asarray(counts) - expected) ** 2) / expected).sum()
    total = 0.0
    for sequence in itertools.product(range(k), repeat=n):
        made = np.bincount(sequence, minlength=k)
        x2 = (((made - expected) ** 2) / expected).sum()
        if x2 >= observed - 1e-9:
            total += math.prod(probs[j] for j in sequence)
    return total


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=2, max_size=3),
    st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3),
)
def test_exact_p_value_equals_brute_force_on_tiny_panels(
    counts: list[int], raw: list[float]
) -> None:
    assume(1 <= sum(counts) <= 7)
    shares = raw[: len(counts)]
    fit = goodness_of_fit(counts, shares)
    assume(fit.method == "exact")  # expected counts under 5: always, for n <= 7
    assert fit.p_value == pytest.approx(brute_force_p(counts, shares), abs=1e-9)


def test_compositions_are_every_make_up_once() -> None:
    table = compositions(5, 3)
    assert len(table) == outcome_count(5, 3) == 21
    assert (table.sum(axis=1) == 5).all() and (table >= 0).all()
    assert len({tuple(r) for r in table.tolist()}) == 21


@pytest.mark.parametrize(
    ("x", "df"),
    [
        (3.841458820694124, 1),
        (5.991464547107979, 2),
        (7.814727903251178, 3),
        (9.487729036781154, 4),
        (11.070497693516351, 5),
        (18.307038053275146, 10),
    ],
)
def test_chi_square_tail_at_the_tabulated_95_percent_points(x: float, df: int) -> None:
    assert chi_square_sf(x, df) == pytest.approx(0.05, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 40), st.floats(0.5, 80.0))
def test_chi_square_tail_matches_the_integrated_density(df: int, x: float) -> None:
    grid = np.linspace(x, x + 300.0, 200_001)
    log_density = (
        (df / 2 - 1) * np.log(grid) - grid / 2 - (df / 2) * math.log(2) - math.lgamma(df / 2)
    )
    assert chi_square_sf(x, df) == pytest.approx(np.trapezoid(np.exp(log_density), grid), abs=1e-6)


def test_monte_carlo_is_close_to_exact_and_deterministic() -> None:
    counts, shares = [9, 3, 1, 7], [0.4, 0.3, 0.1, 0.2]
    exact = goodness_of_fit(counts, shares)
    assert exact.method == "exact"
    monte = goodness_of_fit(counts, shares, exact_limit=0)
    assert monte.method == "monte_carlo"
    assert monte.p_value == pytest.approx(exact.p_value, abs=0.01)
    assert goodness_of_fit(counts, shares, exact_limit=0) == monte


def test_large_expected_counts_use_the_chi_square_distribution() -> None:
    fit = goodness_of_fit([60, 40], [0.5, 0.5])
    assert fit.method == "chi_square" and fit.df == 1 and fit.statistic == pytest.approx(4.0)
    assert fit.p_value == pytest.approx(math.erfc(math.sqrt(2.0)))


def test_someone_in_a_category_without_census_share_gives_p_zero() -> None:
    fit = goodness_of_fit([3, 1], [1.0, 0.0])
    assert fit.p_value == 0.0


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 300), st.data())
def test_wilson_interval_holds_the_observed_share(n: int, data: st.DataObject) -> None:
    count = data.draw(st.integers(0, n))
    low, high = wilson_interval(count, n)
    assert 0 <= low <= count / n <= high <= 1


def test_wilson_interval_by_hand() -> None:
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)


def test_criterion_figures() -> None:
    row = criterion_test("gender", ["f", "m"], [4, 1], [50, 50])  # shares normalised
    assert row["tvd"] == pytest.approx(0.3)
    assert (row["gap_value"], row["gap"]) == ("f", pytest.approx(0.3))
    low, high = wilson_interval(4, 5)
    assert (row["gap_low"], row["gap_high"]) == (
        pytest.approx(low - 0.5),
        pytest.approx(high - 0.5),
    )
    assert row["method"] == "exact" and row["p_value"] == pytest.approx(12 / 32)


def test_balance_tests_one_row_per_unit_and_criterion() -> None:
    rows = pd.DataFrame(
        {
            "country": ["FR", "FR", "FR", "FR", "KE", "KE"],
            "feature": ["g", "g", "a", "a", "g", "g"],
            "value": ["f", "m", "y", "o", "f", "m"],
            "count": [5, 5, 3, 7, 2, 8],
            "target_share": [0.5, 0.5, 0.3, 0.7, 0.5, 0.5],
        }
    )
    out = balance_tests(rows, ["country"])
    assert out[["country", "feature", "n"]].values.tolist() == [
        ["FR", "g", 10],
        ["FR", "a", 10],
        ["KE", "g", 10],
    ]
    assert out["tvd"].round(6).tolist() == [0.0, 0.0, 0.3]
    assert out["p_value"].iloc[0] == pytest.approx(1.0)
