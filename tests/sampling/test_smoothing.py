"""Small categories' propensities: empirical-Bayes shrinkage, and the margins it keeps."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.pool import Pool
from quotas.targets import quotas_from_margins
from sampling import SMALL_SUPPORT
from sampling.propensity import PropensityModel, estimate
from sampling.smoothing import between_variance, shrunk
from synthetic_data.generate import generate_pool, margins_object, population_margins

CRITERIA = ("gender", "age", "education", "urban_rural", "region", "literacy")


@cache
def _france(seed: int) -> tuple[Pool, np.ndarray, dict[str, dict[str, float]]]:
    """France, 2,000 volunteers: six overseas regions and 'cannot read' under 50 each."""
    margins = {f: dict(population_margins("FR")[f]) for f in CRITERIA}
    frame = generate_pool("FR", 2000, seed, pii=False, truth=True)
    quotas = quotas_from_margins(margins_object(margins), 100, tolerance_points=5)
    pool = Pool.build(list(frame["id"]), frame[list(CRITERIA)], quotas, list(frame["household"]))
    return pool, frame["true_propensity"].to_numpy(dtype=float), margins


def _spread(truth: np.ndarray, estimate: np.ndarray) -> float:
    error = np.log(truth) - np.log(estimate)
    return float(np.exp(error.max() - error.min()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_smoothing_names_the_small_categories_and_keeps_the_others_margins(seed: int) -> None:
    pool, _, margins = _france(seed)
    found = estimate(pool, PropensityModel(margins))
    (warning,) = [w for w in found.warnings if w.code == "propensity_smoothed"]
    weights = 1.0 / found.values
    small = []
    for f, feature in enumerate(pool.features):
        counts = np.bincount(pool.matrix[:, f], minlength=len(pool.values[f]))
        supported = [c for c, n in enumerate(counts) if n >= SMALL_SUPPORT]
        small += [
            f"{feature} = {pool.values[f][c]} ({n})"
            for c, n in enumerate(counts)
            if 0 < n < SMALL_SUPPORT
        ]
        share = {c: weights[pool.matrix[:, f] == c].sum() for c in supported}
        census = {c: margins[feature][pool.values[f][c]] for c in supported}
        for c in supported:  # shares among the well-supported categories: exact
            got = share[c] / sum(share.values())
            assert got == pytest.approx(census[c] / sum(census.values()), abs=1e-9)
            if len(supported) == len(counts):  # no small category: the share itself
                assert share[c] / weights.sum() == pytest.approx(census[c], abs=1e-9)
    assert small and warning.params["categories"] == ", ".join(small)
    assert warning.params["count"] == len(small) and warning.params["limit"] == SMALL_SUPPORT


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_smoothing_brings_the_estimate_closer_to_the_truth(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool, truth, margins = _france(seed)
    smoothed = _spread(truth, estimate(pool, PropensityModel(margins)).values)
    monkeypatch.setattr("sampling.smoothing.SMALL_SUPPORT", 0)  # every category raked alone
    raw = estimate(pool, PropensityModel(margins))
    assert not any(w.code == "propensity_smoothed" for w in raw.warnings)
    assert smoothed < 0.8 * _spread(truth, raw.values)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-3, 3), st.integers(1, 400)), min_size=2, max_size=12).map(
        lambda rows: (np.array([e for e, _ in rows]), np.array([n for _, n in rows], float))
    )
)
def test_a_small_category_moves_towards_the_mean_and_never_past_it(
    rows: tuple[np.ndarray, np.ndarray],
) -> None:
    effects, counts = rows
    small = counts < SMALL_SUPPORT
    assume(small.any())
    out, tau2, centre = shrunk(effects, counts, small)
    trusted = ~small if (~small).any() else np.ones_like(small)
    assert centre == pytest.approx(float(np.average(effects[trusted], weights=counts[trusted])))
    assert tau2 >= 0
    assert np.array_equal(out[~small], effects[~small])
    moved, before = out[small] - centre, effects[small] - centre
    assert np.all(np.abs(moved) <= np.abs(before) + 1e-12)
    assert np.all(moved * before >= -1e-12)  # on the same side of the mean


def test_no_spread_beyond_the_noise_means_full_shrinkage() -> None:
    # four categories whose log-factors differ less than their counts' noise
    effects, counts = np.array([0.0, 0.04, -0.04, 0.3]), np.array([400.0, 400.0, 400.0, 5.0])
    assert between_variance(effects, counts) == 0.0
    out, tau2, centre = shrunk(effects, counts, counts < SMALL_SUPPORT)
    assert tau2 == 0.0 and out[3] == pytest.approx(centre) and centre == pytest.approx(0.0)
    # categories that truly differ keep most of a small category's own estimate
    wide = np.array([-1.0, 0.0, 1.0, 2.0])
    assert between_variance(wide, counts) > 0.5
    kept, _, _ = shrunk(wide, counts, counts < SMALL_SUPPORT)
    assert 1.5 < kept[3] < 2.0
    # a wild small category does not widen its own prior: tau² comes from the others
    wild = np.array([0.0, 0.04, -0.04, 9.0])
    assert shrunk(wild, counts, counts < SMALL_SUPPORT)[1] == 0.0


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, SMALL_SUPPORT - 1),
    st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3),
)
def test_well_supported_categories_keep_their_margins_on_any_pool(
    seed: int, rare: int, raw: list[float]
) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    region = np.array(["north"] * 200 + ["south"] * (200 - rare) + ["isle"] * rare)
    frame = pd.DataFrame(
        {
            "gender": rng.choice(["f", "m"], n),
            "age": rng.choice(["young", "old"], n),
            "region": region,
        }
    )
    assume(frame["gender"].value_counts().min() >= SMALL_SUPPORT)
    assume(frame["age"].value_counts().min() >= SMALL_SUPPORT)
    shares = np.array(raw) / sum(raw)
    margins = {
        "gender": {"f": 0.5, "m": 0.5},
        "age": {"young": 0.4, "old": 0.6},
        "region": dict(zip(["north", "south", "isle"], shares.tolist(), strict=True)),
    }
    quotas = quota_table([(f, v, 0, n) for f, values in margins.items() for v in values])
    pool = Pool.build([f"p{i}" for i in range(n)], frame, quotas)
    found = estimate(pool, PropensityModel(margins))
    codes = [w.code for w in found.warnings]
    assert "propensity_smoothed" in codes
    assume("propensity_not_converged" not in codes)  # margins this pool cannot meet
    weights = 1.0 / found.values  # in pool order
    column = {f: np.array(pool.values[j])[pool.matrix[:, j]] for j, f in enumerate(pool.features)}
    total = weights.sum()
    for feature in ("gender", "age"):  # no small category: the census shares exactly
        for value, share in margins[feature].items():
            got = weights[column[feature] == value].sum() / total
            assert got == pytest.approx(share, abs=1e-8)
    north = weights[column["region"] == "north"].sum()
    south = weights[column["region"] == "south"].sum()
    assert north / south == pytest.approx(shares[0] / shares[1], rel=1e-8)  # relative: exact
