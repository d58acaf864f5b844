"""The integer program for alternates and the deviation floor, against brute force."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from quotas.model import quota_table
from quotas.pool import Pool
from sampling.alternates.bound import deviation_floor, list_expectation
from sampling.alternates.dropouts import (
    DropoutSample,
    Layout,
    dropout_rates,
    eligible_rows,
    person_uniforms,
)
from sampling.alternates.expected import expected_total, solve_expected
from sampling.alternates.mip import solve_counts
from sampling.alternates.search import optimise
from sampling.alternates.select import select_alternates
from sampling.names import AlternatesSearch
from tests.sampling.test_alternates import grid_pool, household_clash

QUOTAS = quota_table(
    [("a", "x", 2, 3), ("a", "y", 1, 2), ("b", "u", 1, 2), ("b", "v", 2, 3), ("b", "w", 0, 1)]
)
LAYOUT = Layout(
    QUOTAS.categories,
    np.array([2, 1, 1, 2, 0]),
    np.array([3, 2, 2, 3, 1]),
    np.zeros((0, 2), dtype=np.int64),
)
TYPES = np.array([[0, 2], [0, 3], [0, 4], [1, 2], [1, 3], [1, 4]])  # category numbers


def vectors_of(types: np.ndarray) -> np.ndarray:
    out = np.zeros((len(types), LAYOUT.n_categories), dtype=np.int64)
    out[np.arange(len(types))[:, None], types] = 1
    return out


def brute_deviation(remaining: np.ndarray, vac: int, vectors: np.ndarray, avail: list[int]) -> int:
    """Deviation after calling min(vac, available) people, the best way (enumeration)."""
    called = min(vac, sum(avail))
    best = None
    for take in itertools.product(*[range(a + 1) for a in avail]):
        if sum(take) == called:
            dev = int(LAYOUT.deviation(remaining + np.asarray(take) @ vectors))
            best = dev if best is None else min(best, dev)
    assert best is not None
    return best


def brute_objective(
    remaining: np.ndarray, vacancies: np.ndarray, vectors: np.ndarray, answers: np.ndarray, n: tuple
) -> int:
    return sum(
        brute_deviation(
            remaining[s],
            int(vacancies[s]),
            vectors,
            [int(answers[t, s, n[t]]) for t in range(len(n))],
        )
        for s in range(remaining.shape[0])
    )


@pytest.mark.parametrize("seed", range(8))
def test_program_finds_the_least_sampled_deviation_of_all_lists(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scenarios, count = 12, 3
    remaining = rng.integers(0, 4, size=(scenarios, LAYOUT.n_categories))
    vacancies = rng.integers(0, 5, size=scenarios)  # some below count: the refill chooses
    vectors = vectors_of(TYPES)
    slots = (
        rng.random((len(TYPES), scenarios, count))
        >= rng.choice([0.1, 0.4], len(TYPES))[:, None, None]
    )
    answers = np.concatenate(
        [np.zeros((len(TYPES), scenarios, 1), dtype=np.int64), np.cumsum(slots, axis=2)], axis=2
    )
    caps = rng.integers(1, count + 1, size=len(TYPES))
    lists = [n for n in itertools.product(*[range(int(c) + 1) for c in caps]) if sum(n) == count]
    values = {n: brute_objective(remaining, vacancies, vectors, answers, n) for n in lists}
    worst = max(lists, key=lambda n: (values[n], n))
    result = solve_counts(
        LAYOUT, remaining, vacancies, vectors, answers, caps, np.asarray(worst), seed=seed
    )
    assert result.taken is not None and result.optimal
    found = tuple(int(v) for v in result.taken)
    assert found in values  # count alternates, within the caps
    assert values[found] == min(values.values())
    assert result.objective == pytest.approx(values[found])
    assert result.bound <= values[found] + 1e-6


def exact_expected(
    layout: Layout, remaining: np.ndarray, vacancies: np.ndarray, alt: np.ndarray, answer: list
) -> float:
    """Mean over scenarios of the deviation, exact over which alternates answer."""
    total = 0.0
    for pattern in itertools.product([0, 1], repeat=len(answer)):
        p = float(np.prod([a if on else 1 - a for on, a in zip(pattern, answer, strict=True)]))
        here = alt[[j for j, on in enumerate(pattern) if on]]
        for s in range(remaining.shape[0]):
            called = min(int(vacancies[s]), len(here))
            best = min(
                int(layout.deviation(remaining[s] + here[list(c)].sum(axis=0)))
                for c in itertools.combinations(range(len(here)), called)
            )
            total += p * best
    return total / remaining.shape[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_floor_is_below_every_list_of_alternates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.choice(["x", "y"], 14), "b": rng.choice(["u", "v", "w"], 14)})
    pool = Pool.build([f"p{i}" for i in range(14)], frame, QUOTAS)
    panel_rows = [int(r) for r in rng.choice(14, 5, replace=False)]
    panel = [pool.ids[r] for r in panel_rows]
    dropout = {("*", "*"): 0.3, ("a", "y"): 0.5}
    scenarios, count = 6, 2
    sample = DropoutSample(dropout, scenarios)
    floor = deviation_floor(pool, QUOTAS, panel, count, sample=sample)
    layout = Layout.of(pool, QUOTAS)
    rates = dropout_rates(pool, QUOTAS, dropout)
    rows = np.asarray(sorted(panel_rows))
    dropped = person_uniforms(0, rows, scenarios) < rates[rows][None, :]
    remaining = layout.counts(rows)[None, :] - dropped.astype(np.int64) @ layout.indicator(rows)
    every = [
        exact_expected(
            layout,
            remaining,
            dropped.sum(axis=1),
            layout.indicator(list(c)),
            [1 - float(rates[r]) for r in c],
        )
        / len(rows)
        for c in itertools.combinations(eligible_rows(pool, rows.tolist()).tolist(), count)
    ]
    assert 0.0 < floor <= min(every) + 1e-12
    lists = itertools.combinations(eligible_rows(pool, rows.tolist()).tolist(), count)
    for c, value in zip(lists, every, strict=True):
        got, exact = list_expectation(pool, QUOTAS, panel, [pool.ids[r] for r in c], sample=sample)
        assert exact and got == pytest.approx(value)


@pytest.mark.parametrize("seed", range(6))
def test_exact_program_finds_the_least_expected_deviation_of_all_lists(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scenarios, count = 10, 3
    remaining = rng.integers(0, 4, size=(scenarios, LAYOUT.n_categories))
    vectors = vectors_of(TYPES)
    rates = rng.choice([0.1, 0.3, 0.6], len(TYPES))
    caps = rng.integers(0, count + 1, size=len(TYPES))
    caps[0] = count  # at least one list exists

    def expected(n: tuple) -> float:  # enumerate how many of each type answer
        total = 0.0
        for answered in itertools.product(*[range(k + 1) for k in n]):
            p = 1.0
            for k, a, r in zip(n, answered, rates, strict=True):
                p *= math.comb(k, a) * (1 - r) ** a * r ** (k - a)
            seats = remaining + np.asarray(answered) @ vectors
            total += p * float(LAYOUT.deviation(seats).sum())
        return total

    lists = [n for n in itertools.product(*[range(int(c) + 1) for c in caps]) if sum(n) == count]
    values = {n: expected(n) for n in lists}
    result = solve_expected(LAYOUT, remaining, vectors, rates, caps, count, seed=seed)
    assert result is not None and result.taken is not None and result.optimal
    found = tuple(int(v) for v in result.taken)
    assert values[found] == pytest.approx(min(values.values()))
    assert result.objective == pytest.approx(values[found])
    assert expected_total(LAYOUT, remaining, vectors, rates, result.taken) == pytest.approx(
        values[found]
    )


def test_default_search_picks_the_best_list_in_exact_expectation() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.choice(["x", "y"], 24), "b": rng.choice(["u", "v", "w"], 24)})
    pool = Pool.build([f"p{i}" for i in range(24)], frame, QUOTAS)
    panel = [pool.ids[r] for r in range(6)]
    dropout = {("*", "*"): 0.5, ("a", "y"): 0.7}
    scenarios, count = 8, 2
    sample = DropoutSample(dropout, scenarios)
    rows = np.arange(6)
    rates = dropout_rates(pool, QUOTAS, dropout)
    vacancies = (person_uniforms(0, rows, scenarios) < rates[rows]).sum(axis=1)
    assert (vacancies >= count).all()  # every scenario calls all who answer
    chosen = select_alternates(pool, QUOTAS, panel, count, dropout=dropout, scenarios=scenarios)
    every = [
        list_expectation(pool, QUOTAS, panel, [pool.ids[r] for r in c], sample=sample)[0]
        for c in itertools.combinations(range(6, 24), count)
    ]
    best = list_expectation(pool, QUOTAS, panel, list(chosen.ids), sample=sample)[0]
    assert best == pytest.approx(min(every))
    assert min(every) < max(every)  # the choice matters
    floor = deviation_floor(pool, QUOTAS, panel, count, sample=sample)
    assert floor == pytest.approx(best)


def test_mip_search_never_loses_to_swap_and_names_people_by_the_household_rule() -> None:
    pool, quotas, panel = grid_pool(120, seed=1, households=True)
    layout = Layout.of(pool, quotas)
    rows = np.asarray(sorted(pool.index_of(i) for i in panel))
    rates = dropout_rates(pool, quotas, 0.2)
    eligible = eligible_rows(pool, rows.tolist())
    found = optimise(pool, layout, rows, eligible, rates, 4, scenarios=40, seed=3, solver="mip")
    assert found.bound is not None and found.bound <= found.final + 1e-6
    assert found.swap is not None and found.final <= found.swap
    assert len(found.rows) == 4
    ids = [pool.ids[r] for r in found.rows]
    assert not household_clash(pool, [*panel, *ids])
    with_mip = select_alternates(
        pool, quotas, panel, 4, scenarios=40, seed=3, search=AlternatesSearch.MIP
    )
    assert not household_clash(pool, [*panel, *with_mip.ids])
    assert with_mip.settings["search"] == "mip"


SCRIPT = """
import json, sys
from tests.sampling.test_alternates import grid_pool
from sampling.alternates.select import select_alternates
pool, quotas, panel = grid_pool(150, seed=4)
print(json.dumps(list(select_alternates(pool, quotas, panel, 5, scenarios=30, seed=9,
                                         search=sys.argv[1]).ids)))
"""


@pytest.mark.parametrize("search", [AlternatesSearch.EXPECTED, AlternatesSearch.MIP])
def test_same_seed_gives_the_same_list_in_another_process(search: AlternatesSearch) -> None:
    pool, quotas, panel = grid_pool(150, seed=4)
    here = select_alternates(pool, quotas, panel, 5, scenarios=30, seed=9, search=search)
    again = select_alternates(pool, quotas, panel, 5, scenarios=30, seed=9, search=search)
    assert here == again
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, search], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == list(here.ids)
