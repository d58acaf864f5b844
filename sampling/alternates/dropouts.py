"""Drop-outs and refills: per-person drop-out rates, sampled scenarios and quota deviation.

Shared by ``sampling.alternates.select`` (choose alternates) and
``sampling.alternates.replace`` (fill vacancies). Everything works on Pool row numbers; ids
are checked at the edge.

The *quota deviation* of a panel is the sum over categories of the seats missing below
the minimum plus the seats in excess above the maximum. After drop-outs, the *best
refill* brings in as many available alternates as there are vacancies (all of them
when there are fewer) choosing which ones so that the deviation is smallest.
The *expected quota deviation* is the mean over sampled scenarios of that deviation,
divided by the panel size k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from quotas.messages import Message
from quotas.model import Category, QuotaTable
from quotas.pool import Pool
from quotas.problems import KleroError, Problem, raise_if_errors
from sampling.alternates.programs import best_refill

#: The drop-out rate used when none is given (10-20 % is common in practice).
DEFAULT_DROPOUT = 0.15
#: Key of a rate mapping that sets the rate of people in no listed category.
BASE_KEY = ("*", "*")

DropoutSpec = float | Mapping[tuple[str, str], float]


@dataclass(frozen=True, eq=False)
class Layout:
    """Categories of a quota table flattened in pool order, with each person's categories.

    ``cat_of[i, f]`` is the category number of person ``i``'s value of feature ``f``;
    ``lo``/``hi`` are the bounds of each category.
    """

    categories: tuple[Category, ...]
    lo: np.ndarray
    hi: np.ndarray
    cat_of: np.ndarray

    @classmethod
    def of(cls, pool: Pool, quotas: QuotaTable) -> Layout:
        categories: list[Category] = []
        lo: list[int] = []
        hi: list[int] = []
        offsets = []
        for f, feature in enumerate(pool.features):
            offsets.append(len(categories))
            for value in pool.values[f]:
                a, b = quotas.bounds(feature, value)
                categories.append(Category(feature, value))
                lo.append(int(a))
                hi.append(int(b))
        offset = np.asarray(offsets, dtype=np.int64).reshape(1, -1)
        cat_of = pool.matrix.astype(np.int64) + offset
        return cls(tuple(categories), np.asarray(lo), np.asarray(hi), cat_of)

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    def indicator(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """A 0/1 matrix (people x categories) of the categories of ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.size, self.n_categories), dtype=np.int64)
        if rows.size:
            out[np.arange(rows.size)[:, None], self.cat_of[rows]] = 1
        return out

    def counts(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Seats per category of the people ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        return np.bincount(self.cat_of[rows].ravel(), minlength=self.n_categories)

    def deviation(self, counts: np.ndarray) -> np.ndarray:
        """Seats missing below min plus seats above max, summed over the last axis."""
        under = np.maximum(self.lo - counts, 0)
        over = np.maximum(counts - self.hi, 0)
        return np.asarray((under + over).sum(axis=-1))


# -- checking ids -------------------------------------------------------------------


def rows_of(pool: Pool, ids: Sequence[str], what: str, problems: list[Problem]) -> list[int]:
    """Row numbers of ``ids`` in order; unknown or repeated ids become problems.

    ``what`` names the list as the caller received it (``"panel"``, ``"dropped"``,
    ``"candidates"``, ``"alternates"``): a name shown quoted, not a word of the message.
    """
    rows: list[int] = []
    seen: set[str] = set()
    for raw in ids:
        pid = str(raw)
        if pid in seen:
            problems.append(Problem("alternates_id_repeated", {"what": what, "id": pid}))
            continue
        seen.add(pid)
        try:
            rows.append(pool.index_of(pid))
        except KeyError:
            problems.append(Problem("alternates_id_unknown", {"what": what, "id": pid}))
    return rows


def panel_rows(pool: Pool, panel: Sequence[str]) -> list[int]:
    """Sorted row numbers of a panel, or InvalidInput listing every bad id."""
    problems: list[Problem] = []
    if len(panel) == 0:
        problems.append(Problem("alternates_panel_empty"))
    rows = rows_of(pool, panel, "panel", problems)
    raise_if_errors(problems)
    return sorted(rows)


def check_seed(seed: int) -> int:
    """The seed as an int, or KleroError (seeds are non-negative whole numbers)."""
    return _whole_setting("seed", seed, 0)


def check_scenarios(scenarios: int) -> int:
    """The number of scenarios as an int, or KleroError (at least 1)."""
    return _whole_setting("scenarios", scenarios, 1)


def _whole_setting(name: str, value: int, least: int) -> int:
    """``value`` as an int when it is a whole number (not a bool) of at least ``least``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise KleroError(
            "selection_setting_invalid",
            name=name,
            value=value,
            reason=Message("setting_expects_whole", {"min": least}),
        )
    return int(value)


@dataclass(frozen=True)
class DropoutSample:
    """How drop-outs are sampled: the rates, how many scenarios, and from which seed.

    ``dropout`` is a rate for everyone or rates by category (see ``dropout_rates``); the
    same seed gives the same people the same drop-outs. Checked when made: ``scenarios``
    at least 1 and ``seed`` non-negative, both whole numbers (stored as ints), else
    KleroError ``selection_setting_invalid``.
    """

    dropout: DropoutSpec = DEFAULT_DROPOUT
    scenarios: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "scenarios", check_scenarios(self.scenarios))


#: The sample used when none is given: the default rate, 500 scenarios, seed 0.
DEFAULT_SAMPLE = DropoutSample()


def eligible_rows(pool: Pool, taken: Sequence[int]) -> np.ndarray:
    """People not in ``taken`` who share no household with anyone in it (sorted rows)."""
    mask = np.ones(pool.size, dtype=bool)
    taken_arr = np.asarray(taken, dtype=np.int64)
    mask[taken_arr] = False
    households = pool.household[taken_arr]
    households = households[households >= 0]
    if households.size:
        mask &= ~np.isin(pool.household, households)
    return np.flatnonzero(mask)


def household_capacity(pool: Pool, rows: np.ndarray) -> int:
    """How many of ``rows`` can be chosen together under the one-per-household rule."""
    h = pool.household[rows]
    return int((h < 0).sum()) + int(np.unique(h[h >= 0]).size)


# -- drop-out rates -----------------------------------------------------------------


def dropout_rates(pool: Pool, quotas: QuotaTable, dropout: DropoutSpec) -> np.ndarray:
    """Each person's drop-out probability.

    A number gives everyone that rate. A mapping ``{(feature, value): rate}`` gives a
    person the *largest* rate among their listed categories (the rates are usually
    measured per group, and the groups overlap, so multiplying them would count the same
    people twice); people in no listed category get the rate of ``("*", "*")`` if given,
    else ``DEFAULT_DROPOUT``. Raises InvalidInput listing every bad rate or category.
    """
    problems: list[Problem] = []

    def valid(rate: object, category: str) -> float:
        number = isinstance(rate, int | float) and not isinstance(rate, bool)
        if number and isinstance(rate, int | float) and math.isfinite(rate) and 0 <= rate <= 1:
            return float(rate)
        problems.append(Problem("dropout_rate_invalid", {"rate": rate, "category": category}))
        return 0.0

    if not isinstance(dropout, Mapping):
        rate = valid(dropout, "everyone")
        raise_if_errors(problems)
        return np.full(pool.size, rate)
    base = DEFAULT_DROPOUT
    listed = np.full(pool.size, -1.0)
    for key in sorted(dropout, key=lambda k: (str(k[0]), str(k[1]))):
        feature, value = str(key[0]), str(key[1])
        rate = valid(dropout[key], f"{feature} = {value}")
        if (feature, value) == BASE_KEY:
            base = rate
            continue
        name = quotas.feature_name(feature)
        found = quotas.lookup(feature, value) if name is not None else None
        if name is None or found is None or name not in pool.features:
            problems.append(
                Problem("dropout_category_unknown", {"feature": feature, "value": value})
            )
            continue
        f = pool.features.index(name)
        members = pool.matrix[:, f] == pool.values[f].index(found)
        listed[members] = np.maximum(listed[members], rate)
    raise_if_errors(problems)
    return np.where(listed >= 0, listed, base)


def person_uniforms(seed: int, rows: Sequence[int] | np.ndarray, scenarios: int) -> np.ndarray:
    """One uniform number per scenario for each person (scenarios x people).

    Each person has their own stream keyed by (seed, row), so a person's fate in a scenario
    does not depend on who else is simulated: two alternate lists are compared on the
    very same drop-outs of the panel and of the people they share.
    """
    out = np.empty((scenarios, len(rows)))
    for j, row in enumerate(np.asarray(rows, dtype=np.int64).tolist()):
        out[:, j] = np.random.default_rng([seed, 0, row]).random(scenarios)
    return out


# -- simulation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """Outcome of every scenario: deviation after the best refill and who was called.

    ``called[s, j]`` says whether alternate ``j`` (in the order given) joined the panel
    in scenario ``s``; ``short[s, c]`` whether category ``c`` was below its minimum after
    the drop-outs and before the refill.
    """

    deviation: np.ndarray
    called: np.ndarray
    short: np.ndarray
    vacancies: np.ndarray


def simulate(
    layout: Layout,
    panel: Sequence[int],
    alternates: Sequence[int],
    rates: np.ndarray,
    *,
    scenarios: int,
    seed: int,
) -> Simulation:
    """Sample drop-outs of the panel and the alternates; refill each scenario at best.

    Alternates drop out at their own rate too (an alternate may not answer the call).
    When several alternates are interchangeable, the earlier one in ``alternates`` is called.
    """
    panel_arr = np.asarray(panel, dtype=np.int64)
    alt_arr = np.asarray(alternates, dtype=np.int64)
    dropped = person_uniforms(seed, panel_arr, scenarios) < rates[panel_arr][None, :]
    available = person_uniforms(seed, alt_arr, scenarios) >= rates[alt_arr][None, :]
    remaining = layout.counts(panel_arr)[None, :] - dropped.astype(np.int64) @ layout.indicator(
        panel_arr
    )
    vacancies = dropped.sum(axis=1)
    short = remaining < layout.lo[None, :]
    alt_ind = layout.indicator(alt_arr)
    called = available.copy()
    totals = remaining + available.astype(np.int64) @ alt_ind
    deviation = layout.deviation(totals)
    choose = np.flatnonzero(available.sum(axis=1) > vacancies)
    for s in choose.tolist():
        cols = np.flatnonzero(available[s])
        vectors, first, group = np.unique(
            alt_ind[cols], axis=0, return_index=True, return_inverse=True
        )
        group = group.reshape(-1)
        caps = np.bincount(group, minlength=len(first))
        dev, take = best_refill(layout, remaining[s], vectors, caps, int(vacancies[s]))
        deviation[s] = dev
        called[s] = False
        for g in range(len(first)):
            members = cols[group == g]  # ascending position = call order
            called[s, members[: int(take[g])]] = True
    return Simulation(deviation.astype(np.int64), called, short, vacancies)


def expected_deviation(
    pool: Pool,
    quotas: QuotaTable,
    panel: Sequence[str],
    alternates: Sequence[str],
    *,
    sample: DropoutSample = DEFAULT_SAMPLE,
) -> float:
    """Expected quota deviation per seat after drop-outs and the best refill from ``alternates``.

    The mean over the scenarios of ``sample`` of the deviation, divided by the panel
    size. The same seed gives the same drop-outs to the same people, so two alternate
    lists are compared on a common sample.

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(["a", "b", "c"], pd.DataFrame({"g": ["f", "m", "m"]}), q)
    >>> expected_deviation(pool, q, ["a", "b"], ["c"], sample=DropoutSample(0.0))
    0.0
    """
    layout = Layout.of(pool, quotas)
    rows = panel_rows(pool, panel)
    problems: list[Problem] = []
    alt_rows = rows_of(pool, alternates, "alternates", problems)
    on_panel = set(rows)
    problems += [
        Problem("alternates_on_panel", {"id": pool.ids[r], "what": "alternates"})
        for r in alt_rows
        if r in on_panel
    ]
    raise_if_errors(problems)
    rates = dropout_rates(pool, quotas, sample.dropout)
    sim = simulate(layout, rows, alt_rows, rates, scenarios=sample.scenarios, seed=sample.seed)
    return float(sim.deviation.mean()) / len(rows)
