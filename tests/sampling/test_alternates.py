"""Alternates: households, reproducibility, drop-out rates, and optimised beating scaled."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from quotas.problems import InvalidInput, KleroError
from sampling.alternates.dropouts import (
    DropoutSample,
    Layout,
    dropout_rates,
    expected_deviation,
)
from sampling.alternates.programs import best_refill
from sampling.alternates.select import Alternates, select_alternates
from sampling.engine.legacy import legacy_panel
from sampling.names import AlternatesMethod
from synthetic_data.instances import InstanceParams
from tests.sampling.conftest import benchmark_pool


def grid_pool(n: int, seed: int, households: bool = False) -> tuple[Pool, QuotaTable, list[str]]:
    """n people over gender x age x region; a 20-seat panel sitting on the minimums."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "gender": rng.choice(["f", "m"], n),
            "age": rng.choice(["young", "middle", "old"], n, p=[0.3, 0.35, 0.35]),
            "region": rng.choice(["north", "south"], n),
        }
    )
    quotas = quota_table(
        [
            ("gender", "f", 9, 11),
            ("gender", "m", 9, 11),
            ("age", "young", 6, 8),
            ("age", "middle", 6, 8),
            ("age", "old", 6, 8),
            ("region", "north", 9, 11),
            ("region", "south", 9, 11),
        ]
    )
    keys = [f"h{i // 2}" if households and i % 3 else None for i in range(n)]
    pool = Pool.build([f"v{i:03d}" for i in range(n)], frame, quotas, keys)
    rows = legacy_panel(pool, quotas, 20, np.random.default_rng(seed))
    return pool, quotas, [pool.ids[r] for r in rows]


def household_clash(pool: Pool, ids: list[str]) -> bool:
    h = pool.household[[pool.index_of(i) for i in ids]]
    h = h[h >= 0]
    return len(np.unique(h)) < len(h)


@pytest.mark.parametrize("method", list(AlternatesMethod))
def test_no_alternate_shares_a_household_with_the_panel_or_another(
    method: AlternatesMethod,
) -> None:
    pool, quotas, panel = grid_pool(120, seed=1, households=True)
    result = select_alternates(pool, quotas, panel, 8, method=method, scenarios=100, seed=2)
    assert len(result.ids) == 8 == len(set(result.ids))
    assert not set(result.ids) & set(panel)
    assert not household_clash(pool, [*panel, *result.ids])
    assert [a.rank for a in result.alternates] == list(range(1, 9))


@pytest.mark.parametrize("method", list(AlternatesMethod))
def test_same_seed_same_alternates(method: AlternatesMethod) -> None:
    pool, quotas, panel = grid_pool(150, seed=3)
    first = select_alternates(pool, quotas, panel, 5, method=method, scenarios=100, seed=7)
    again = select_alternates(pool, quotas, panel, 5, method=method, scenarios=100, seed=7)
    assert first == again
    assert first.to_frame().equals(again.to_frame())


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_optimised_beats_scaled_on_a_common_sample(seed: int) -> None:
    pool, quotas, panel = grid_pool(150, seed=seed)
    deviations = {}
    for method in (AlternatesMethod.SCALED, AlternatesMethod.OPTIMISED):
        chosen = select_alternates(pool, quotas, panel, 5, method=method, scenarios=200, seed=seed)
        deviations[method] = expected_deviation(
            pool, quotas, panel, chosen.ids, sample=DropoutSample(scenarios=200, seed=seed)
        )
        assert deviations[method] == pytest.approx(chosen.expected_deviation)
    none = expected_deviation(
        pool, quotas, panel, [], sample=DropoutSample(scenarios=200, seed=seed)
    )
    optimised, scaled = deviations[AlternatesMethod.OPTIMISED], deviations[AlternatesMethod.SCALED]
    assert optimised <= scaled <= none


def test_optimised_beats_scaled_on_a_benchmark_instance() -> None:
    params = InstanceParams(600, 60)
    pool, quotas, size = benchmark_pool(params, seed=4)
    panel = [pool.ids[r] for r in legacy_panel(pool, quotas, size, np.random.default_rng(4))]
    rates = {("*", "*"): 0.15, ("age", "16-24"): 0.25}
    found = {
        m: select_alternates(pool, quotas, panel, 6, method=m, dropout=rates, scenarios=200, seed=5)
        for m in (AlternatesMethod.SCALED, AlternatesMethod.OPTIMISED)
    }
    common = {
        m: expected_deviation(pool, quotas, panel, a.ids, sample=DropoutSample(rates, 200, 5))
        for m, a in found.items()
    }
    assert common[AlternatesMethod.OPTIMISED] <= common[AlternatesMethod.SCALED]
    assert not household_clash(pool, [*panel, *found[AlternatesMethod.OPTIMISED].ids])


def test_young_dropping_out_more_brings_more_young_alternates() -> None:
    young = []
    for rates in (0.15, {("*", "*"): 0.1, ("age", "young"): 0.5}):
        total = 0
        for seed in range(3):
            pool, quotas, panel = grid_pool(150, seed=seed)
            chosen = select_alternates(pool, quotas, panel, 6, dropout=rates, scenarios=200, seed=1)
            total += sum(dict(a.values)["age"] == "young" for a in chosen.alternates)
        young.append(total)
    assert young[1] > young[0]


def test_rates_by_category_take_the_largest_and_default_to_the_base() -> None:
    pool, quotas, _ = grid_pool(60, seed=0)
    rates = dropout_rates(pool, quotas, {("Age", "Young"): 0.3, ("gender", "m"): 0.2})
    frame = pool.frame()
    expected = np.where(frame["age"] == "young", 0.3, np.where(frame["gender"] == "m", 0.2, 0.15))
    assert np.allclose(rates, expected)
    base = dropout_rates(pool, quotas, {("*", "*"): 0.05, ("gender", "m"): 0.2})
    assert set(np.round(base, 6).tolist()) == {0.05, 0.2}


def test_frame_lists_rank_id_features_and_what_each_is_best_for() -> None:
    pool, quotas, panel = grid_pool(150, seed=5)
    result = select_alternates(pool, quotas, panel, 4, scenarios=100, seed=0)
    frame = result.to_frame()
    assert list(frame.columns) == ["rank", "id", "gender", "age", "region", "best_for", "call_rate"]
    assert frame["rank"].tolist() == [1, 2, 3, 4]
    assert all(t == "any vacancy" or t.startswith("a vacancy in ") for t in frame["best_for"])
    json.dumps(result.to_dict())
    assert isinstance(result, Alternates) and result.method == "optimised"
    assert result.expected_deviation <= result.without_alternates


def test_rank_one_is_the_best_single_alternate_of_the_list() -> None:
    pool, quotas, panel = grid_pool(150, seed=6)
    result = select_alternates(pool, quotas, panel, 4, scenarios=150, seed=0)
    alone = [
        expected_deviation(pool, quotas, panel, [i], sample=DropoutSample(scenarios=150))
        for i in result.ids
    ]
    assert alone[0] == min(alone)


def test_errors_are_reported_with_codes() -> None:
    pool, quotas, panel = grid_pool(40, seed=0)
    bad_counts: tuple[Any, ...] = (0, -1, 2.5, True)
    for count in bad_counts:
        with pytest.raises(KleroError) as info:
            select_alternates(pool, quotas, panel, count)
        assert info.value.code == "alternates_count_invalid"
    with pytest.raises(KleroError) as info:
        select_alternates(pool, quotas, panel, 21)
    assert info.value.code == "alternates_count_too_large"
    unknown: Any = "best"
    with pytest.raises(KleroError) as info:
        select_alternates(pool, quotas, panel, 2, method=unknown)
    assert info.value.code == "alternates_method_unknown"
    with pytest.raises(InvalidInput) as bad:
        select_alternates(pool, quotas, [*panel, "ghost", panel[0]], 2)
    assert sorted(p.code for p in bad.value.problems) == [
        "alternates_id_repeated",
        "alternates_id_unknown",
    ]
    with pytest.raises(InvalidInput) as bad:
        select_alternates(
            pool, quotas, panel, 2, dropout={("age", "ancient"): 0.2, ("age", "young"): 2}
        )
    assert sorted(p.code for p in bad.value.problems) == [
        "dropout_category_unknown",
        "dropout_rate_invalid",
    ]
    with pytest.raises(KleroError) as info:
        select_alternates(pool, quotas, panel, 2, scenarios=0)
    assert info.value.code == "selection_setting_invalid"
    with pytest.raises(InvalidInput) as bad:
        expected_deviation(pool, quotas, panel, [panel[0]])
    assert bad.value.code == "alternates_on_panel"


@pytest.mark.parametrize(
    ("settings", "name"), [({"seed": -1}, "seed"), ({"scenarios": 0}, "scenarios")]
)
def test_a_dropout_sample_is_checked_when_made(settings: dict[str, Any], name: str) -> None:
    with pytest.raises(KleroError) as info:
        DropoutSample(**settings)
    assert info.value.code == "selection_setting_invalid"
    assert info.value.params["name"] == name
    numpy_int: Any = np.int64(7)  # as numpy code may pass it
    sample = DropoutSample(scenarios=numpy_int, seed=numpy_int)
    assert (type(sample.scenarios), type(sample.seed)) == (int, int)


def test_no_drop_outs_means_no_deviation_for_a_feasible_panel() -> None:
    pool, quotas, panel = grid_pool(80, seed=2)
    assert expected_deviation(pool, quotas, panel, [], sample=DropoutSample(0.0, 10)) == 0.0
    everyone_leaves = expected_deviation(pool, quotas, panel, [], sample=DropoutSample(1.0, 3))
    assert everyone_leaves == pytest.approx(sum(q.min for q in quotas) / 20)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=4, max_size=4),
    st.lists(st.integers(0, 3), min_size=3, max_size=6),
    st.integers(0, 6),
)
def test_best_refill_is_exact(base: list[int], picks: list[int], m: int) -> None:
    q = quota_table([("a", "x", 2, 3), ("a", "y", 2, 3), ("b", "u", 1, 4), ("b", "w", 1, 2)])
    kinds = np.array([[1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 1]])
    layout = Layout(q.categories, np.array([2, 2, 1, 1]), np.array([3, 3, 4, 2]), kinds)
    people = kinds[picks]
    m = min(m, len(picks))
    brute = min(
        int(layout.deviation(np.array(base) + people[list(c)].sum(axis=0)))
        for c in itertools.combinations(range(len(picks)), m)
    )
    vectors, group = np.unique(people, axis=0, return_inverse=True)
    caps = np.bincount(group.reshape(-1), minlength=len(vectors))
    dev, take = best_refill(layout, np.array(base), vectors, caps, m)
    assert dev == brute
    assert int(take.sum()) == m and np.all(take <= caps)
