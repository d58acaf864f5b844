"""NASH from the relaxation: its optimum by Newton steps, split into panels along faces.

Over the relaxed polytope (expected seats ``x_t = n_t p_t`` meeting the quotas on average,
as in ``sampling.engine.relaxation``), NASH is a smooth concave program: maximise
``f(p) = sum_t n_t log p_t``. It is solved in its dual first (``sampling.engine.nash_dual``: a
few dozen multipliers, fast at any pool size, certified by weak duality); when that
fails, by the method below. Each Newton step maximises the second-order model of ``f``
at the current ``p`` over the polytope (a convex QP in HiGHS) and moves towards it with a
backtracking line search; a few steps reach the optimum. Concavity certifies it: for
every relaxed point ``q``, ``f(q) <= f(p) + grad f(p).(q - p)``, and one LP gives the
largest right-hand side, an upper bound on NASH over every lottery of feasible panels.

The optimum is then split into panels by the face walk of ``sampling.engine.decompose``. When
the walk places the whole lottery, its value is within the tolerance of the bound and
no column generation is needed; otherwise ``sampling.engine.nash`` runs its own method.
Types that the relaxation cannot seat at all (relaxed leximin level 0) have ``p = 0``
and are left out of ``f``, as the column generation leaves out uncoverable types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from quotas.solvers import INF, new_highs, solve_highs
from sampling import portable
from sampling.engine.decompose import RelaxedLeximin
from sampling.engine.nash_dual import dual_nash
from sampling.engine.oracle import PanelOracle
from sampling.errors import SolverFailed

# Newton steps allowed before giving up (the column generation then takes over).
MAX_STEPS = 40
# Armijo constant and the smallest step of the backtracking line search.
ARMIJO = 1e-4
MIN_STEP = 1e-10


@dataclass(frozen=True)
class RelaxedNash:
    """The relaxation's NASH point and the certified bound on NASH over all lotteries."""

    seats: np.ndarray  # expected seats per type
    seated: np.ndarray  # types in the objective (the relaxation can seat them)
    bound: float  # upper bound on sum_t n_t log p_t over every lottery
    steps: int

    def gap(self, probabilities: np.ndarray, counts: np.ndarray) -> float:
        """``(bound - f(p)) / N`` for per-type ``probabilities``: infinite if one is 0."""
        p = probabilities[self.seated]
        n = counts[self.seated].astype(float)
        if np.any(p <= 0):
            return float("inf")
        return max(self.bound - portable.dot(n, portable.log(p)), 0.0) / float(n.sum())


class _Polytope:
    """The relaxed polytope over ``p`` in one HiGHS model, for QPs and LPs alike."""

    def __init__(self, oracle: PanelOracle, seated: np.ndarray) -> None:
        self.n = oracle.counts.astype(float)
        t = oracle.n_types
        self.t = t
        h = new_highs()
        h.addVars(t, np.zeros(t), np.where(seated, 1.0, 0.0))
        # The panel polytope's rows over p (expected seats n_t p_t).
        for row in oracle.shape.linear_rows(self.n, home_low=-INF):
            h.addRow(*row)
        self.h = h
        self.columns = np.arange(t, dtype=np.int32)

    def _solve(self, cost: np.ndarray, curvature: np.ndarray | None) -> np.ndarray:
        hessian = highspy.HighsHessian()
        if curvature is not None:
            hessian.dim_ = self.t
            hessian.format_ = highspy.HessianFormat.kTriangular
            hessian.start_ = np.arange(self.t + 1, dtype=np.int32)
            hessian.index_ = np.arange(self.t, dtype=np.int32)
            hessian.value_ = curvature
        self.h.passHessian(hessian)
        self.h.changeColsCost(self.t, self.columns, cost)
        solve_highs(self.h)
        return np.asarray(self.h.getSolution().col_value, dtype=float)[: self.t]

    def newton_target(self, grad: np.ndarray, curvature: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Maximiser of ``grad.(q - p) - (q - p)' diag(curvature) (q - p) / 2`` over q."""
        return self._solve(-(grad + curvature * p), curvature)

    def linear_max(self, grad: np.ndarray) -> np.ndarray:
        """Maximiser of ``grad.q`` over the polytope."""
        return self._solve(-grad, None)


def relaxed_nash(
    oracle: PanelOracle, relaxed: RelaxedLeximin, tol: float, *, dual: bool = True
) -> RelaxedNash | None:
    """NASH over the relaxation to a certified gap of ``tol`` per person, from its leximin point.

    With ``dual`` it is first solved in the dual (``sampling.engine.nash_dual``: fast at any
    pool size); when that fails, or without ``dual``, by Newton steps whose QPs HiGHS
    solves. Returns None when both fail or ``MAX_STEPS`` steps do not reach ``tol``.
    """
    seated = relaxed.seatable()
    n = oracle.counts.astype(float)
    total = float(n[seated].sum())
    p = np.where(seated, relaxed.seats / n, 0.0)  # positive on every seated type
    if total <= 0 or np.any(p[seated] <= 0):
        return None
    if dual:
        solved = dual_nash(oracle, seated, tol)
        if solved is not None:
            return RelaxedNash(solved.probabilities * n, seated, solved.bound, solved.steps)

    def value(q: np.ndarray) -> float:
        return portable.dot(n[seated], portable.log(q[seated]))

    try:
        polytope = _Polytope(oracle, seated)
        for step in range(1, MAX_STEPS + 1):
            grad = np.where(seated, n / np.where(seated, p, 1.0), 0.0)
            best = polytope.linear_max(grad)
            bound = value(p) + portable.dot(grad, best - p)
            if (bound - value(p)) / total <= tol:
                return RelaxedNash(p * n, seated, bound, step)
            curvature = np.where(seated, grad / np.where(seated, p, 1.0), 0.0)
            direction = polytope.newton_target(grad, curvature, p) - p
            moved = _line_search(p, direction, grad, seated, value)
            if np.array_equal(moved, p):
                return None  # no ascent left at this precision: let the column generation try
            p = moved
    except SolverFailed:
        return None
    return None


def _line_search(
    p: np.ndarray,
    direction: np.ndarray,
    grad: np.ndarray,
    seated: np.ndarray,
    value: Callable[[np.ndarray], float],
) -> np.ndarray:
    """The longest step ``p + a d`` (a = 1, 1/2, ...) that raises ``f`` enough (Armijo)."""
    start, slope, a = value(p), portable.dot(grad, direction), 1.0
    while a >= MIN_STEP:
        candidate = np.clip(p + a * direction, 0.0, 1.0)
        if np.all(candidate[seated] > 0) and value(candidate) >= start + ARMIJO * a * slope:
            return candidate
        a /= 2
    return p


__all__ = ["RelaxedNash", "relaxed_nash"]
