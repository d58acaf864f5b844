"""The pricing oracle: the best feasible panel for given weights per type.

A panel is a *composition*: how many seats each type of person gets. The integer program
is the panel polytope of ``quotas.polytope`` (one variable per type, bounded by the type's
head count; household members are binaries with at most one per household; every quota;
the panel size), built once in CBC and kept: each pricing round only changes the
objective. CBC runs on one thread without time limits, so the same weights always give
the same panel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from quotas.model import QuotaTable
from quotas.polytope import PanelModel, PanelShape
from quotas.pool import Pool
from quotas.solvers import Outcome, SolverFailed, highs_outcome, new_highs_model
from sampling import portable
from sampling.errors import InfeasibleQuotas

# Relative MIP gap for pricing; the certified bound (CBC's best bound) is used either way,
# so a small positive gap only widens the reported optimality gap, never hides it.
PRICING_GAP = 1e-9
_PRICED = frozenset({Outcome.OPTIMAL, Outcome.INFEASIBLE})


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
        self.shape = PanelShape.of(pool, quotas, size)
        self.size = size
        self.vectors = self.shape.vectors
        self.counts = self.shape.counts
        self.n_types = self.shape.n_types
        self.households = self.shape.households
        self.bounds = self.shape.bounds()
        self.calls = 0
        self.second_opinions = 0  # pricing rounds HiGHS answered after CBC slipped
        self.seconds = 0.0
        self._types = list(range(self.n_types))

    @cached_property
    def model(self) -> PanelModel:
        """The pricing program, built on the first pricing round (a selection certified by
        the relaxation never prices, and building it is a second or two on 100,000 people)."""
        return PanelModel(self.shape, split=True)

    # -- pricing ----------------------------------------------------------------
    def best(self, weights: np.ndarray) -> Priced:
        """The feasible panel maximising ``weights . seats``; raise InfeasibleQuotas if none."""
        start = time.perf_counter()
        w = np.asarray(weights, dtype=float)
        scale = float(np.max(np.abs(w))) if w.size else 0.0
        # Scaling to a largest weight of 1 keeps CBC's absolute tolerances meaningful.
        scaled = w / scale if scale > 0 else np.zeros_like(w)
        self.model.set_objective(self._types, scaled.tolist())
        outcome = self.model.solve(relative_gap=PRICING_GAP, accept=_PRICED)
        self.calls += 1
        if outcome is Outcome.INFEASIBLE:
            raise InfeasibleQuotas(size=self.size)
        seats = self.model.seats()
        bound = self.model.best_bound()
        if not self.shape.holds(seats):
            seats, bound = self._second_opinion(scaled)
        value = portable.dot(w, seats)
        bound = bound * scale if scale > 0 else 0.0
        self.seconds += time.perf_counter() - start
        return Priced(seats, value, max(bound, value))

    def _second_opinion(self, scaled: np.ndarray) -> tuple[np.ndarray, float]:
        """HiGHS's branch and bound on the same program, when CBC's optimum breaks a row.

        CBC 2.10 can call a point optimal that misses a quota (seen on a 9-person pool with
        a shared household: a minimum of 2 met by 1). Such a point never enters a lottery:
        the same pricing round is solved again by HiGHS, to the same relative gap, and
        its answer is checked in turn. Returns the seats and HiGHS's bound (scaled units).
        """
        bounds, entries = self.shape.row_matrix()
        h = new_highs_model(
            -scaled,
            (np.zeros(self.n_types), self.counts.astype(float)),
            bounds,
            entries,
            integer=np.ones(self.n_types, dtype=bool),
        )
        h.setOptionValue("mip_rel_gap", PRICING_GAP)
        h.run()
        outcome = highs_outcome(h)
        if outcome is Outcome.INFEASIBLE:
            raise InfeasibleQuotas(size=self.size)
        seats = np.rint(np.asarray(h.getSolution().col_value, dtype=float)).astype(np.int64)
        if outcome is not Outcome.OPTIMAL:
            raise SolverFailed("HiGHS", h.modelStatusToString(h.getModelStatus()))
        self.check(seats)
        self.second_opinions += 1
        return seats, -float(h.getInfo().mip_dual_bound)

    def check(self, seats: np.ndarray) -> None:
        """Raise SolverFailed unless ``seats`` is a feasible panel (guards against solver slips)."""
        if not self.shape.holds(seats):
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
