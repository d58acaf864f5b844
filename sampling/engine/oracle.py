"""The panel polytope over types and its pricing oracle: the best feasible panel for given weights.

A panel is a *composition*: how many seats each type of person gets. The integer program
(one variable per type, bounded by the type's head count; household members are binaries
with at most one per household; every quota; the panel size) is built once in OR-Tools'
bundled CBC and kept: each pricing round only changes the objective. CBC runs on one
thread without time limits, so the same weights always give the same panel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from quotas.model import QuotaTable
from quotas.pool import Pool
from sampling.errors import InfeasibleQuotas, SolverFailed

# Relative MIP gap for pricing; the certified bound (CBC's best bound) is used either way,
# so a small positive gap only widens the reported optimality gap, never hides it.
PRICING_GAP = 1e-9


@dataclass(frozen=True)
class Priced:
    """The answer of one pricing round, in the units of the weights given."""

    seats: np.ndarray  # seats per type (int64), a feasible panel
    value: float  # weights . seats
    bound: float  # certified upper bound on the best value over all feasible panels


class PanelOracle:
    """Best feasible panel for a weight per type, with a certified upper bound.

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(["a", "b", "c"], pd.DataFrame({"g": ["f", "m", "m"]}), q)
    >>> oracle = PanelOracle(pool, q, 2)
    >>> oracle.best(np.array([1.0, 0.5])).seats.tolist()
    [1, 1]
    """

    def __init__(self, pool: Pool, quotas: QuotaTable, size: int) -> None:
        self.size = size
        self.vectors = pool.type_vectors
        self.counts = pool.type_counts.astype(np.int64)
        self.n_types = int(self.counts.size)
        self.households = self._household_types(pool)
        self.bounds = self._category_bounds(pool, quotas, size)
        self.calls = 0
        self.seconds = 0.0
        solver = pywraplp.Solver.CreateSolver("CBC")
        if solver is None:  # pragma: no cover - OR-Tools always bundles CBC
            raise SolverFailed("CBC", "unavailable")
        solver.SetNumThreads(1)
        self._solver = solver
        self._x = [solver.IntVar(0.0, float(c), f"x{t}") for t, c in enumerate(self.counts)]
        for f in range(self.vectors.shape[1]):
            for j, (lo, hi) in enumerate(self.bounds[f]):
                members = np.flatnonzero(self.vectors[:, f] == j)
                expr = solver.Sum([self._x[int(t)] for t in members])
                solver.Add(expr >= lo)
                solver.Add(expr <= hi)
        solver.Add(solver.Sum(self._x) == size)
        for group in self.households:
            solver.Add(solver.Sum([self._x[int(t)] for t in group]) <= 1)
        self._params = pywraplp.MPSolverParameters()
        self._params.SetDoubleParam(self._params.RELATIVE_MIP_GAP, PRICING_GAP)
        self._objective = solver.Objective()
        self._objective.SetMaximization()

    # -- construction helpers ---------------------------------------------------
    @staticmethod
    def _household_types(pool: Pool) -> list[np.ndarray]:
        """Type numbers of the members of each shared household (each member is its own type)."""
        type_of = pool.type_of
        return [np.sort(type_of[rows]) for rows in pool.households()]

    @staticmethod
    def _category_bounds(pool: Pool, quotas: QuotaTable, size: int) -> list[list[tuple[int, int]]]:
        out: list[list[tuple[int, int]]] = []
        for f, feature in enumerate(pool.features):
            row = []
            for value in pool.values[f]:
                lo, hi = quotas.bounds(feature, value)
                row.append((max(int(lo), 0), min(int(hi), size)))
            out.append(row)
        return out

    # -- pricing ----------------------------------------------------------------
    def best(self, weights: np.ndarray) -> Priced:
        """The feasible panel maximising ``weights . seats``; raise InfeasibleQuotas if none."""
        start = time.perf_counter()
        w = np.asarray(weights, dtype=float)
        scale = float(np.max(np.abs(w))) if w.size else 0.0
        # Scaling to a largest weight of 1 keeps CBC's absolute tolerances meaningful.
        scaled = w / scale if scale > 0 else np.zeros_like(w)
        for var, coef in zip(self._x, scaled.tolist(), strict=True):
            self._objective.SetCoefficient(var, coef)
        status = self._solver.Solve(self._params)
        self.calls += 1
        if status == pywraplp.Solver.INFEASIBLE:
            raise InfeasibleQuotas(size=self.size)
        if status != pywraplp.Solver.OPTIMAL:
            raise SolverFailed("CBC", str(status))
        seats = np.fromiter(
            (round(v.solution_value()) for v in self._x), dtype=np.int64, count=self.n_types
        )
        self.check(seats)
        value = float(w @ seats)
        bound = float(self._objective.BestBound()) * scale if scale > 0 else 0.0
        self.seconds += time.perf_counter() - start
        return Priced(seats, value, max(bound, value))

    def check(self, seats: np.ndarray) -> None:
        """Raise SolverFailed unless ``seats`` is a feasible panel (guards against solver slips)."""
        ok = bool(np.all(seats >= 0) and np.all(seats <= self.counts))
        ok = ok and int(seats.sum()) == self.size
        for f in range(self.vectors.shape[1]):
            per_value = np.bincount(
                self.vectors[:, f], weights=seats, minlength=len(self.bounds[f])
            )
            for j, (lo, hi) in enumerate(self.bounds[f]):
                ok = ok and lo <= per_value[j] <= hi
        for group in self.households:
            ok = ok and int(seats[group].sum()) <= 1
        if not ok:
            raise SolverFailed("CBC", "returned an infeasible panel")

    def cover(self, seated: Sequence[np.ndarray] = ()) -> tuple[list[np.ndarray], np.ndarray]:
        """Panels that together seat every type that any feasible panel can seat.

        Returns the panels and a boolean mask of the *coverable* types; the others are in no
        feasible panel and get probability 0. Each round rewards the types not yet seated
        (rare types more, by 1/count), so a zero optimum proves the rest uncoverable.
        Types seated by the given panels count as covered already (those panels are not
        returned), so a good start leaves one round: the proof.
        """
        covered = np.zeros(self.n_types, dtype=bool)
        for seats in seated:
            covered |= np.asarray(seats) > 0
        open_ = ~covered
        panels: list[np.ndarray] = []
        while open_.any():
            weights = np.where(open_, 1.0 / self.counts, 0.0)
            priced = self.best(weights)
            if priced.value <= 1e-9:
                if priced.bound > 1e-6:
                    raise SolverFailed("CBC", "could not decide whether some types can be seated")
                break
            panels.append(priced.seats)
            newly = priced.seats > 0
            covered |= newly
            open_ &= ~newly
        return panels, covered
