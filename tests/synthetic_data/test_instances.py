"""Benchmark instance families."""

from __future__ import annotations

import pytest

from quotas.feasibility import check_feasibility
from quotas.pool import Pool
from quotas.problems import InvalidInput
from synthetic_data.instances import FAMILIES, InstanceParams, benchmark_instance, scaled


@pytest.mark.parametrize("name", [n for n in FAMILIES if FAMILIES[n].pool_size <= 10_000])
def test_family_shape_and_feasibility(name: str) -> None:
    params = FAMILIES[name]
    pool, margins, quotas, size = benchmark_instance(name, seed=1)
    assert (len(pool), size) == (params.pool_size, params.panel_size)
    assert quotas.features == params.features == tuple(margins.features)
    assert all(2 <= len(quotas.values(f)) <= 6 for f in quotas.features)
    people = Pool.build(
        list(pool["id"]), pool[list(quotas.features)], quotas, list(pool["household"])
    )
    assert people.size == params.pool_size
    result = check_feasibility(
        pool[list(quotas.features)],
        quotas,
        size,
        households=list(pool["household"]),
        explain=False,
        relax=False,
    )
    assert result.feasible


def test_instances_are_reproducible_and_seed_dependent() -> None:
    first = benchmark_instance("small", seed=4)
    assert first[0].equals(benchmark_instance("small", seed=4)[0])
    assert not first[0].equals(benchmark_instance("small", seed=5)[0])


def test_custom_parameters_and_scaling() -> None:
    params = InstanceParams(800, 40, ("gender", "education", "household_size"), 3.0, 0.0, "KE")
    pool, _, quotas, size = benchmark_instance(params, seed=2)
    assert len(pool) == 800 and size == 40 and len(quotas.features) == 3
    assert scaled("online", 5_000, 100).features == FAMILIES["online"].features


def test_unknown_family_and_feature() -> None:
    with pytest.raises(InvalidInput) as caught:
        benchmark_instance("huge", seed=1)
    assert caught.value.code == "synth_family_unknown" and "small" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        benchmark_instance(InstanceParams(100, 10, ("gender", "income")), seed=1)
    assert caught.value.code == "synth_extra_feature_unknown"
