"""The relaxation's leximin levels with one row per quota, not one per type.

``Relaxation`` holds a row ``x_t / u_t >= z`` for every type (``u_t`` its head count, or
head count times target). Writing each open type's seats as ``x_t = z u_t + s_t`` and each
fixed type's as ``x_t = f_t u_t + s_t``, with a *surplus* ``s_t >= 0``, turns those rows
into bounds: what is left is the panel polytope's rows (categories, size, households)
over ``(s, z)``: some 40 rows instead of 10,000 on a 100,000-person pool, the same LP.

A head count caps the seats, ``x_t <= n_t``: for a fixed type that is the bound
``s_t <= n_t - f_t u_t``; for an open type it is a row ``s_t + u_t z <= n_t``, added only
when an optimum breaks it (a type seated whole). The dual of ``x_t / u_t >= z`` is ``u_t``
times the reduced cost of ``s_t``: the open types where it is positive are tight in every
optimum, and are fixed just below the level (``master.below``). One HiGHS model is kept
and changed in place between levels, so each level warm-starts.
"""

from __future__ import annotations

import numpy as np

from quotas.polytope import PanelShape
from quotas.solvers import INF, new_highs_model, solve_highs
from sampling.engine.master import below

__all__ = ["surplus_levels"]

# Duals (normalised over the open types) above this mark a type tight at its level.
TIGHT_DUAL = 1e-9
# An open type's seats this far above its head count add its cap row.
CAP_TOL = 1e-9


def surplus_levels(
    shape: PanelShape, coverable: np.ndarray, targets: np.ndarray | None = None
) -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
    """Expected seats per type at the relaxation's leximin point, and its levels
    ``(z, types)`` (as ``sampling.engine.decompose.RelaxedLeximin``)."""
    lp = _SurplusLP(shape, coverable, targets)
    seats = np.zeros(shape.n_types)
    levels: list[tuple[float, np.ndarray]] = []
    while lp.open.any():
        z, surplus, reduced = lp.solve()
        seats = np.where(lp.open, z * lp.units, lp.floor * lp.units) + surplus
        types = np.flatnonzero(lp.open)
        duals = np.clip(reduced[types], 0.0, None) * lp.units[types]
        total = float(duals.sum())
        tight = types[duals > TIGHT_DUAL * total] if total > 0 else types[:0]
        if tight.size == 0:  # cannot happen with exact duals; never loop forever
            tight = types
        levels.append((z, tight))
        # HiGHS meets the rows within 1e-9 only: z can exceed what the point gives its
        # tight types by a few times that, and floors at z could make a later level
        # infeasible. The point meets floors just below what it gives them.
        given = seats[tight] * (1.0 / lp.units[tight])
        lp.fix(tight, below(min(z, float(given.min()))))
    return np.clip(seats, 0.0, shape.counts.astype(float)), levels


class _SurplusLP:
    """Max z over ``(s, z)``: the polytope's rows with ``x = z u + s`` (open types) or
    ``x = f u + s`` (fixed), changed in place as types are fixed."""

    def __init__(
        self, shape: PanelShape, coverable: np.ndarray, targets: np.ndarray | None
    ) -> None:
        self.counts = shape.counts.astype(float)
        self.units = self.counts if targets is None else self.counts * np.asarray(targets, float)
        self.n = n = shape.n_types
        self.bounds, (self.which, self.columns, self.values) = shape.row_matrix()
        n_rows = len(self.bounds[0])
        self.open = np.asarray(coverable, dtype=bool).copy()
        self.floor = np.zeros(n)
        self.cap = np.where(self.open, self.counts, 0.0)  # uncoverable types: no seat
        self.cap_rows: dict[int, int] = {}  # open type -> its cap row
        self.z_coef = self._per_row(np.where(self.open, self.units, 0.0))
        self.fixed = np.zeros(n_rows)  # per row: the fixed types' floors' seats
        entries = (
            np.append(self.which, np.arange(n_rows)),
            np.append(self.columns, np.full(n_rows, n)),
            np.append(self.values, self.z_coef),
        )
        cost = np.zeros(n + 1)
        cost[n] = -1.0
        h = new_highs_model(
            cost,
            (np.zeros(n + 1), np.append(self.cap, INF)),
            self.bounds,
            entries,
            simplex_strategy=1,
        )
        for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
            h.setOptionValue(name, 1e-9)
        self.h = h
        self.n_rows = n_rows

    def _per_row(self, per_type: np.ndarray) -> np.ndarray:
        weights = self.values * per_type[self.columns]
        return np.bincount(self.which, weights=weights, minlength=self.bounds[0].size)

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """Solve, adding the cap rows of open types seated past their head count, until
        none is; returns the level, the surpluses and their reduced costs."""
        n, h = self.n, self.h
        while True:
            solve_highs(h)
            solution = h.getSolution()
            col_value = np.asarray(solution.col_value, dtype=float)
            z, surplus = float(col_value[n]), col_value[:n]
            seats = z * self.units + surplus
            broken = self.open & (seats > self.cap + CAP_TOL)
            broken[list(self.cap_rows)] = False
            if not broken.any():
                return z, surplus, np.asarray(solution.col_dual, dtype=float)[:n]
            for t in np.flatnonzero(broken).tolist():  # s_t + u_t z <= n_t
                index = np.array([t, n], dtype=np.int32)
                h.addRow(-INF, float(self.cap[t]), 2, index, np.array([1.0, self.units[t]]))
                self.cap_rows[t] = self.n_rows
                self.n_rows += 1

    def fix(self, types: np.ndarray, floor: float) -> None:
        """The ``types`` need ``floor`` from now on: their seats are ``floor u + s``."""
        h, n = self.h, self.n
        self.open[types] = False
        self.floor[types] = floor
        # The rows: z's coefficient loses these types; their floor moves into the bounds.
        z_coef = self._per_row(np.where(self.open, self.units, 0.0))
        fixed = self._per_row(self.floor * self.units)
        for r in np.flatnonzero((z_coef != self.z_coef) | (fixed != self.fixed)).tolist():
            h.changeCoeff(r, n, float(z_coef[r]))
            h.changeRowBounds(r, self.bounds[0][r] - fixed[r], self.bounds[1][r] - fixed[r])
        self.z_coef, self.fixed = z_coef, fixed
        room = np.maximum(self.cap[types] - floor * self.units[types], 0.0)
        h.changeColsBounds(types.size, types.astype(np.int32), np.zeros(types.size), room)
        for t, most in zip(types.tolist(), room.tolist(), strict=True):
            if t in self.cap_rows:  # now a bound on s_t
                h.changeCoeff(self.cap_rows[t], n, 0.0)
                h.changeRowBounds(self.cap_rows[t], -INF, most)
