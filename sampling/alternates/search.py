"""The ``optimised`` alternates: searches on sampled drop-out scenarios of the panel.

Default (``expected``): the integer program of ``sampling.alternates.expected``, exact in
expectation over who answers wherever everyone who answers is called; where some
scenarios have fewer vacancies than alternates, the greedy/swap list below competes and
the better one on those scenarios is kept. ``swap`` and ``mip`` are described below.

Sample-average approximation: the expected deviation after drop-outs and the best refill
is estimated on ``scenarios`` sampled scenarios and minimised over *types* (distinct
feature vectors among the people who may be alternates). Only a type's feature vector
matters to the quotas, so the search chooses how many alternates of each type to keep,
then names people.

Randomness: the panel's drop-outs come from each member's own stream (as in
``dropouts.simulate``). An alternate's availability comes from a stream of its *type*:
the j-th alternate of a type answers in scenario s when ``u[type][s, j] >= rate``. Tying
availability to a slot rather than to a person keeps the search from favouring people who
happen never to drop out in the sample (an over-fit that would not survive new draws).

The greedy/swap search (``swap``): start empty and add, ``count`` times, the type that
lowers the sampled objective most; then, while it helps (at most ``MAX_PASSES``
passes), swap one alternate for the best other type. Ties go to a seeded random order
of types. Adding one alternate is evaluated for all types at once; where the refill has
a choice (more alternates available than vacancies) it stays exact: the new best is the
better of the old best and "the new alternate plus the best d-1 of the others". ``mip``
hands the swap list to the integer program of ``sampling.alternates.mip`` (same
sampled objective).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quotas.pool import Pool
from sampling.alternates.dropouts import Layout, household_capacity, person_uniforms
from sampling.alternates.expected import expected_total, solve_expected
from sampling.alternates.mip import solve_counts
from sampling.alternates.programs import best_refill, compositions, n_compositions

MAX_PASSES = 4
# Weigh every refill choice for every type when choices x types stay below this.
CHOICE_BUDGET = 400_000


@dataclass
class _Problem:
    layout: Layout
    remaining: np.ndarray  # scenarios x categories: panel seats left after drop-outs
    vacancies: np.ndarray  # scenarios
    vectors: np.ndarray  # types x categories (0/1)
    type_cats: np.ndarray  # types x features: category numbers
    answers: np.ndarray  # types x scenarios x (count + 1): available among the first j


def _panel_dropouts(
    layout: Layout, panel: np.ndarray, rates: np.ndarray, scenarios: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Seats per category left after each scenario's drop-outs, and the vacancies."""
    dropped = person_uniforms(seed, panel, scenarios) < rates[panel][None, :]
    remaining = layout.counts(panel)[None, :] - dropped.astype(np.int64) @ layout.indicator(panel)
    return remaining, dropped.sum(axis=1)


def _setup(
    pool: Pool,
    layout: Layout,
    panel: np.ndarray,
    type_rows: np.ndarray,
    rates: np.ndarray,
    count: int,
    scenarios: int,
    seed: int,
) -> _Problem:
    remaining, vacancies = _panel_dropouts(layout, panel, rates, scenarios, seed)
    answers = np.zeros((type_rows.size, scenarios, count + 1), dtype=np.int64)
    for t, row in enumerate(type_rows.tolist()):
        codes = [int(c) for c in pool.matrix[row]]
        u = np.random.default_rng([seed, 1, *codes]).random((scenarios, count))
        answers[t, :, 1:] = np.cumsum(u >= rates[row], axis=1)
    vectors = layout.indicator(type_rows)
    return _Problem(layout, remaining, vacancies, vectors, layout.cat_of[type_rows], answers)


def _state(
    prob: _Problem, taken: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """Available alternates per scenario and type, each scenario's exact deviation, and
    (where the refill had a choice) how many of each type the best refill calls."""
    scenarios = prob.answers.shape[1]
    some = np.flatnonzero(taken)  # only the types with alternates can have any available
    avail = np.zeros((scenarios, taken.size), dtype=np.int64)
    avail[:, some] = prob.answers[some, :, taken[some]].T
    totals = prob.remaining + avail[:, some] @ prob.vectors[some]
    dev = prob.layout.deviation(totals).astype(np.int64)
    called: dict[int, np.ndarray] = {}
    for s in np.flatnonzero(avail.sum(axis=1) > prob.vacancies).tolist():
        used = np.flatnonzero(avail[s])
        dev[s], take = best_refill(
            prob.layout,
            prob.remaining[s],
            prob.vectors[used],
            avail[s, used],
            int(prob.vacancies[s]),
        )
        called[s] = np.zeros(taken.size, dtype=np.int64)
        called[s][used] = take
    return avail, dev, totals, called


def _step(layout: Layout, counts: np.ndarray) -> np.ndarray:
    """Change of deviation when one more person joins each category (same shape as counts)."""
    return np.where(counts < layout.lo, -1, np.where(counts >= layout.hi, 1, 0))


def _add_values(prob: _Problem, taken: np.ndarray) -> tuple[np.ndarray, float]:
    """Sampled objective after adding one alternate of each type, and the current objective."""
    n_types = taken.size
    avail, dev, totals, called = _state(prob, taken)
    layout = prob.layout
    answers_next = prob.answers[
        np.arange(n_types), :, np.minimum(taken + 1, prob.answers.shape[2] - 1)
    ]
    answers_now = prob.answers[np.arange(n_types), :, taken]
    joins = (answers_next - answers_now).T.astype(bool)  # scenarios x types
    n_avail = avail.sum(axis=1)
    free = n_avail < prob.vacancies  # the new alternate simply fills a vacancy
    gain = _step(layout, totals)[:, prob.type_cats].sum(axis=2)  # scenarios x types
    new = np.where(joins & free[:, None], dev[:, None] + gain, dev[:, None])
    for s in np.flatnonzero(~free & (prob.vacancies > 0)).tolist():
        # Choice: keep the old best, or the new alternate plus the best d-1 of the others.
        used = np.flatnonzero(avail[s])
        caps = tuple(int(a) for a in avail[s, used])
        if n_compositions(caps, int(prob.vacancies[s]) - 1) * n_types > CHOICE_BUDGET:
            # Too many choices to weigh for every type: let the new alternate take the
            # place of one alternate of the current best refill (an upper bound, used by
            # the search only; reported deviations are always exact).
            best_now = called[s]
            options = best_now[None, used] - np.eye(len(used), dtype=np.int64)[best_now[used] > 0]
        else:
            options = compositions(caps, int(prob.vacancies[s]) - 1)
        partial = prob.remaining[s][None, :] + options @ prob.vectors[used]
        with_new = layout.deviation(partial)[:, None] + _step(layout, partial)[
            :, prob.type_cats
        ].sum(axis=2)
        best = np.minimum(dev[s], with_new.min(axis=0))
        new[s] = np.where(joins[s], best, dev[s])
    return new.sum(axis=0).astype(float), float(dev.sum())


class _People:
    """Names people for types: a seeded order within each type, one per household."""

    def __init__(self, pool: Pool, members: list[np.ndarray]) -> None:
        self.pool = pool
        self.members = members
        self.chosen: list[list[int]] = [[] for _ in members]

    def used_households(self) -> set[int]:
        return {int(self.pool.household[r]) for group in self.chosen for r in group}

    def next_person(self, t: int, used: set[int] | None = None) -> int | None:
        """The next person of type ``t`` who shares no household with a chosen one."""
        if used is None:
            used = self.used_households()
        for row in self.members[t].tolist():
            if row in self.chosen[t]:
                continue
            h = int(self.pool.household[row])
            if h < 0 or h not in used:
                return int(row)
        return None

    def rows(self) -> list[int]:
        return sorted(r for group in self.chosen for r in group)


@dataclass(frozen=True)
class Search:
    """Rows of the alternates found, with sampled objectives (sums of deviations).

    ``swap`` is the greedy/swap list's objective (None when the exact program settled
    the list alone) and ``final`` the returned list's; when the sampled integer program
    ran, ``bound`` is its proven lower bound over the types it saw and ``optimal`` says
    it closed the gap.
    """

    rows: list[int]
    swap: float | None
    final: float
    bound: float | None = None
    optimal: bool = False


def optimise(
    pool: Pool,
    layout: Layout,
    panel: np.ndarray,
    eligible: np.ndarray,
    rates: np.ndarray,
    count: int,
    *,
    scenarios: int,
    seed: int,
    solver: str = "expected",
    candidates: int | None = None,
) -> Search:
    """Choose ``count`` alternates from ``eligible`` on the sampled objective.

    ``solver="expected"`` (default): the exact-expectation program of
    ``sampling.alternates.expected``; when some scenarios have fewer vacancies than
    alternates, the greedy/swap list too, keeping the better on those scenarios' sampled
    deviations plus the others' exact expectation. ``"swap"``: greedy additions, then
    swaps. ``"mip"``: the swap list handed as a start to the sampled integer program of
    ``sampling.alternates.mip`` over all types (or the ``candidates`` types best alone,
    plus those already chosen), keeping the better.
    """
    rng = np.random.default_rng([seed, 2])
    vectors, first, group = np.unique(
        pool.matrix[eligible], axis=0, return_index=True, return_inverse=True
    )
    group = group.reshape(-1)
    members = [rng.permutation(eligible[group == t]) for t in range(len(vectors))]
    type_rows = eligible[first]
    prob = _setup(pool, layout, panel, type_rows, rates, count, scenarios, seed)
    priority = rng.permutation(len(vectors))  # tie-break: lower priority number wins
    exact: np.ndarray | None = None
    named: _People | None = None
    everyone = prob.vacancies >= count  # scenarios that call everyone who answers
    if solver == "expected":
        caps = np.asarray([household_capacity(pool, group) for group in members])
        result = solve_expected(
            layout, prob.remaining, prob.vectors, rates[type_rows], caps, count, seed=seed
        )
        exact = result.taken if result is not None else None
        named = _name(pool, members, exact) if exact is not None else None
        if exact is not None and named is not None and everyone.all():
            return Search(named.rows(), None, _objective(prob, exact))
    people = _People(pool, members)
    taken = _greedy_swap(prob, people, priority, count)
    swap = _objective(prob, taken)
    if solver == "mip" and taken.sum() == count:
        return _program(prob, people, taken, swap, seed=seed, candidates=candidates)
    if exact is not None and named is not None:
        rates_t = rates[type_rows]
        if _mixed(prob, everyone, rates_t, exact) <= _mixed(prob, everyone, rates_t, taken):
            return Search(named.rows(), swap, _objective(prob, exact))
    return Search(people.rows(), swap, swap)


def _mixed(
    prob: _Problem, everyone: np.ndarray, type_rates: np.ndarray, taken: np.ndarray
) -> float:
    """Exact expected deviation where everyone who answers is called, sampled elsewhere."""
    sampled = _state(prob, taken)[1][~everyone].sum()
    exact = expected_total(prob.layout, prob.remaining[everyone], prob.vectors, type_rates, taken)
    return float(sampled) + exact


def _name(pool: Pool, members: list[np.ndarray], taken: np.ndarray) -> _People | None:
    """People for ``taken`` alternates per type, or None if households clash across types."""
    named = _People(pool, members)
    for t in np.flatnonzero(taken).tolist():
        for _ in range(int(taken[t])):
            person = named.next_person(t)
            if person is None:
                return None
            named.chosen[t].append(person)
    return named


def _greedy_swap(prob: _Problem, people: _People, priority: np.ndarray, count: int) -> np.ndarray:
    """Alternates per type after greedy additions and swaps (names them in ``people``)."""
    n_types = len(people.members)
    taken = np.zeros(n_types, dtype=np.int64)

    def best_addition(values: np.ndarray) -> int | None:
        used = people.used_households()
        allowed = [t for t in range(n_types) if people.next_person(t, used) is not None]
        if not allowed:
            return None
        return min(allowed, key=lambda t: (round(float(values[t]), 9), int(priority[t])))

    for _ in range(count):
        values, _ = _add_values(prob, taken)
        t = best_addition(values)
        if t is None:
            break
        person = people.next_person(t)
        assert person is not None
        people.chosen[t].append(person)
        taken[t] += 1

    for _ in range(MAX_PASSES):
        improved = False
        for t_out in [t for t in range(n_types) if taken[t] > 0]:
            if taken[t_out] == 0:
                continue
            _, current = _add_values(prob, taken)
            taken[t_out] -= 1
            removed = people.chosen[t_out].pop()
            values, _ = _add_values(prob, taken)
            t_in = best_addition(values)
            if t_in is not None and values[t_in] < current - 1e-9 and t_in != t_out:
                person = people.next_person(t_in)
                assert person is not None
                people.chosen[t_in].append(person)
                taken[t_in] += 1
                improved = True
            else:
                people.chosen[t_out].append(removed)
                taken[t_out] += 1
        if not improved:
            break
    return taken


def _program(
    prob: _Problem,
    people: _People,
    taken: np.ndarray,
    swap: float,
    *,
    seed: int,
    candidates: int | None,
) -> Search:
    """Improve the greedy/swap counts with the integer program; keep the better list."""
    keep = np.arange(taken.size)
    if candidates is not None and candidates < taken.size:
        values, _ = _add_values(prob, np.zeros_like(taken))
        order = np.lexsort((np.arange(taken.size), values))
        keep = np.union1d(order[:candidates], np.flatnonzero(taken))
    caps = np.asarray([household_capacity(people.pool, people.members[t]) for t in keep])
    result = solve_counts(
        prob.layout,
        prob.remaining,
        prob.vacancies,
        prob.vectors[keep],
        prob.answers[keep],
        caps,
        taken[keep],
        seed=seed,
    )
    kept = Search(people.rows(), swap, swap, result.bound, result.optimal)
    if result.taken is None:
        return kept
    found = np.zeros_like(taken)
    found[keep] = result.taken
    final = _objective(prob, found)
    if final >= swap - 1e-9:
        return kept
    named = _name(people.pool, people.members, found)
    if named is None:  # households shared across types: keep the greedy/swap list
        return kept
    return Search(named.rows(), swap, final, result.bound, result.optimal)


def _objective(prob: _Problem, taken: np.ndarray) -> float:
    """The sampled objective (sum of deviations over scenarios) of ``taken`` alternates."""
    return float(_state(prob, taken)[1].sum())


def rank(
    layout: Layout,
    panel: np.ndarray,
    chosen: list[int],
    rates: np.ndarray,
    *,
    scenarios: int,
    seed: int,
) -> list[int]:
    """Order alternates so that each prefix lowers the expected deviation most (greedy).

    Uses each alternate's own drop-out stream, as ``dropouts.simulate`` does; ties go to
    the smaller row number.
    """
    rows = np.asarray(sorted(chosen), dtype=np.int64)
    remaining, vacancies = _panel_dropouts(layout, panel, rates, scenarios, seed)
    answers = np.zeros((rows.size, scenarios, 2), dtype=np.int64)
    answers[:, :, 1] = (person_uniforms(seed, rows, scenarios) >= rates[rows][None, :]).T
    prob = _Problem(
        layout, remaining, vacancies, layout.indicator(rows), layout.cat_of[rows], answers
    )
    taken = np.zeros(rows.size, dtype=np.int64)
    order: list[int] = []
    for _ in range(rows.size):
        values, _ = _add_values(prob, taken)
        t = min(np.flatnonzero(taken == 0).tolist(), key=lambda j: (round(float(values[j]), 9), j))
        taken[t] = 1
        order.append(int(rows[t]))
    return order
