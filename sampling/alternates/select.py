"""Alternates: a ranked list of people to call when panel members drop out.

Two methods choose them among the people not selected (none shares a household with a
panel member or with another alternate):

- ``scaled``, the practitioners' baseline: a mini-panel of ``count`` people under the
  quotas scaled by count/k (minimums rounded down, maximums up). A random-objective
  integer program picks it: every feasible mini-panel can come out, though not exactly
  uniformly. When no mini-panel meets the scaled bounds, the one with the fewest seats
  outside them is taken (ties broken by the same random weights).
- ``optimised`` (default): minimise the expected quota deviation after drop-outs and the
  best refill from the alternates, over sampled drop-out scenarios of the panel and
  (exactly, where every alternate who answers is called) over who answers (see
  ``sampling.alternates.search`` and ``sampling.alternates.expected``).

Both then rank the alternates: rank 1 is the single alternate that lowers the expected
deviation most, rank 2 the best addition to rank 1, and so on (each prefix is a good
shorter list). Each alternate is "best for" the vacancies of people who share the
categories that fall short most often when this alternate is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from quotas.model import Category, QuotaTable
from quotas.pool import Pool
from quotas.problems import KleroError
from quotas.solvers import new_cbc, solve_cbc
from sampling.alternates.dropouts import (
    DEFAULT_DROPOUT,
    DropoutSample,
    DropoutSpec,
    Layout,
    dropout_rates,
    eligible_rows,
    expected_deviation,
    household_capacity,
    panel_rows,
    simulate,
)
from sampling.alternates.programs import category_seats, deviation_slacks, one_per_household
from sampling.alternates.records import dropout_record
from sampling.alternates.search import optimise, rank
from sampling.names import AlternatesMethod, AlternatesSearch

# A category is named in "best for" when it was short in at least this share of the
# scenarios in which the alternate was called.
BEST_FOR_SHARE = 0.2
BEST_FOR_MAX = 3

__all__ = ["Alternate", "Alternates", "expected_deviation", "select_alternates"]


@dataclass(frozen=True)
class Alternate:
    """One alternate: their rank (1 = call first), id, feature values and best vacancies.

    ``best_for`` lists the alternate's categories that were short after drop-outs most
    often when they were called (empty: they fill any vacancy without breaking a quota);
    ``call_rate`` is the share of scenarios in which the best refill called them.
    """

    rank: int
    id: str
    values: tuple[tuple[str, str], ...]
    best_for: tuple[Category, ...]
    call_rate: float

    def best_for_text(self) -> str:
        """E.g. ``"a vacancy in age = 16-24, education = low"`` or ``"any vacancy"``."""
        if not self.best_for:
            return "any vacancy"
        return "a vacancy in " + ", ".join(str(c) for c in self.best_for)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (for run reports): rank, id, best vacancies and call rate."""
        best_for = [str(c) for c in self.best_for]
        return {"rank": self.rank, "id": self.id, "best_for": best_for, "call_rate": self.call_rate}


@dataclass(frozen=True)
class Alternates:
    """Ranked alternates with the method, settings and the expected quota deviation.

    ``expected_deviation`` is measured with these alternates and ``without_alternates``
    with none, on the same sampled scenarios (per seat, see ``dropouts``).
    """

    alternates: tuple[Alternate, ...]
    features: tuple[str, ...]
    method: str
    expected_deviation: float
    without_alternates: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids in rank order."""
        return tuple(a.id for a in self.alternates)

    def __len__(self) -> int:
        return len(self.alternates)

    def to_frame(self) -> pd.DataFrame:
        """The ``alternates.csv`` table: rank, id, one column per feature, best_for, call_rate."""
        rows = []
        for a in self.alternates:
            row: dict[str, Any] = {"rank": a.rank, "id": a.id}
            row.update(dict(a.values))
            row["best_for"] = a.best_for_text()
            row["call_rate"] = round(a.call_rate, 4)
            rows.append(row)
        columns = ["rank", "id", *self.features, "best_for", "call_rate"]
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for run reports)."""
        return {
            "method": self.method,
            "count": len(self.alternates),
            "expected_deviation": self.expected_deviation,
            "without_alternates": self.without_alternates,
            "settings": dict(self.settings),
            "alternates": [a.to_dict() for a in self.alternates],
        }


def select_alternates(
    pool: Pool,
    quotas: QuotaTable,
    panel: Sequence[str],
    count: int,
    *,
    method: AlternatesMethod = AlternatesMethod.OPTIMISED,
    dropout: DropoutSpec = DEFAULT_DROPOUT,
    scenarios: int = 500,
    seed: int = 0,
    search: AlternatesSearch = AlternatesSearch.EXPECTED,
) -> Alternates:
    """Choose and rank ``count`` alternates for ``panel`` from the rest of ``pool``.

    ``dropout`` is a rate for everyone or rates by category (see ``dropout_rates``);
    ``scenarios`` sampled drop-out scenarios estimate the expected deviation. The same
    inputs and seed give the same alternates. ``search`` (``optimised`` only) picks the
    search of ``sampling.alternates.search.optimise``: ``expected`` (exact expectation
    over who answers), ``swap`` (greedy and swaps) or ``mip`` (the swap list improved by
    an integer program on the sampled answers; slower).

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(list("abcd"), pd.DataFrame({"g": list("fmfm")}), q)
    >>> sorted(select_alternates(pool, q, ["a", "b"], 2, scenarios=50).to_frame()["g"])
    ['f', 'm']
    """
    method = AlternatesMethod.parse(method)  # Python callers may pass the text
    search = AlternatesSearch.parse(search)
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
        raise KleroError("alternates_count_invalid", count=count)
    count = int(count)
    sample = DropoutSample(dropout, scenarios, seed)
    seed, scenarios = sample.seed, sample.scenarios
    rows = panel_rows(pool, panel)
    rates = dropout_rates(pool, quotas, dropout)
    layout = Layout.of(pool, quotas)
    eligible = eligible_rows(pool, rows)
    available = household_capacity(pool, eligible)
    if count > available:
        raise KleroError("alternates_count_too_large", count=count, available=available)
    panel_arr = np.asarray(rows, dtype=np.int64)
    if method is AlternatesMethod.SCALED:
        chosen = scaled_mini_panel(pool, layout, eligible, len(rows), count, seed=seed)
    else:
        chosen = optimise(
            pool,
            layout,
            panel_arr,
            eligible,
            rates,
            count,
            scenarios=scenarios,
            seed=seed,
            solver=search,
        ).rows
    ranked = rank(layout, panel_arr, chosen, rates, scenarios=scenarios, seed=seed)
    sim = simulate(layout, rows, ranked, rates, scenarios=scenarios, seed=seed)
    bare = simulate(layout, rows, [], rates, scenarios=scenarios, seed=seed)
    settings: dict[str, Any] = {
        "count": count,
        "dropout": dropout_record(dropout),
        "scenarios": scenarios,
        "seed": seed,
    }
    if method is AlternatesMethod.OPTIMISED:
        settings["search"] = str(search)
    return Alternates(
        alternates=_describe(pool, layout, ranked, sim),
        features=tuple(pool.features),
        method=method,
        expected_deviation=float(sim.deviation.mean()) / len(rows),
        without_alternates=float(bare.deviation.mean()) / len(rows),
        settings=settings,
    )


def scaled_mini_panel(
    pool: Pool, layout: Layout, eligible: np.ndarray, size: int, count: int, *, seed: int
) -> list[int]:
    """Rows of a random mini-panel of ``count`` under the quotas scaled by count/size.

    Bounds are floor(min * count / size) and ceil(max * count / size); seats outside them
    are minimised first, then random weights (seeded) pick among the best mini-panels.
    """
    scale = count / size
    lo = np.floor(layout.lo * scale + 1e-9).astype(np.int64)
    hi = np.ceil(layout.hi * scale - 1e-9).astype(np.int64)
    solver = new_cbc()
    weights = np.random.default_rng([seed, 3]).random(eligible.size)
    x = [solver.BoolVar(f"x{j}") for j in range(eligible.size)]
    solver.Add(solver.Sum(x) == count)
    seats = category_seats(solver, x, layout.cat_of[eligible], np.zeros(layout.n_categories))
    slack = deviation_slacks(solver, seats, lo, hi)
    one_per_household(solver, x, pool.household[eligible])
    # Random weights add up to less than one seat, so they only break ties.
    tie = [(-float(w) / (count + 1), var) for w, var in zip(weights.tolist(), x, strict=True)]
    solver.Minimize(solver.Sum(slack) + solver.Sum([w * v for w, v in tie]))
    solve_cbc(solver)
    return sorted(int(eligible[j]) for j, v in enumerate(x) if v.solution_value() > 0.5)


def _describe(pool: Pool, layout: Layout, ranked: list[int], sim: Any) -> tuple[Alternate, ...]:
    out = []
    for j, row in enumerate(ranked):
        called = sim.called[:, j]
        n_called = int(called.sum())
        cats = layout.cat_of[row].tolist()
        shares = [(float(sim.short[called, c].mean()) if n_called else 0.0, c) for c in cats]
        best = [
            c for share, c in sorted(shares, key=lambda p: (-p[0], p[1])) if share >= BEST_FOR_SHARE
        ]
        out.append(
            Alternate(
                rank=j + 1,
                id=pool.ids[row],
                values=tuple((f, pool.value_of(row, i)) for i, f in enumerate(pool.features)),
                best_for=tuple(layout.categories[c] for c in best[:BEST_FOR_MAX]),
                call_rate=n_called / max(len(called), 1),
            )
        )
    return tuple(out)
