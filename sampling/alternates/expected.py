"""The best alternates for the *exact* expected deviation, by an integer program (HiGHS).

In a scenario with at least as many vacancies as alternates, everyone who answers is
called, so category c ends with ``remaining[c] + X_c`` seats, where ``X_c`` counts the
list's members of c who answer. The expected deviation is then a sum over categories of
``E[dev_c(remaining[c] + X_c)]``, and ``X_c`` is a sum of binomials that depends only on
how many members of c the list has *at each drop-out rate* (a type has one rate, since
rates are set by category). So, summed over such scenarios, the expectation over who
answers is exact, with no sampling of answers:

- integer ``n[t]``: alternates of type t (``sum n = count``, at most ``caps[t]``);
- per category c, one binary per *mix* (members of c at each rate, at most ``count`` in
  all), exactly one chosen, and the mix must match the members the ``n`` give;
- cost of a mix: the expected deviation of c summed over the scenarios, computed
  beforehand by convolving binomials.

Scenarios with fewer vacancies than alternates (the refill then chooses whom to call)
are costed as if everyone who answers were called; the caller handles them (see
``sampling.alternates.search``). Deterministic: one thread, fixed seed, node budget.
"""

from __future__ import annotations

import math

import numpy as np

from quotas.solvers import highs_optimal
from sampling import portable
from sampling.alternates.dropouts import Layout
from sampling.alternates.mip import NODE_LIMIT, Builder, MipResult
from sampling.alternates.programs import compositions

#: Skip the program (return None) when the mixes of all categories exceed this.
MIX_LIMIT = 200_000


def binomial(n: int, p: float) -> np.ndarray:
    """Probabilities of 0..n successes in n trials of probability p."""
    return np.asarray([math.comb(n, a) * p**a * (1 - p) ** (n - a) for a in range(n + 1)])


def _seat_costs(layout: Layout, remaining: np.ndarray, c: int, count: int) -> np.ndarray:
    """Deviation of category c summed over scenarios when 0..count seats are added."""
    after = remaining[:, c][:, None] + np.arange(count + 1)[None, :]
    return (np.maximum(layout.lo[c] - after, 0) + np.maximum(after - layout.hi[c], 0)).sum(axis=0)


def _mix_cost(classes: np.ndarray, mix: np.ndarray, costs: np.ndarray) -> float:
    pmf = np.ones(1)
    for rate, k in zip(classes.tolist(), mix.tolist(), strict=True):
        pmf = portable.convolve(pmf, binomial(int(k), 1.0 - rate))
    return portable.dot(pmf, costs[: pmf.size])


def expected_total(
    layout: Layout,
    remaining: np.ndarray,
    vectors: np.ndarray,
    type_rates: np.ndarray,
    taken: np.ndarray,
) -> float:
    """Exact expected deviation, summed over scenarios, if everyone who answers is called."""
    total = 0.0
    count = int(taken.sum())
    for c in range(layout.n_categories):
        members = np.flatnonzero(vectors[:, c] * taken)
        classes = np.unique(type_rates[members])
        mix = np.asarray([taken[members][type_rates[members] == r].sum() for r in classes])
        total += _mix_cost(classes, mix, _seat_costs(layout, remaining, c, count))
    return total


def solve_expected(
    layout: Layout,
    remaining: np.ndarray,
    vectors: np.ndarray,
    type_rates: np.ndarray,
    caps: np.ndarray,
    count: int,
    *,
    seed: int = 0,
    node_limit: int = NODE_LIMIT,
) -> MipResult | None:
    """Alternates per type minimising the exact expected deviation (see module doc).

    ``remaining`` (scenarios x categories): panel seats after each scenario's drop-outs;
    ``vectors`` (types x categories): the types; ``type_rates``: each type's drop-out
    rate; ``caps``: how many of each type may be chosen. None when there are too many
    mixes to write down (see ``MIX_LIMIT``).
    """
    n_types = vectors.shape[0]
    upper = np.minimum(caps, count).astype(np.int64)
    plans = []
    for c in range(layout.n_categories):
        members = np.flatnonzero(vectors[:, c] * (upper > 0))
        classes = np.unique(type_rates[members])
        room = tuple(
            int(min(count, upper[members][type_rates[members] == r].sum())) for r in classes
        )
        mixes = np.concatenate(
            [compositions(room, k) for k in range(count + 1)]
            if room
            else [np.zeros((1, 0), dtype=np.int64)]
        )
        plans.append((members, classes, mixes))
    if sum(len(p[2]) for p in plans) > MIX_LIMIT:
        return None
    m = Builder()
    n0 = m.add_cols(n_types, 0.0, 0.0, 0.0, True)
    m.upper[n0 : n0 + n_types] = upper.astype(float).tolist()
    m.add_row(np.arange(n0, n0 + n_types), np.ones(n_types), count, count)
    for c, (members, classes, mixes) in enumerate(plans):
        costs = _seat_costs(layout, remaining, c, count)
        z0 = m.add_cols(len(mixes), 0.0, 0.0, 1.0, True)
        m.cost[z0 : z0 + len(mixes)] = [_mix_cost(classes, mix, costs) for mix in mixes]
        z = np.arange(z0, z0 + len(mixes))
        m.add_row(z, np.ones(len(mixes)), 1.0, 1.0)
        for i, rate in enumerate(classes.tolist()):
            here = n0 + members[type_rates[members] == rate]
            values = np.concatenate([np.ones(here.size), -mixes[:, i].astype(float)])
            m.add_row(np.concatenate([here, z]), values, 0.0, 0.0)
    h = m.solver()
    h.setOptionValue("mip_max_nodes", int(node_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-6)
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    h.run()
    info = h.getInfo()
    found = None
    objective = float("inf")
    if info.primal_solution_status == 2:  # HiGHS holds a feasible solution
        x = np.asarray(h.getSolution().col_value)[n0 : n0 + n_types]
        found = np.round(x).astype(np.int64)
        objective = float(info.objective_function_value)
    optimal = highs_optimal(h)
    return MipResult(found, objective, float(info.mip_dual_bound), optimal)
