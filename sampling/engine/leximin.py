"""LEXIMIN by column generation over types: raise the smallest probability, fix it, repeat.

Each level maximises the smallest probability of the open types (Flanigan et al.,
Nature 2021). The pricing bound ``max_P y.a_P - sum_fixed y_t floor_t`` holds for *any*
dual ``y >= 0`` summing to 1 over the open types, so every level ends with a certified
gap. At the optimum, the open types with a positive dual are tight in every optimal
lottery; they are fixed at the level and the next level starts, warm, from the same LP.

First of all the leximin point of the compact relaxation is split into panels
(``sampling.engine.decompose``). On the benchmark pools that point is a lottery; it is then the
leximin lottery, certified by the relaxation's level bounds, and no column generation
runs. Otherwise the walk's panels seed the master and every level is certified by
pricing as above.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sampling import portable
from sampling.engine.decompose import RelaxedLeximin, Walk, walk_budget
from sampling.engine.decompose import head_start as relaxed_panels
from sampling.engine.master import MasterSolution, MinimumMaster, below
from sampling.engine.oracle import PanelOracle
from sampling.engine.relaxation import Relaxation
from sampling.errors import SolverFailed

Progress = Callable[[str, float], None]

# Duals below this (after normalising to sum 1) count as zero when choosing types to fix.
DUAL_TOL = 1e-9
# Panels below this weight are dropped from a lottery (and the rest renormalised).
MIN_WEIGHT = 1e-9
# A level stops when its bound is within this share of the tolerance of the master's z:
# the rest is left for what the lottery handed back really gives (the master's rows hold
# within 1e-9, weights below MIN_WEIGHT are dropped), on which the gaps are measured.
LEVEL_SHARE = 0.5


@dataclass
class EngineResult:
    """What an engine hands back: the panels, their weights and how the run went."""

    panels: list[np.ndarray]  # dense seats per type
    weights: np.ndarray
    iterations: int = 0
    gap: float = 0.0
    level_gaps: list[float] = field(default_factory=list)
    extra: dict[str, float | int] = field(default_factory=dict)


@dataclass
class Level:
    """The optimum of one level: its master solution, certified gap and pricing rounds."""

    solution: MasterSolution
    gap: float
    rounds: int
    duals: np.ndarray  # the dual that certifies the gap; it picks the types to fix
    bound: float = np.inf  # the certified upper bound on the level


def initial_panels(
    oracle: PanelOracle,
    rng: np.random.Generator,
    extra: int,
    seated: Sequence[np.ndarray] = (),
) -> tuple[list[np.ndarray], np.ndarray]:
    """Panels covering every coverable type, plus ``extra`` panels for random weights.

    The ``seated`` panels are kept (first) and spare the cover the types they seat.
    """
    more, coverable = oracle.cover(seated)
    panels = [*seated, *more]
    for _ in range(extra):
        weights = np.where(coverable, rng.random(oracle.n_types), 0.0) / oracle.counts
        panels.append(oracle.best(weights).seats)
    return panels, coverable


def raise_minimum(
    master: MinimumMaster,
    oracle: PanelOracle,
    *,
    tol: float,
    smoothing: float,
    max_rounds: int,
    center: np.ndarray | None = None,
    center_bound: float = np.inf,
    per_round: int = 1,
) -> Level:
    """Column generation for one level until the certified gap is at most ``tol``.

    Duals are smoothed towards the best-bound dual so far (Wentges), which damps the
    zig-zag of plain column generation; ``center`` (e.g. the relaxation's duals, with its
    certified ``center_bound``) seeds it. The dual that proves the gap is returned: its
    positive entries are the types that are tight in every optimal lottery.
    """
    best_bound, best_duals = center_bound, center
    rounds, mispriced = 0, False
    while True:
        sol = master.solve()
        if best_duals is not None and best_bound - sol.z <= tol:
            return Level(sol, max(best_bound - sol.z, 0.0), rounds, best_duals, best_bound)
        if rounds >= max_rounds:
            return Level(
                sol,
                max(best_bound - sol.z, 0.0),
                rounds,
                sol.duals if best_duals is None else best_duals,
                best_bound,
            )
        exact = best_duals is None or smoothing <= 0 or mispriced
        if exact or best_duals is None:
            tries = [sol.duals]
        else:
            alphas = np.linspace(smoothing, 0.0, per_round) if per_round > 1 else [smoothing]
            tries = [a * best_duals + (1 - a) * sol.duals for a in alphas]
        found = []
        for duals in tries:
            priced = oracle.best(duals / master.units)
            bound = master.bound(duals, priced.bound)
            if bound < best_bound:
                best_bound, best_duals = bound, duals
            gain = (
                master.bound(sol.duals, portable.dot(sol.duals / master.units, priced.seats))
                - sol.z
            )
            if gain > tol * 0.5:
                found.append(priced.seats)
        rounds += 1
        mispriced = not found or master.add_panels(found) == 0
        if mispriced and exact:
            # Nothing improves at the master's own duals, yet the bound is above tol: the
            # solvers' tolerances are the limit here; report the gap honestly.
            best_duals = sol.duals if best_duals is None else best_duals
            return Level(sol, max(best_bound - sol.z, 0.0), rounds, best_duals, best_bound)


def leximin(
    oracle: PanelOracle,
    *,
    rng: np.random.Generator,
    tol: float = 1e-8,
    smoothing: float = 0.8,
    extra_panels: int = 0,
    relaxation: bool = True,
    per_round: int = 1,
    head_start: bool = True,
    max_rounds: int = 100_000,
    levels: int | None = None,
    progress: Progress | None = None,
    targets: np.ndarray | None = None,
) -> EngineResult:
    """LEXIMIN over types; ``levels=1`` stops after the first level (that is MAXIMIN).

    ``targets`` (one positive number per type, default None: the same for everyone) makes
    it the leximin of ``p_t / targets_t`` (the end-to-end selection of
    ``sampling.propensity``): the relaxation, its levels and the master divide each type's
    probability by its target; the walk and the pricing are unchanged.

    With ``head_start`` the relaxation's leximin point is first split into panels
    (``sampling.engine.decompose``); when they reach every level's relaxed bound within ``tol``
    that lottery is returned, certified by those bounds (``relaxation_certificate`` is 1
    in the figures). Otherwise the column generation starts from the walk's panels.
    """
    walked: list[np.ndarray] = []
    unplaced, started = 1.0, time.perf_counter()
    if head_start:
        # The relaxation here assumes every type coverable: a type that no panel can seat
        # makes the walk stop early, and the cover below then finds out which types those are.
        everyone = np.ones(oracle.n_types, dtype=bool)
        walk, point = relaxed_panels(
            oracle, everyone, walk_budget(oracle), progress, targets=targets
        )
        walked, unplaced = walk.panels, walk.left
        units = oracle.counts if targets is None else oracle.counts * targets
        done = _walk_lottery(
            oracle, walk, point, (tol, units), levels, time.perf_counter() - started
        )
        if done is not None:
            return done
    start_seconds = time.perf_counter() - started
    panels, coverable = initial_panels(oracle, rng, extra_panels, walked)
    master = MinimumMaster(oracle.counts, coverable, targets)
    master.add_panels(panels)
    relaxed = Relaxation(oracle, coverable, targets) if relaxation else None
    n_open = int(coverable.sum())
    settings = _LevelSettings(tol, smoothing, max_rounds, per_round)
    sol, gaps, iterations = _raise_levels(
        master, oracle, relaxed, settings, n_open=n_open, levels=levels, progress=progress
    )
    store = master.store
    return EngineResult(
        panels=[store.dense(j) for j in range(len(store))],
        weights=sol.weights,
        iterations=iterations,
        gap=max(gaps, default=0.0),
        level_gaps=gaps,
        extra={
            "types": oracle.n_types,
            "coverable_types": n_open,
            "head_start_panels": len(walked),
            "head_start_unplaced": unplaced,
            "head_start_seconds": round(start_seconds, 3),
            "relaxation_certificate": 0,
            "levels": len(gaps),
            "pricing_calls": oracle.calls,
            "pricing_seconds": round(oracle.seconds, 3),
            "master_seconds": round(master.seconds, 3),
            "master_solves": master.solves,
            "floors_lowered": master.lowered,
        },
    )


@dataclass(frozen=True)
class _LevelSettings:
    """How the column generation of each level runs (see ``raise_minimum``)."""

    tol: float
    smoothing: float
    max_rounds: int
    per_round: int


def _raise_levels(
    master: MinimumMaster,
    oracle: PanelOracle,
    relaxed: Relaxation | None,
    settings: _LevelSettings,
    *,
    n_open: int,
    levels: int | None,
    progress: Progress | None,
) -> tuple[MasterSolution, list[float], int]:
    """Raise, certify and fix one level after another until no type is open.

    Returns the last master solution, the certified gap of each level and the number of
    iterations (pricing rounds plus relaxed solves). ``relaxed``, when given, seeds each
    level with its duals; it is dropped for good if its solver fails. ``n_open`` (the
    coverable types) scales the progress reports. Each level's gap is measured on the
    lottery handed back (tiny weights dropped, as in the Distribution): how far its types
    fall below the level's certified upper bound.
    """
    done: list[tuple[float, np.ndarray]] = []  # each level's upper bound and its types
    iterations = 0
    sol: MasterSolution | None = None
    while master.open.any():
        center, center_bound, relaxed_z = None, np.inf, np.inf
        if relaxed is not None:
            try:
                relaxed_z, center = relaxed.duals(master.open)
            except SolverFailed:
                relaxed = None  # only a head start: plain column generation still converges
            else:
                center_bound = master.bound(center, oracle.best(center / master.units).bound)
                iterations += 1
        level = raise_minimum(
            master,
            oracle,
            tol=settings.tol * LEVEL_SHARE,
            smoothing=settings.smoothing,
            max_rounds=settings.max_rounds,
            center=center,
            center_bound=center_bound,
            per_round=settings.per_round,
        )
        sol = level.solution
        iterations += level.rounds
        if levels is not None and len(done) + 1 >= levels:
            done.append((level.bound, np.flatnonzero(master.open)))
            break
        done.append((level.bound, _fix_level(master, relaxed, level, relaxed_z)))
        if progress is not None:
            progress("leximin", 1.0 - float(master.open.sum()) / max(n_open, 1))
    if sol is None:  # no coverable type: impossible once a feasible panel exists
        sol = master.solve()
    achieved = master.achieved(sol.weights, MIN_WEIGHT)
    gaps = [max(bound - float(achieved[types].min()), 0.0) for bound, types in done]
    return sol, gaps, iterations


def _fix_level(
    master: MinimumMaster, relaxed: Relaxation | None, level: Level, relaxed_z: float
) -> np.ndarray:
    """Fix the open types that the level's dual proves tight, just below what they get.

    Returns the types fixed. HiGHS meets its rows only within its feasibility tolerance:
    its ``z`` can exceed what its weights, taken as a lottery, really give, and floors set
    from ``z`` added up over levels to a master HiGHS called infeasible. So every floor
    sits just below what the lottery in hand gives (``MinimumMaster.achieved``): that
    lottery meets them all in exact arithmetic, and its expected seats meet the
    relaxation's. The floor never exceeds the level's upper bounds either: above the
    relaxation's optimum (``relaxed_z``) the next relaxed level would be infeasible.
    """
    open_types = np.flatnonzero(master.open)
    tight = open_types[level.duals[open_types] > DUAL_TOL]
    if tight.size == 0:  # cannot happen with exact duals; never loop forever
        tight = open_types[[int(np.argmax(level.duals[open_types]))]]
    achieved = master.achieved(level.solution.weights)
    for t in master.meet(achieved).tolist():  # earlier floors it falls a hair short of
        if relaxed is not None:
            relaxed.fix(np.array([t]), float(master.floors[t]), master.row_of)
    floor = below(min(float(achieved[tight].min()), level.bound, relaxed_z))
    master.fix(tight, floor)
    if relaxed is not None:
        relaxed.fix(tight, floor, master.row_of)
    return tight


def _walk_lottery(
    oracle: PanelOracle,
    walk: Walk,
    point: RelaxedLeximin | None,
    within: tuple[float, np.ndarray],
    levels: int | None,
    seconds: float,
) -> EngineResult | None:
    """The walk's lottery when it reaches every level's relaxed bound within ``tol``.

    The relaxation bounds every level of every lottery from above, so a lottery that
    attains those bounds is leximin-optimal, with the bounds as its certificate: no column
    generation is needed. Returns None when the walk fell short (the caller then runs the
    column generation from the walk's panels). ``within`` is the tolerance and what each
    type's seats are divided by (its head count, times its target with targets).
    """
    if point is None or not walk.panels:
        return None
    tol, units = within
    panels, weights, seats = walk.lottery(MIN_WEIGHT)
    gaps = point.level_gaps(seats / units)
    if levels is not None:
        gaps = gaps[:levels]
    if not gaps or max(gaps) > tol:
        return None
    return EngineResult(
        panels=panels,
        weights=weights,
        iterations=len(walk.panels),
        gap=max(gaps),
        level_gaps=gaps,
        extra={
            "types": oracle.n_types,
            "coverable_types": int(np.count_nonzero(seats > 0)),
            "head_start_panels": len(walk.panels),
            "head_start_unplaced": walk.left,
            "head_start_solves": walk.solves,
            "head_start_seconds": round(seconds, 3),
            "relaxation_seconds": round(walk.relaxation_seconds, 3),
            "relaxation_certificate": 1,
            "levels": len(gaps),
            "pricing_calls": oracle.calls,
            "pricing_seconds": round(oracle.seconds, 3),
            "master_seconds": 0.0,
            "master_solves": 0,
        },
    )
