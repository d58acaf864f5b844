"""The LP relaxation of a leximin level: fractional expected seats instead of a lottery of panels.

Any lottery's expected seats ``x_t = n_t p_t`` satisfy the quotas on average, so the
relaxation's optimum is an upper bound on each level and its duals are a cheap, usually
near-optimal, starting point for the column generation's dual smoothing. Solved in one
persistent HiGHS model; fixing a type changes its row in place, so levels warm-start.
"""

from __future__ import annotations

import numpy as np

from quotas.solvers import INF, new_highs, solve_highs
from sampling.engine.oracle import PanelOracle


class Relaxation:
    """Max z s.t. ``x_t / n_t >= z`` (open), ``>= floor_t`` (fixed), ``x`` in the quota box.

    With ``targets`` (one per type) the rows read ``x_t / (n_t targets_t)``.
    """

    def __init__(
        self, oracle: PanelOracle, coverable: np.ndarray, targets: np.ndarray | None = None
    ) -> None:
        counts = oracle.counts.astype(float)
        # x_t / (n_t targets_t) >= z with targets; the upper bounds stay the head counts.
        units = counts if targets is None else counts * np.asarray(targets, dtype=float)
        self.active = np.flatnonzero(coverable)
        m = int(self.active.size)
        h = new_highs()
        t_all = oracle.n_types
        # Columns 0..T-1: x_t (uncoverable types pinned to 0); column T: z.
        upper = np.where(coverable, counts, 0.0)
        h.addVars(t_all, np.zeros(t_all), upper)
        h.addVar(0.0, INF)
        h.changeColCost(t_all, -1.0)
        for r, t in enumerate(self.active.tolist()):
            del r
            h.addRow(
                0.0, INF, 2, np.array([t, t_all], dtype=np.int32), np.array([1.0 / units[t], -1.0])
            )
        for row in oracle.shape.linear_rows():  # the panel polytope's rows, over x
            h.addRow(*row)
        self.h = h
        self.z_col = t_all
        self.m = m
        self.n_types = t_all

    def fix(self, types: np.ndarray, floor: float, row_of: np.ndarray) -> None:
        """Mirror MinimumMaster.fix: the types need only ``floor`` from now on."""
        for t in types.tolist():
            r = int(row_of[t])
            self.h.changeCoeff(r, self.z_col, 0.0)
            self.h.changeRowBounds(r, floor, INF)

    def duals(self, open_: np.ndarray) -> tuple[float, np.ndarray]:
        """Solve; return the relaxed level value and the type duals normalised over open types."""
        solve_highs(self.h)  # retries cold when a warm start stalls
        sol = self.h.getSolution()
        z = float(np.asarray(sol.col_value)[self.z_col])
        y = np.zeros(self.n_types)
        y[self.active] = np.clip(np.asarray(sol.row_dual, dtype=float)[: self.m], 0.0, None)
        total = float(y[open_].sum())
        if total > 0:
            y /= total
        return z, y
