"""Raking weights: margins reproduced when they can be, trimming kept, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.raking import (
    TOLERANCE,
    Dimension,
    WeightsInfeasible,
    dimension,
    rake,
    weighted_shares,
)
from quotas.raking_proof import prove


@st.composite
def feasible_panels(draw: st.DrawFn) -> tuple[list[Dimension], int, np.ndarray]:
    """A panel, criteria whose every category has someone, and margins some weights meet.

    The margins are the weighted shares of hidden positive weights, so they can be met.
    """
    n = draw(st.integers(6, 60))
    sizes = draw(st.lists(st.integers(2, 4), min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    hidden = rng.uniform(0.2, 5.0, size=n)
    dims = []
    for f, k in enumerate(sizes):
        codes = np.concatenate([np.arange(k), rng.integers(0, k, size=n - k)])
        rng.shuffle(codes)
        totals = np.bincount(codes, weights=hidden, minlength=k)
        values = [f"c{j}" for j in range(k)]
        dims.append(dimension(f"f{f}", values, codes, totals / totals.sum()))
    return dims, n, hidden


@settings(max_examples=60, deadline=None)
@given(feasible_panels())
def test_raking_reproduces_margins_when_they_can_be_met(
    case: tuple[list[Dimension], int, np.ndarray],
) -> None:
    dims, n, _ = case
    result = rake(dims, n)
    w = result.weights
    assert (w > 0).all()
    assert w.sum() == pytest.approx(n)  # mean 1
    for dim in dims:
        assert np.abs(weighted_shares(dim, w) - dim.shares).max() <= 0.001  # 0.1 point
    assert result.largest_gap <= TOLERANCE
    assert result.design_effect >= 1 - 1e-12
    assert result.effective_size == pytest.approx(w.sum() ** 2 / (w * w).sum())


@settings(max_examples=40, deadline=None)
@given(feasible_panels(), st.floats(1.0, 2.0))
def test_trimming_is_respected_and_margins_met_when_the_cap_allows(
    case: tuple[list[Dimension], int, np.ndarray], slack: float
) -> None:
    dims, n, hidden = case
    cap = float(hidden.max() / hidden.mean()) * slack  # the hidden weights fit under it
    result = rake(dims, n, cap=cap)
    assert result.weights.max() <= cap * (1 + 1e-6)
    assert result.weights.sum() == pytest.approx(n)
    assert result.largest_gap <= 0.001


def test_equal_weights_when_the_panel_already_matches() -> None:
    dim = dimension("gender", ["f", "m"], np.array([0, 1, 0, 1]), [0.5, 0.5])
    result = rake([dim], 4)
    assert result.weights.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert result.design_effect == 1.0 and result.effective_size == 4.0


def test_a_census_category_nobody_has_is_refused_with_exit_1() -> None:
    dim = dimension("gender", ["f", "m", "x"], np.array([0, 1, 0, 1]), [0.49, 0.49, 0.02])
    with pytest.raises(WeightsInfeasible) as caught:
        rake([dim], 4)
    assert caught.value.code == "weights_empty_category"
    assert caught.value.params == {"feature": "gender", "value": "x", "share": 2.0}
    assert caught.value.exit_code == 1


def test_people_in_a_category_without_census_share_are_refused() -> None:
    dim = dimension("gender", ["f", "m", "x"], np.array([0, 1, 2, 1]), [0.5, 0.5, 0])
    with pytest.raises(WeightsInfeasible) as caught:
        rake([dim], 4)
    assert caught.value.code == "weights_no_census_share"
    assert caught.value.params["count"] == 1


def test_contradictory_margins_are_proven_infeasible_naming_the_conflict() -> None:
    # Everyone female is young and everyone male old: 50 % female cannot be 20 % young.
    codes = np.array([0, 0, 1, 1])
    gender = dimension("gender", ["f", "m"], codes, [0.5, 0.5])
    age = dimension("age", ["young", "old"], codes, [0.2, 0.8])
    with pytest.raises(WeightsInfeasible) as caught:
        rake([gender, age], 4)
    assert caught.value.code == "weights_infeasible_proven"
    # everyone is male or young, but the two shares add up to 70 %
    assert caught.value.params == {"categories": "gender = m, age = young", "count": 2}
    assert "proven" in caught.value.message and caught.value.exit_code == 1
    with pytest.raises(WeightsInfeasible) as capped:  # the margins, not the cap, are the cause
        rake([gender, age], 4, cap=50)
    assert capped.value.code == "weights_infeasible_proven"


def test_margins_only_zero_weights_meet_are_proven_infeasible() -> None:
    # (f, young), (f, old), (m, old): 50 % f and 50 % young leave (f, old) nothing.
    gender = dimension("gender", ["f", "m"], np.array([0, 0, 1]), [0.5, 0.5])
    age = dimension("age", ["young", "old"], np.array([0, 1, 1]), [0.5, 0.5])
    assert prove([gender, age]).outcome == "infeasible"
    with pytest.raises(WeightsInfeasible) as caught:
        rake([gender, age], 3)
    assert caught.value.code == "weights_infeasible_proven"


def test_margins_raking_meets_too_slowly_are_said_to_be_reachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gender = dimension("gender", ["f", "m"], np.array([0, 0, 1, 1, 0]), [0.5, 0.5])
    age = dimension("age", ["young", "old"], np.array([0, 1, 0, 1, 1]), [0.3, 0.7])
    assert prove([gender, age]).outcome == "feasible"
    monkeypatch.setattr("quotas.raking.MAX_SWEEPS", 1)
    with pytest.raises(WeightsInfeasible) as caught:
        rake([gender, age], 5)
    assert caught.value.code == "weights_slow" and caught.value.params["sweeps"] == 1


@settings(max_examples=40, deadline=None)
@given(feasible_panels())
def test_margins_positive_weights_meet_are_never_called_infeasible(
    case: tuple[list[Dimension], int, np.ndarray],
) -> None:
    dims, _, _ = case
    assert prove(dims).outcome == "feasible"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 12))
def test_a_proof_of_infeasibility_holds_for_any_positive_weights(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    dims = [
        dimension(
            f"f{f}", ["a", "b", "c"][:k], rng.integers(0, k, n), list(rng.dirichlet(np.ones(k)))
        )
        for f, k in enumerate((2, 3))
    ]
    proof = prove(dims)
    assume(proof.outcome == "infeasible")
    # Stiemke's certificate, checked from its definition: z = Mᵀy ≥ 0 and not 0, where
    # M[c, i] = [i in c] − s_c; then any positive w meeting the margins (M w = 0) would
    # give 0 = yᵀ M w = z · w > 0.
    y = np.array(proof.multipliers)
    m = np.vstack(
        [(d.codes[None, :] == np.arange(len(d.values))[:, None]) - d.shares[:, None] for d in dims]
    )
    z = y @ m
    assert z.min() >= -1e-7 and z.sum() > 0.5
    names = [(d.feature, v) for d in dims for v in d.values]
    assert list(proof.categories) == [c for c, v in zip(names, y, strict=True) if v > 1e-7]


def test_a_cap_too_low_is_refused_naming_the_trim() -> None:
    dim = dimension("gender", ["f", "m"], np.array([0, 0, 0, 1]), [0.5, 0.5])  # needs 2.0
    with pytest.raises(WeightsInfeasible) as caught:
        rake([dim], 4, cap=1.5)
    assert caught.value.code == "weights_trim_too_low"
    assert caught.value.params["trim"] == 1.5
    assert rake([dim], 4, cap=2.0).weights.max() == pytest.approx(2.0)


def test_an_empty_panel_is_refused() -> None:
    with pytest.raises(WeightsInfeasible, match="nobody"):
        rake([], 0)
