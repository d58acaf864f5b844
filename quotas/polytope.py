"""The panel polytope over types: one model of "a panel that meets every quota", built once.

A panel is a *composition*: how many seats each type of person gets (``Pool`` types:
people with the same feature values, people in shared households each their own type).
``PanelShape`` states the constraints as data (seats per type within its head count, one
row per category, the panel size, at most one seat per shared household) and checks a
panel against them; ``PanelModel`` is the same polytope as a CBC integer program whose
bounds can be changed in place between solves. The feasibility check, the pricing oracle
and the face walk of the selection engine all use these two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from quotas.model import QuotaTable
from quotas.pool import Pool
from quotas.solvers import (
    ANY_OUTCOME,
    INF,
    OPTIMAL_ONLY,
    Outcome,
    new_cbc,
    solve_cbc,
)

__all__ = ["PanelModel", "PanelShape"]


@dataclass(frozen=True)
class PanelShape:
    """The constraints of a panel of ``size`` over a pool's types, as arrays.

    ``categories[k] = (f, j)`` is value ``j`` of feature ``f``; its row needs between
    ``lo[k]`` and ``hi[k]`` seats (the quota, clipped to 0..size) among ``members[k]``.

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(["a", "b", "c"], pd.DataFrame({"g": ["f", "m", "m"]}), q)
    >>> shape = PanelShape.of(pool, q, 2)
    >>> shape.counts.tolist(), shape.holds(np.array([1, 1])), shape.holds(np.array([0, 2]))
    ([1, 2], True, False)
    """

    size: int
    counts: np.ndarray  # head count per type
    vectors: np.ndarray  # types x features: value codes
    households: list[np.ndarray]  # type numbers of each shared household's members
    categories: list[tuple[int, int]]
    members: list[np.ndarray]  # types in each category
    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def of(cls, pool: Pool, quotas: QuotaTable, size: int) -> PanelShape:
        """The shape of panels of ``size`` from ``pool`` under ``quotas``."""
        vectors = pool.type_vectors
        categories: list[tuple[int, int]] = []
        members: list[np.ndarray] = []
        lo: list[int] = []
        hi: list[int] = []
        for f, feature in enumerate(pool.features):
            for j, value in enumerate(pool.values[f]):
                low, high = quotas.bounds(feature, value)
                categories.append((f, j))
                members.append(np.flatnonzero(vectors[:, f] == j))
                lo.append(max(int(low), 0))
                hi.append(min(int(high), size))
        type_of = pool.type_of
        return cls(
            size=size,
            counts=pool.type_counts.astype(np.int64),
            vectors=vectors,
            households=_households(pool.household, type_of),
            categories=categories,
            members=members,
            lo=np.asarray(lo, dtype=np.int64),
            hi=np.asarray(hi, dtype=np.int64),
        )

    @property
    def n_types(self) -> int:
        return int(self.counts.size)

    def bounds(self) -> list[list[tuple[int, int]]]:
        """Per feature, per value: the (clipped) seat bounds of the category."""
        out: list[list[tuple[int, int]]] = [[] for _ in range(self.vectors.shape[1])]
        for (f, _), low, high in zip(
            self.categories, self.lo.tolist(), self.hi.tolist(), strict=True
        ):
            out[f].append((low, high))
        return out

    def linear_rows(
        self, scale: np.ndarray | None = None, *, home_low: float = 0.0
    ) -> list[tuple[float, float, int, np.ndarray, np.ndarray]]:
        """The rows of the polytope for an LP over types, as HiGHS ``addRow`` arguments.

        Each row is ``(lower, upper, count, columns, values)``: one per category, the size,
        one per shared household (lower bound ``home_low``). Column ``t`` is type ``t``,
        with coefficient ``scale[t]`` (1 by default: the column counts seats).
        """
        scale = np.ones(self.n_types) if scale is None else scale
        rows = []
        for members, low, high in zip(self.members, self.lo, self.hi, strict=True):
            cols = members.astype(np.int32)
            rows.append((float(low), float(high), cols.size, cols, scale[cols]))
        everyone = np.arange(self.n_types, dtype=np.int32)
        rows.append((float(self.size), float(self.size), self.n_types, everyone, scale))
        for group in self.households:
            cols = group.astype(np.int32)
            rows.append((home_low, 1.0, cols.size, cols, scale[cols]))
        return rows

    def row_matrix(
        self,
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``linear_rows`` as arrays for ``new_highs_model``: the rows' (lower, upper) and
        the matrix's (rows, columns, values)."""
        rows = self.linear_rows()
        which = np.repeat(np.arange(len(rows)), [r[2] for r in rows])
        columns = np.concatenate([r[3] for r in rows]).astype(np.int64)
        values = np.concatenate([r[4] for r in rows]).astype(float)
        bounds = (np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float))
        return bounds, (which, columns, values)

    @cached_property
    def category_of(self) -> np.ndarray:
        """Types x features: the category (row number) of each type's value of each feature."""
        out = np.full(self.vectors.shape, -1, dtype=np.int64)
        for k, ((f, _), rows) in enumerate(zip(self.categories, self.members, strict=True)):
            out[rows, f] = k
        return out

    @cached_property
    def home_of(self) -> np.ndarray:
        """The shared household of each type, or -1."""
        out = np.full(self.n_types, -1, dtype=np.int64)
        for h, group in enumerate(self.households):
            out[group] = h
        return out

    def sums(self, seats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seats per category and per shared household."""
        values = np.asarray(seats)
        dtype = np.int64 if values.dtype.kind in "iub" else float
        cat_of, home_of = self.category_of, self.home_of
        per_type = np.repeat(values.astype(float), cat_of.shape[1])
        cat = np.bincount(cat_of.ravel(), weights=per_type, minlength=len(self.categories))
        inside = home_of >= 0
        home = np.bincount(
            home_of[inside], weights=values[inside].astype(float), minlength=len(self.households)
        )
        return cat.astype(dtype), home.astype(dtype)

    def holds(self, seats: np.ndarray) -> bool:
        """Whether ``seats`` (per type) is a panel in the polytope."""
        values = np.asarray(seats)
        if values.dtype.kind == "f" and not np.array_equal(values, np.round(values)):
            return False  # a fraction of a seat is no panel
        seats = values.astype(np.int64)
        if not (np.all(seats >= 0) and np.all(seats <= self.counts)):
            return False
        if int(seats.sum()) != self.size:
            return False
        cat, home = self.sums(seats)
        return bool(np.all(cat >= self.lo) and np.all(cat <= self.hi) and np.all(home <= 1))


class PanelModel:
    """The panel polytope as a CBC integer program: change bounds and objective, then solve.

    Variables ``x[t]`` are seats per type (0..``upper[t]``, the head count by default);
    rows, in order: one ranged row per category (with ``split``, a minimum row then a
    maximum row), the size row, one row per shared household. The objective is
    maximised (all zero until set).

    ``split`` keeps the pricing oracle's model row for row as it was before the models
    were shared: CBC may pick another of several optimal panels when the same polytope
    is stated with ranged rows, and that would change lotteries for the same seed.
    """

    def __init__(
        self,
        shape: PanelShape,
        *,
        upper: np.ndarray | None = None,
        time_limit: float | None = None,
        split: bool = False,
    ) -> None:
        self.shape = shape
        self.split = split
        solver = new_cbc(time_limit=time_limit)
        self.solver = solver
        upper = shape.counts if upper is None else upper
        self.x = [solver.IntVar(0.0, float(u), f"x{t}") for t, u in enumerate(upper)]
        self.categories: list[Any] = []  # the rows (pywraplp constraints); minimums if split
        self.maximums: list[Any] = []  # with split: the maximum rows
        for rows, low, high in zip(
            shape.members, shape.lo.tolist(), shape.hi.tolist(), strict=True
        ):
            seats = solver.Sum([self.x[int(t)] for t in rows])
            self.categories.append(solver.Add(seats >= low))
            if split:
                self.maximums.append(solver.Add(seats <= high))
            else:
                self.categories[-1].SetBounds(float(low), float(high))
        self.size_row = solver.Add(solver.Sum(self.x) == shape.size)
        self.homes = [
            solver.Add(solver.Sum([self.x[int(t)] for t in group]) <= 1)
            for group in shape.households
        ]
        self.objective = solver.Objective()
        self.objective.SetMaximization()

    def set_category(self, k: int, low: float | None, high: float | None) -> None:
        """Bounds of category ``k``'s seats (None: no bound on that side)."""
        if self.split:
            self.categories[k].SetBounds(_low(low), INF)
            self.maximums[k].SetBounds(-INF, _high(high))
        else:
            self.categories[k].SetBounds(_low(low), _high(high))

    def set_size(self, low: float | None, high: float | None) -> None:
        """Bounds of the size row (None: no bound on that side)."""
        self.size_row.SetBounds(_low(low), _high(high))

    def set_household(self, h: int, low: float | None, high: float | None) -> None:
        """Bounds of shared household ``h``'s row (None: no bound on that side)."""
        self.homes[h].SetBounds(_low(low), _high(high))

    def set_seats(self, t: int, low: float, high: float) -> None:
        """Bounds on type ``t``'s seats."""
        self.x[t].SetBounds(low, high)

    def set_objective(self, types: Sequence[int], weights: Sequence[float]) -> None:
        """Weights of the seats of ``types`` in the maximised objective (others unchanged)."""
        for t, w in zip(types, weights, strict=True):
            self.objective.SetCoefficient(self.x[t], w)

    def solve(
        self, *, relative_gap: float | None = None, accept: frozenset[Outcome] = OPTIMAL_ONLY
    ) -> Outcome:
        """Solve (see ``quotas.solvers.solve_cbc``: SolverFailed unless ``accept`` holds it)."""
        return solve_cbc(self.solver, relative_gap=relative_gap, accept=accept)

    def try_solve(self) -> Outcome:
        """Solve and return the outcome, whatever it is."""
        return self.solve(accept=ANY_OUTCOME)

    def seats(self, types: Sequence[int] | None = None) -> np.ndarray:
        """The solution's seats (of ``types``; every type by default), rounded."""
        chosen = range(len(self.x)) if types is None else types
        return np.fromiter(
            (round(self.x[t].solution_value()) for t in chosen), dtype=np.int64, count=len(chosen)
        )

    def best_bound(self) -> float:
        """CBC's certified bound on the objective of the last solve."""
        return float(self.objective.BestBound())


def _low(value: float | None) -> float:
    return -INF if value is None else float(value)


def _high(value: float | None) -> float:
    return INF if value is None else float(value)


def _households(household: np.ndarray, type_of: np.ndarray) -> list[np.ndarray]:
    """The sorted type numbers of each shared household, in household order: what sorting
    the types of each of ``Pool.households()`` gives, in one sort rather than one a household
    (thousands of households on large pools)."""
    if household.size == 0 or household.max(initial=-1) < 0:
        return []
    inside = np.flatnonzero(household >= 0)
    homes, types = household[inside], type_of[inside]
    ranked = types[np.lexsort((types, homes))]
    ends = np.cumsum(np.bincount(homes)).tolist()
    return [ranked[lo:hi] for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]
