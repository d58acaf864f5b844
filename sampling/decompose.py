"""A head start for LEXIMIN: the relaxation's leximin point, split into panels along faces.

The relaxation (``sampling.relaxation``) bounds every level from above. When its leximin
point ``x*`` (expected seats per type) is a lottery of feasible panels, that lottery *is*
the leximin one, and the column generation only has to confirm it: each level then
closes in its first round. To find such panels we walk down the faces of the relaxed
polytope (Carathéodory): take an integer panel ``P`` in the smallest face that holds the
current point ``x`` (an integer program whose tight constraints are equalities), move
from ``P`` through ``x`` to the face's boundary at ``x'``, so ``x = theta P + (1 - theta) x'``,
and repeat from ``x'``. Every step makes one more constraint tight, so the walk ends after
at most as many steps as the polytope has constraints. When a face holds no integer
panel (the relaxation is not exact there) the walk stops; the panels found so far still
seed the column generation, which certifies every level either way. Nothing here decides
the answer: it only proposes columns, so exactness never depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from sampling.errors import SolverFailed
from sampling.oracle import PanelOracle
from sampling.relaxation import Relaxation

# Seats closer than this to a bound count as on it (the relaxation's LPs are solved to 1e-9).
TIGHT = 1e-7
# Stop once this little of the lottery is left to place.
DONE = 1e-9


def relaxed_leximin(oracle: PanelOracle, coverable: np.ndarray) -> np.ndarray:
    """Expected seats per type of the leximin point of the relaxation (levels of small LPs)."""
    relaxed = Relaxation(oracle, coverable)
    for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
        relaxed.h.setOptionValue(name, 1e-9)
    open_ = coverable.copy()
    row_of = np.full(oracle.n_types, -1, dtype=np.int64)
    row_of[relaxed.active] = np.arange(relaxed.active.size)
    seats = np.zeros(oracle.n_types)
    while open_.any():
        z, duals = relaxed.duals(open_)
        seats = np.asarray(relaxed.h.getSolution().col_value, dtype=float)[: oracle.n_types]
        types = np.flatnonzero(open_)
        tight = types[duals[types] > 1e-9]
        if tight.size == 0:  # cannot happen with exact duals; never loop forever
            tight = types
        relaxed.fix(tight, max(z - 1e-10, 0.0), row_of)
        open_[tight] = False
    return np.clip(seats, 0.0, oracle.counts.astype(float))


@dataclass(frozen=True)
class Walk:
    """Panels found by a walk, their weights, and the share of the lottery left unplaced."""

    panels: list[np.ndarray]
    weights: np.ndarray
    left: float


class FaceWalker:
    """Integer panels in faces of the relaxed polytope, in a persistent CBC model."""

    def __init__(self, oracle: PanelOracle, coverable: np.ndarray) -> None:
        self.oracle = oracle
        self.upper = np.where(coverable, oracle.counts, 0).astype(float)
        solver = pywraplp.Solver.CreateSolver("CBC")
        if solver is None:  # pragma: no cover - OR-Tools always bundles CBC
            raise SolverFailed("CBC", "unavailable")
        solver.SetNumThreads(1)
        self.solver = solver
        self.x = [solver.IntVar(0.0, float(u), f"x{t}") for t, u in enumerate(self.upper)]
        # Categories as (feature, value) pairs, in the oracle's order.
        self.categories: list[tuple[int, int, float, float]] = []
        self.rows: list[pywraplp.Constraint] = []
        for f in range(oracle.vectors.shape[1]):
            for j, (lo, hi) in enumerate(oracle.bounds[f]):
                members = np.flatnonzero(oracle.vectors[:, f] == j)
                self.rows.append(solver.Add(solver.Sum([self.x[int(t)] for t in members]) >= lo))
                self.rows[-1].SetBounds(float(lo), float(hi))
                self.categories.append((f, j, float(lo), float(hi)))
        solver.Add(solver.Sum(self.x) == oracle.size)
        self.home_of = np.full(oracle.n_types, -1, dtype=np.int64)
        self.homes: list[pywraplp.Constraint] = []
        for h, group in enumerate(oracle.households):
            self.home_of[group] = h
            self.homes.append(solver.Add(solver.Sum([self.x[int(t)] for t in group]) <= 1))
        self.objective = solver.Objective()
        self.objective.SetMaximization()
        self.steps = 0

    def _sums(self, seats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per category and per household sums of ``seats``."""
        vec = self.oracle.vectors
        cat = np.array([seats[vec[:, f] == j].sum() for f, j, _, _ in self.categories])
        n_homes = len(self.homes)
        inside = self.home_of >= 0
        home = np.bincount(self.home_of[inside], weights=seats[inside], minlength=n_homes)
        return cat, home

    def _panel(self, point: np.ndarray, tight: dict[str, np.ndarray]) -> np.ndarray | None:
        """An integer panel meeting every constraint that is tight at ``point``, or None."""
        low = np.where(tight["var_hi"], self.upper, 0.0)
        high = np.where(tight["var_lo"], 0.0, self.upper)
        for var, lo, hi, c in zip(self.x, low.tolist(), high.tolist(), point.tolist(), strict=True):
            var.SetBounds(lo, hi)
            # Seats where the point has many keep the step away from the face's boundary.
            self.objective.SetCoefficient(var, c)
        for r, (_, _, lo, hi) in enumerate(self.categories):
            row_lo = hi if tight["cat_hi"][r] else lo
            row_hi = lo if tight["cat_lo"][r] else hi
            self.rows[r].SetBounds(row_lo, row_hi)
        for h, row in enumerate(self.homes):
            row.SetBounds(1.0 if tight["home"][h] else -pywraplp.Solver.infinity(), 1.0)
        self.steps += 1
        status = self.solver.Solve()
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        seats = np.fromiter(
            (round(v.solution_value()) for v in self.x), dtype=np.int64, count=len(self.x)
        )
        try:
            self.oracle.check(seats)
        except SolverFailed:
            return None  # a solver slip only ends the head start; nothing depends on it
        return seats

    def walk(self, target: np.ndarray, max_steps: int) -> Walk:
        """Panels and weights mixing to ``target``, short of ``left`` when a face has no panel."""
        lo = np.array([c[2] for c in self.categories])
        hi = np.array([c[3] for c in self.categories])
        point = target.copy()
        left = 1.0
        tight: dict[str, np.ndarray] = {
            "var_lo": np.zeros(point.size, dtype=bool),
            "var_hi": np.zeros(point.size, dtype=bool),
            "cat_lo": np.zeros(lo.size, dtype=bool),
            "cat_hi": np.zeros(lo.size, dtype=bool),
            "home": np.zeros(len(self.homes), dtype=bool),
        }
        panels: list[np.ndarray] = []
        weights: list[float] = []
        while left > DONE and len(panels) < max_steps:
            cat, home = self._sums(point)
            # Tightness only grows along the walk: x' stays in every face x and P share.
            tight["var_lo"] |= point <= TIGHT
            tight["var_hi"] |= point >= self.upper - TIGHT
            tight["cat_lo"] |= cat <= lo + TIGHT
            tight["cat_hi"] |= cat >= hi - TIGHT
            tight["home"] |= home >= 1.0 - TIGHT
            if np.any(tight["cat_lo"] & tight["cat_hi"] & (hi > lo)):
                break  # numerical noise has pushed the point out of the polytope
            panel = self._panel(point, tight)
            if panel is None:
                break
            panels.append(panel)
            step, binding = self._step(point, panel, cat, home, lo, hi, tight)
            if binding is None:  # the point is the panel itself
                weights.append(left)
                left = 0.0
                break
            theta = step / (1.0 + step)
            weights.append(left * theta)
            point = point + step * (point - panel)
            point = np.clip(point, 0.0, self.upper)
            left *= 1.0 - theta
            kind, index = binding
            tight[kind][index] = True
        return Walk(panels, np.array(weights), left)

    def _step(
        self,
        point: np.ndarray,
        panel: np.ndarray,
        cat: np.ndarray,
        home: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        tight: dict[str, np.ndarray],
    ) -> tuple[float, tuple[str, int] | None]:
        """Largest ``mu`` with ``point + mu (point - panel)`` in the face, and what binds it."""
        d = point - panel.astype(float)
        dcat, dhome = self._sums(d)
        candidates: list[tuple[str, np.ndarray, np.ndarray]] = [
            # (kind, slack, rate at which the move uses the slack)
            ("var_lo", point, -d),
            ("var_hi", self.upper - point, d),
            ("cat_lo", cat - lo, -dcat),
            ("cat_hi", hi - cat, dcat),
            ("home", 1.0 - home, dhome),
        ]
        best, binding = np.inf, None
        for kind, slack, rate in candidates:
            ok = (~tight[kind]) & (rate > 1e-12)
            if not ok.any():
                continue
            ratios = np.where(ok, np.maximum(slack, 0.0) / np.where(ok, rate, 1.0), np.inf)
            i = int(np.argmin(ratios))
            if ratios[i] < best:
                best, binding = float(ratios[i]), (kind, i)
        return best, binding


def head_start(oracle: PanelOracle, coverable: np.ndarray, max_steps: int) -> Walk:
    """Panels that (ideally) mix to the relaxation's leximin point; see the module docstring."""
    try:
        target = relaxed_leximin(oracle, coverable)
    except SolverFailed:
        return Walk([], np.zeros(0), 1.0)
    return FaceWalker(oracle, coverable).walk(target, max_steps)


__all__ = ["FaceWalker", "Walk", "head_start", "relaxed_leximin"]
