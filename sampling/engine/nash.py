"""NASH: the lottery maximising ``sum_i log pi_i`` by outer approximation plus column generation.

Method. Over the coverable types (the others cannot be seated and are left out, or the
objective would be minus infinity) the objective is ``f(p) = sum_t n_t log p_t``. The
master LP in HiGHS has the panel weights ``lambda``, the probabilities ``p_t`` and
epigraph variables ``w_t <= log p_t``, the log being replaced by tangent cuts
``w_t <= log a + (p_t - a) / a``; it maximises ``sum_t n_t w_t``. Each round it is solved
warm, tangents are added at the new ``p`` where the approximation is loose, and the
pricing oracle adds the best panel for the LP's marginal values ``mu_t`` of ``p_t``.

Certified gap. For any prices ``mu > 0`` and every lottery ``q`` (Lagrangian duality,
``log x <= x - 1``): ``f(q) <= sum_t n_t log(n_t / mu_t) - N + max_P mu.a_P`` with ``N``
coverable people and ``a_{P,t} = seats_{P,t} / n_t``; the pricing oracle's certified
bound gives the max. Once the tangents are dense, ``mu_t`` is close to ``n_t / p_t`` and
the bound is tight to second order. The figure reported is the best bound minus the best
``f`` found, divided by ``N``: the gap in mean log-probability, so ``exp(gap) - 1`` bounds
the relative loss in the geometric mean of the probabilities.
"""

from __future__ import annotations

import math
import time

import numpy as np

from quotas.solvers import INF, new_highs, solve_highs
from sampling import portable
from sampling.engine.decompose import FaceWalker, RelaxedLeximin, Walk, relaxed_levels, walk_budget
from sampling.engine.leximin import MIN_WEIGHT, EngineResult, Progress, initial_panels
from sampling.engine.master import PanelStore
from sampling.engine.nash_relaxed import relaxed_nash
from sampling.engine.oracle import PanelOracle
from sampling.errors import SolverFailed

# Probabilities below this are treated as zero when placing tangents.
TINY = 1e-12
# A tangent is added where the LP's w_t exceeds log p_t by more than this (its tolerance).
CUT_TOL = 1e-7


class NashMaster:
    """Columns: ``p_t``, then ``w_t`` per coverable type, then one ``lambda`` per panel."""

    def __init__(self, counts: np.ndarray, coverable: np.ndarray) -> None:
        self.counts = counts.astype(np.int64)
        self.active = np.flatnonzero(coverable)
        self.m = int(self.active.size)
        self.row_of = np.full(counts.size, -1, dtype=np.int64)
        self.row_of[self.active] = np.arange(self.m)
        self.store = PanelStore(int(counts.size))
        self.cuts = 0
        self.seconds = 0.0
        self.lowest = np.ones(self.m)  # smallest tangent point per type so far
        self.last = np.zeros(self.m)  # latest tangent point per type
        h = new_highs()
        m = self.m
        n = self.counts[self.active].astype(float)
        empty_i, empty_v = np.zeros(0, dtype=np.int32), np.zeros(0)
        h.addCols(
            m,
            np.zeros(m),
            np.zeros(m),
            np.ones(m),
            0,
            np.zeros(m, dtype=np.int32),
            empty_i,
            empty_v,
        )
        h.addCols(
            m, -n, np.full(m, -INF), np.zeros(m), 0, np.zeros(m, dtype=np.int32), empty_i, empty_v
        )
        # p_t - sum_P a_{P,t} lambda_P = 0, then sum lambda = 1
        h.addRows(
            m,
            np.zeros(m),
            np.zeros(m),
            m,
            np.arange(m, dtype=np.int32),
            np.arange(m, dtype=np.int32),
            np.ones(m),
        )
        h.addRow(1.0, 1.0, 0, empty_i, empty_v)
        self.h = h

    def add_panels(self, panels: list[np.ndarray]) -> int:
        """Add the new panels as columns; return how many were new."""
        new = self.store.columns(panels, self.counts, self.row_of, self.m, sign=-1.0)
        for rows, values in new:
            self.h.addCol(0.0, 0.0, INF, rows.size, rows, values)
        return len(new)

    def add_tangents(self, rows: np.ndarray, points: np.ndarray) -> None:
        """Cut ``w_t <= log a + (p_t - a) / a`` for each row ``t`` (coverable type order)."""
        k = int(rows.size)
        if k == 0:
            return
        index = np.empty(2 * k, dtype=np.int32)
        index[0::2] = self.m + rows  # w_t
        index[1::2] = rows  # p_t
        value = np.empty(2 * k)
        value[0::2] = 1.0
        value[1::2] = -1.0 / points
        self.h.addRows(
            k,
            np.full(k, -INF),
            portable.log(points) - 1.0,
            2 * k,
            np.arange(0, 2 * k, 2, dtype=np.int32),
            index,
            value,
        )
        self.lowest[rows] = np.minimum(self.lowest[rows], points)
        self.last[rows] = points
        self.cuts += k

    def solve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return (lambda per panel, p, w, marginal value of p) per coverable type."""
        start = time.perf_counter()
        solve_highs(self.h)
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value, dtype=float)
        # HiGHS reports d(objective)/d(rhs) of the minimisation: the value of p_t is its negation.
        marginal = -np.asarray(sol.row_dual, dtype=float)[: self.m]
        self.seconds += time.perf_counter() - start
        m = self.m
        lam = np.clip(col[2 * m :], 0.0, None)
        return lam, np.clip(col[:m], 0.0, 1.0), col[m : 2 * m], marginal


def nash(
    oracle: PanelOracle,
    *,
    rng: np.random.Generator,
    tol: float = 1e-6,
    extra_panels: int = 0,
    head_start: bool = True,
    max_rounds: int = 10_000,
    progress: Progress | None = None,
) -> EngineResult:
    """Maximise ``sum_t n_t log p_t`` over lotteries, to a certified gap of ``tol`` per person.

    With ``head_start`` the relaxation's NASH point is computed and split into panels
    first (``sampling.engine.nash_relaxed``); when that lottery is within ``tol`` of the
    relaxation's bound it is returned (``relaxation_certificate`` 1 in the figures).
    """
    walk = Walk([], np.zeros(0), 1.0)
    if head_start:
        started = _head_start(oracle, tol, progress)
        if isinstance(started, EngineResult):
            return started
        walk = started
    panels, coverable = initial_panels(oracle, rng, extra_panels, walk.panels)
    master = NashMaster(oracle.counts, coverable)
    master.add_panels(panels)
    best_weights, best_value, rounds, gap = _cut_and_price(
        master, oracle, _anchor(master, walk), tol=tol, max_rounds=max_rounds, progress=progress
    )
    return EngineResult(
        panels=[master.store.dense(j) for j in range(len(master.store))],
        weights=_pad(best_weights, len(master.store)),
        iterations=rounds,
        gap=gap,
        level_gaps=[],
        extra={
            "types": oracle.n_types,
            "coverable_types": master.m,
            "nash_objective": best_value,
            "tangent_cuts": master.cuts,
            "pricing_calls": oracle.calls,
            "pricing_seconds": round(oracle.seconds, 3),
            "master_seconds": round(master.seconds, 3),
            "relaxation_certificate": 0,
        },
    )


def _head_start(oracle: PanelOracle, tol: float, progress: Progress | None) -> EngineResult | Walk:
    """The relaxation's lottery if it is certified within ``tol``, else the panels to start from.

    Those panels are the (relaxed) leximin lottery's, or none when the relaxation fails.
    """
    everyone = np.ones(oracle.n_types, dtype=bool)
    budget = walk_budget(oracle)
    try:
        levels = relaxed_levels(oracle, everyone)
    except SolverFailed:
        return Walk([], np.zeros(0), 1.0)
    done = _from_relaxation(oracle, levels, tol, budget, progress)
    if done is not None:
        return done
    # The (relaxed) leximin lottery: a well-spread start, far closer to NASH's
    # optimum than any cover, so far fewer tangents and panels are needed.
    return FaceWalker(oracle, everyone, long_steps=False).walk(levels.seats, budget)


def _anchor(master: NashMaster, walk: Walk) -> np.ndarray:
    """Weights of the master's panels that seat everyone coverable: the first lottery.

    The uniform lottery over the covering panels is a safe anchor; the walk's lottery,
    when there is one, takes 90 % of the weight.
    """
    anchor = np.full(len(master.store), 1.0 / len(master.store))
    lead = np.zeros(len(master.store))
    for seats, weight in zip(walk.panels, walk.weights.tolist(), strict=True):
        j = master.store.index(seats)
        if j is not None:
            lead[j] += weight
    if lead.sum() > 0:
        anchor = 0.9 * lead / lead.sum() + 0.1 * anchor
    return anchor


def _cut_and_price(
    master: NashMaster,
    oracle: PanelOracle,
    anchor: np.ndarray,
    *,
    tol: float,
    max_rounds: int,
    progress: Progress | None,
) -> tuple[np.ndarray, float, int, float]:
    """Rounds of master LP, pricing and tangents from ``anchor`` until the gap is ``tol``.

    Returns the best weights found, their objective, the number of rounds and the
    certified gap per person.
    """
    active, n = master.active, oracle.counts[master.active].astype(float)
    total = float(n.sum())

    def probabilities(weights: np.ndarray) -> np.ndarray:
        return master.store.probabilities(weights, oracle.counts)[active]

    master.add_tangents(np.arange(master.m), probabilities(anchor))
    best_weights, best_value = anchor, portable.dot(n, portable.log(probabilities(anchor)))
    best_bound, rounds, gap = math.inf, 0, math.inf
    while rounds < max_rounds:
        rounds += 1
        try:
            weights, p, w, marginal = master.solve()
        except SolverFailed:
            if rounds == 1:
                raise
            break  # numerical trouble in a crowded LP: keep the best lottery and its gap
        weights = _pad(weights, len(master.store))
        if np.any(p <= TINY):  # keep everyone coverable in the lottery we certify
            weights = 0.999 * weights + 0.001 * _pad(anchor, weights.size)
        value = portable.dot(n, portable.log(probabilities(weights)))
        if value > best_value:
            best_weights, best_value = weights, value
        # Price with the LP's marginal values mu: a Lagrangian bound that is tight to second
        # order once the tangents are dense, unlike the first-order Frank-Wolfe gap.
        mu = np.maximum(marginal, TINY)
        prices = np.zeros(oracle.n_types)
        prices[active] = mu / n
        priced = oracle.best(prices)
        best_bound = min(best_bound, lagrangian_bound(n, mu, priced.bound))
        gap = max(best_bound - best_value, 0.0) / total
        if progress is not None:
            progress("nash", min(1.0, tol / gap) if gap > 0 else 1.0)
        if gap <= tol:
            break
        loose = _add_tangents(master, p, w, gap)
        if master.add_panels([priced.seats]) == 0 and loose == 0:
            break  # nothing left to add: the gap is what numerical precision allows
    return best_weights, best_value, rounds, gap


def _add_tangents(master: NashMaster, p: np.ndarray, w: np.ndarray, gap: float) -> int:
    """Add tangents where the LP overestimates ``log p`` beyond its own tolerance; return how many.

    Cuts far finer than the current gap only slow the LP down.
    """
    over = w - portable.log(np.maximum(p, TINY))
    loose = np.flatnonzero(over > max(CUT_TOL, 0.1 * gap))
    if loose.size == 0:
        loose = np.flatnonzero(over > CUT_TOL)
    points = np.where(p[loose] > TINY, p[loose], master.lowest[loose] / 10.0)
    # A tangent almost on top of the previous one adds nothing but ill-conditioning.
    fresh = np.abs(points - master.last[loose]) > 1e-7 * points
    loose, points = loose[fresh], points[fresh]
    master.add_tangents(loose, points)
    return int(loose.size)


def _from_relaxation(
    oracle: PanelOracle,
    levels: RelaxedLeximin,
    tol: float,
    budget: int,
    progress: Progress | None,
) -> EngineResult | None:
    """The relaxation's NASH point split into panels, if that lottery is within ``tol``."""
    started = time.perf_counter()
    point = relaxed_nash(oracle, levels, tol)
    if point is None:
        return None
    walker = FaceWalker(oracle, np.ones(oracle.n_types, dtype=bool))
    walk = walker.walk(point.seats, budget, progress)
    if not walk.panels:
        return None
    panels, weights, seats = walk.lottery(MIN_WEIGHT)
    p = seats / oracle.counts
    gap = point.gap(p, oracle.counts)
    if gap > tol:
        return None
    n = oracle.counts[point.seated].astype(float)
    return EngineResult(
        panels=panels,
        weights=weights,
        iterations=point.steps,
        gap=gap,
        level_gaps=[],
        extra={
            "types": oracle.n_types,
            "coverable_types": int(np.count_nonzero(seats > 0)),
            "nash_objective": portable.dot(n, portable.log(p[point.seated])),
            "newton_steps": point.steps,
            "head_start_panels": len(walk.panels),
            "head_start_unplaced": walk.left,
            "head_start_solves": walk.solves,
            "head_start_seconds": round(time.perf_counter() - started, 3),
            "relaxation_certificate": 1,
            "pricing_calls": oracle.calls,
        },
    )


def lagrangian_bound(n: np.ndarray, mu: np.ndarray, best_price: float) -> float:
    """Upper bound on ``max f`` from prices ``mu > 0`` and ``best_price >= max_P mu.a_P``.

    ``f(q) <= sum_t n_t log(n_t / (s mu_t)) - N + s max_P mu.a_P`` for every ``s > 0``; the
    best scale is ``s = N / best_price``.
    """
    total = float(n.sum())
    return portable.dot(n, portable.log(n / mu)) + total * math.log(best_price / total)


def _pad(weights: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size)
    out[: weights.size] = weights
    return out
