"""A floor under the expected quota deviation that no list of alternates can go below.

For a panel and sampled drop-out scenarios (the same ones as ``dropouts.simulate`` with
the same seed), ``deviation_floor`` is at most the expected deviation after the best
refill of *any* list of ``count`` alternates drawn from the people who may be alternates,
the expectation being over which alternates answer. Why, scenario by scenario:

1. The refill calls exactly ``n = min(vacancies, alternates who answer)`` people.
2. Feature by feature, those n people add n seats to the feature's categories. The
   cheapest way to place them is greedy (each category's deviation is convex in its
   seats: -1 per seat up to the minimum, 0 up to the maximum, then +1), so feature f
   keeps at least ``dev_f - min(n, U_f) + max(0, n - U_f - R_f)`` where ``U_f`` counts
   the seats missing and ``R_f`` the free seats up to the maxima. Summed over features.
3. One person lowers the deviation by at most ``G`` = the largest number, over the types
   that may be alternates, of its categories below the minimum minus those at or above
   the maximum (adding people only shrinks that number), so at least ``dev - n * G``.
4. The floor of a scenario is the larger of 2 and 3 (and 0), made non-increasing in the
   number who answer by taking the smallest value over ``n' <= n``. Each alternate
   answers with probability at most ``p = 1 - (smallest drop-out rate among them)``,
   independently of the panel, so the number who answer is stochastically smaller than
   Binomial(count, p) and the binomial expectation of a non-increasing floor is a floor.

It ignores that one list must serve every scenario (a different list could be ideal in
each), so the best list usually stays well above it; when even the floor is close to a
method's deviation, no list can do much better than that method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from quotas.model import QuotaTable
from sampling.dropouts import (
    DEFAULT_DROPOUT,
    DropoutSpec,
    Layout,
    check_scenarios,
    check_seed,
    dropout_rates,
    eligible_rows,
    panel_rows,
    person_uniforms,
)
from sampling.pool import Pool


def deviation_floor(
    pool: Pool,
    quotas: QuotaTable,
    panel: Sequence[str],
    count: int,
    *,
    dropout: DropoutSpec = DEFAULT_DROPOUT,
    scenarios: int = 500,
    seed: int = 0,
) -> float:
    """Expected deviation per seat below which no ``count`` alternates can go (see above).

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(list("abcd"), pd.DataFrame({"g": list("fmfm")}), q)
    >>> deviation_floor(pool, q, ["a", "b"], 2, dropout=0.0)
    0.0
    """
    rows = panel_rows(pool, panel)
    layout = Layout.of(pool, quotas)
    rates = dropout_rates(pool, quotas, dropout)
    seed, scenarios = check_seed(seed), check_scenarios(scenarios)
    panel_arr = np.asarray(rows, dtype=np.int64)
    dropped = person_uniforms(seed, panel_arr, scenarios) < rates[panel_arr][None, :]
    remaining = layout.counts(panel_arr)[None, :] - dropped.astype(np.int64) @ layout.indicator(
        panel_arr
    )
    eligible = eligible_rows(pool, rows)
    if eligible.size == 0 or count <= 0:
        return float(layout.deviation(remaining).mean()) / len(rows)
    types = np.unique(layout.cat_of[eligible], axis=0)  # category numbers of each type
    vectors = np.zeros((types.shape[0], layout.n_categories), dtype=np.int64)
    vectors[np.arange(types.shape[0])[:, None], types] = 1
    floors = scenario_floors(layout, remaining, dropped.sum(axis=1), vectors, count)
    answer = 1.0 - float(rates[eligible].min())
    weights = np.asarray(
        [math.comb(count, a) * answer**a * (1 - answer) ** (count - a) for a in range(count + 1)]
    )
    return float(floors.mean(axis=0) @ weights) / len(rows)


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
