"""A floor under the expected quota deviation that no list of alternates can go below.

For a panel and sampled drop-out scenarios (the same ones as ``dropouts.simulate`` with
the same seed), ``deviation_floor`` is at most the expected deviation after the best
refill of *any* list of ``count`` alternates drawn from the people who may be alternates,
the expectation being over which alternates answer (each independently, at their rate).
It splits the scenarios in two:

A. Scenarios with at least ``count`` vacancies call everyone who answers. There the
   expected deviation of a list, summed over these scenarios, is exactly what the
   program of ``sampling.alternates.expected`` minimises; its proven lower bound (HiGHS
   dual bound, solved with the household rule relaxed to "at most the number of people
   of the type") is a floor for every list together.
B. In the other scenarios, scenario by scenario, for any list:
   1. the refill calls exactly ``n = min(vacancies, alternates who answer)`` people;
   2. feature by feature, those n people add n seats to the feature's categories; the
      cheapest placement is greedy (each category's deviation is convex in its seats),
      so feature f keeps at least ``dev_f - min(n, U_f) + max(0, n - U_f - R_f)``
      (``U_f`` seats missing, ``R_f`` free seats up to the maxima), summed over features;
   3. one person lowers the deviation by at most ``G``, the largest number over the
      types of its categories below the minimum minus those at or above the maximum
      (adding people only shrinks it), so at least ``dev - n * G``;
   4. the larger of 2 and 3 (and 0), made non-increasing in n, is taken in expectation
      over Binomial(count, 1 - smallest rate), which the number who answer is
      stochastically below.

Part A is (up to the solver's tolerance) the least expected deviation of any list on
those scenarios, so the floor is tight when nearly every scenario has at least ``count``
vacancies (5 or 10 alternates for panels of 100+); part B lets each scenario have its
own ideal list and is loose.

``list_expectation`` gives one list's expected deviation on the same scenarios, exact
over who answers, so that it can be compared with the floor without sampling noise.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quotas.model import QuotaTable
from quotas.pool import Pool
from sampling import portable
from sampling.alternates.dropouts import (
    DEFAULT_SAMPLE,
    DropoutSample,
    Layout,
    dropout_rates,
    eligible_rows,
    panel_rows,
    person_uniforms,
    simulate,
)
from sampling.alternates.expected import binomial, expected_total, solve_expected
from sampling.alternates.programs import best_refill

#: ``list_expectation`` enumerates answers when that takes at most this many cases.
ENUMERATE = 4096


@dataclass(frozen=True)
class _Scenarios:
    rows: list[int]
    layout: Layout
    rates: np.ndarray
    remaining: np.ndarray  # scenarios x categories: panel seats after the drop-outs
    vacancies: np.ndarray


def _scenarios(
    pool: Pool, quotas: QuotaTable, panel: Sequence[str], sample: DropoutSample
) -> _Scenarios:
    """The panel's drop-outs in each scenario, exactly as ``dropouts.simulate`` draws them."""
    rows = panel_rows(pool, panel)
    layout = Layout.of(pool, quotas)
    rates = dropout_rates(pool, quotas, sample.dropout)
    panel_arr = np.asarray(rows, dtype=np.int64)
    dropped = person_uniforms(sample.seed, panel_arr, sample.scenarios) < rates[panel_arr]
    remaining = layout.counts(panel_arr)[None, :] - dropped.astype(np.int64) @ layout.indicator(
        panel_arr
    )
    return _Scenarios(rows, layout, rates, remaining, dropped.sum(axis=1))


def _types(layout: Layout, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category rows of the types among ``rows``, a row of each, and how many of each."""
    cats, first, sizes = np.unique(
        layout.cat_of[rows], axis=0, return_index=True, return_counts=True
    )
    vectors = np.zeros((cats.shape[0], layout.n_categories), dtype=np.int64)
    vectors[np.arange(cats.shape[0])[:, None], cats] = 1
    return vectors, rows[first], sizes


def deviation_floor(
    pool: Pool,
    quotas: QuotaTable,
    panel: Sequence[str],
    count: int,
    *,
    sample: DropoutSample = DEFAULT_SAMPLE,
) -> float:
    """Expected deviation per seat below which no ``count`` alternates can go (see above).

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(list("abcd"), pd.DataFrame({"g": list("fmfm")}), q)
    >>> from sampling.alternates.dropouts import DropoutSample
    >>> deviation_floor(pool, q, ["a", "b"], 2, sample=DropoutSample(0.0))
    0.0
    """
    sc = _scenarios(pool, quotas, panel, sample)
    layout = sc.layout
    eligible = eligible_rows(pool, sc.rows)
    if eligible.size == 0 or count <= 0:
        return float(layout.deviation(sc.remaining).mean()) / len(sc.rows)
    vectors, type_rows, sizes = _types(layout, eligible)
    floors = scenario_floors(layout, sc.remaining, sc.vacancies, vectors, count)
    each = portable.matvec(
        floors, binomial(count, 1.0 - float(sc.rates[eligible].min()))
    )  # any list
    everyone = sc.vacancies >= count  # scenarios in which everyone who answers is called
    result = solve_expected(
        layout, sc.remaining[everyone], vectors, sc.rates[type_rows], sizes, count
    )
    fixed = result.bound if result is not None else 0.0
    total = float(each[~everyone].sum()) + max(fixed, float(each[everyone].sum()))
    return total / len(each) / len(sc.rows)


def list_expectation(
    pool: Pool,
    quotas: QuotaTable,
    panel: Sequence[str],
    alternates: Sequence[str],
    *,
    sample: DropoutSample = DEFAULT_SAMPLE,
) -> tuple[float, bool]:
    """Expected deviation per seat of one list, on the panel's sampled drop-outs but
    exact over which alternates answer; and whether it is exact in every scenario.

    Scenarios that call everyone who answers use ``expected_total``; the others
    enumerate how many of each type answer when that takes at most ``ENUMERATE`` cases,
    else use the sampled answers of ``dropouts.simulate`` (then the flag is False).
    """
    sc = _scenarios(pool, quotas, panel, sample)
    layout = sc.layout
    alt = np.asarray([pool.index_of(i) for i in alternates], dtype=np.int64)
    if alt.size == 0:
        return float(layout.deviation(sc.remaining).mean()) / len(sc.rows), True
    vectors, type_rows, counts = _types(layout, alt)
    everyone = sc.vacancies >= alt.size
    total = expected_total(layout, sc.remaining[everyone], vectors, sc.rates[type_rows], counts)
    choice = np.flatnonzero(~everyone)
    cases = int(np.prod(counts + 1))
    if choice.size and cases > ENUMERATE:
        sim = simulate(
            layout, sc.rows, alt.tolist(), sc.rates, scenarios=len(everyone), seed=sample.seed
        )
        return (total + float(sim.deviation[choice].sum())) / len(everyone) / len(sc.rows), False
    answer = 1.0 - sc.rates[type_rows]
    for case in itertools.product(*[range(int(n) + 1) for n in counts]) if choice.size else []:
        chances = zip(counts.tolist(), answer.tolist(), case, strict=True)
        p = float(np.prod([binomial(int(n), q)[a] for n, q, a in chances]))
        caps = np.asarray(case, dtype=np.int64)
        for s in choice.tolist():
            dev, _ = best_refill(layout, sc.remaining[s], vectors, caps, int(sc.vacancies[s]))
            total += p * dev
    return total / len(everyone) / len(sc.rows), True


def scenario_floors(
    layout: Layout,
    remaining: np.ndarray,
    vacancies: np.ndarray,
    type_vectors: np.ndarray,
    count: int,
) -> np.ndarray:
    """Floor of each scenario's deviation when ``a`` alternates answer (scenarios x count+1).

    ``remaining`` are the seats per category after the drop-outs, ``type_vectors`` the
    0/1 category rows of the types that may be alternates. Steps 1-4 of the module doc.
    """
    lo, hi = layout.lo[None, :], layout.hi[None, :]
    dev_c = np.maximum(lo - remaining, 0) + np.maximum(remaining - hi, 0)
    missing = np.maximum(lo - remaining, 0)
    free = np.maximum(hi - np.maximum(remaining, lo), 0)
    n = np.arange(count + 1)[None, :]
    by_feature = np.zeros((remaining.shape[0], count + 1), dtype=np.int64)
    features = [c.feature for c in layout.categories]
    for feature in dict.fromkeys(features):
        members = [c for c, f in enumerate(features) if f == feature]
        u = missing[:, members].sum(axis=1)[:, None]
        r = free[:, members].sum(axis=1)[:, None]
        d = dev_c[:, members].sum(axis=1)[:, None]
        by_feature += d - np.minimum(n, u) + np.maximum(0, n - u - r)
    step = (remaining < lo).astype(np.int64) - (remaining >= hi).astype(np.int64)
    best_gain = np.maximum((step @ type_vectors.T).max(axis=1), 0)[:, None]
    per_person = dev_c.sum(axis=1)[:, None] - n * best_gain
    floor = np.maximum(np.maximum(by_feature, per_person), 0)
    floor = np.minimum.accumulate(floor, axis=1)  # at most n people: the best n' <= n
    called = np.minimum(vacancies[:, None], n)  # a people answer, min(vacancies, a) called
    return np.take_along_axis(floor, called, axis=1)
