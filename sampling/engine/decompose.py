"""LEXIMIN from the relaxation: its leximin point, split into panels along faces.

The relaxation (``sampling.engine.relaxation``) bounds every level from above. When its leximin
point ``x*`` (expected seats per type) is a lottery of feasible panels, that lottery *is*
the leximin one, certified by the relaxation's level values, and no column generation is
needed. To find such panels we walk down the faces of the relaxed polytope: take an
integer panel ``P`` in the smallest face that holds the current point ``x`` (an integer
program whose tight constraints are equalities), write ``x = theta P + (1 - theta) x'``
with ``x'`` on the face's boundary, and repeat from ``x'``.

A plain walk (any ``P``) makes one more constraint tight per step and may need as many
steps as there are types (thousands on a 100,000-person pool). Here ``P`` must also allow
a step of at least ``theta``: bounds on its seats per type, category and household that
keep ``x'`` inside every loose constraint (``P_t <= x_t / theta`` and the like). Each step
then places a share ``theta`` of what is left, so the walk ends after about
``log(1e-9) / log(1 - theta)`` steps whatever the number of types: about 200 on the
100,000-person benchmark. ``theta`` shrinks when no panel allows it, down to the plain
walk. When a face holds no integer panel at all (the relaxation is not exact there) the
walk stops; the panels found so far seed the column generation, which certifies every
level either way. Exactness never depends on the walk.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from quotas.panel_box import SeatBox, panel_in_box
from quotas.solvers import SolverFailed
from sampling.engine.oracle import PanelOracle
from sampling.engine.relaxation import LikeTypes
from sampling.engine.surplus import surplus_levels

Progress = Callable[[str, float], None]

# Seats closer than this to a bound count as on it (the relaxation's LPs are solved to 1e-9).
TIGHT = 1e-7
# Stop once this little of the lottery is left to place.
DONE = 1e-9
# Step shares tried by the walk: the first, the largest and the smallest before giving up
# on long steps (then any panel in the face will do, as in a plain Caratheodory walk).
START_THETA = 0.25
MAX_THETA = 0.5
MIN_THETA = 1e-4
# Each step first asks for RISE times the last step's share; each failure multiplies by FALL.
RISE = 1.3
FALL = 0.8
# Rounding slack when turning step bounds into integer seat bounds.
SLACK = 1e-9
# A relaxed level at or below this is a level of types that no lottery can seat.
UNSEATABLE = 1e-9


@dataclass(frozen=True)
class RelaxedLeximin:
    """The relaxation's leximin point and its levels: upper bounds for every lottery.

    ``levels[i]`` is ``(z, types)``: no lottery whose earlier levels reach their bounds
    gives all of ``types`` more than ``z``. A lottery that gives every type of every
    level at least its ``z`` is therefore leximin-optimal.
    """

    seats: np.ndarray  # expected seats per type
    levels: list[tuple[float, np.ndarray]]

    def level_gaps(self, probabilities: np.ndarray) -> list[float]:
        """How far below each level's bound the given per-type probabilities fall (>= 0).

        Levels at 0 are left out: their types cannot be seated at all, not even
        fractionally (the column generation leaves them out too).
        """
        return [
            max(z - float(probabilities[types].min()), 0.0)
            for z, types in self.levels
            if z > UNSEATABLE
        ]

    def seatable(self) -> np.ndarray:
        """Mask of the types outside the levels at 0 (those the relaxation can seat)."""
        mask = np.ones(self.seats.size, dtype=bool)
        for z, types in self.levels:
            if z <= UNSEATABLE:
                mask[types] = False
        return mask


def relaxed_levels(
    oracle: PanelOracle, coverable: np.ndarray, targets: np.ndarray | None = None
) -> RelaxedLeximin:
    """The leximin point of the relaxation, level by level (small LPs, warm-started:
    ``sampling.engine.surplus``, some 40 rows whatever the number of types).

    With ``targets`` (one per type) the levels are of ``p_t / targets_t``. The LPs run over
    like types (``LikeTypes``: members of shared households merged with the people who
    share their features), each merged type's seats split by head count: by symmetry that
    is the leximin point of the relaxation without household rows, and so of the one with
    them whenever no household gets more than a seat there. Otherwise over all types.
    """
    shape = oracle.shape
    if shape.households:
        like = LikeTypes.of(shape, coverable, targets)
        first = like.first
        merged, merged_levels = surplus_levels(
            like.shape, coverable[first], None if targets is None else targets[first]
        )
        seats = merged[like.index] * (shape.counts / like.shape.counts[like.index])
        if np.all(shape.sums(seats)[1] <= 1.0):
            levels = [(z, np.flatnonzero(np.isin(like.index, ts))) for z, ts in merged_levels]
            return RelaxedLeximin(seats, levels)
    return RelaxedLeximin(*surplus_levels(shape, coverable, targets))


def relaxed_leximin(oracle: PanelOracle, coverable: np.ndarray) -> np.ndarray:
    """Expected seats per type of the leximin point of the relaxation."""
    return relaxed_levels(oracle, coverable).seats


@dataclass(frozen=True)
class Walk:
    """Panels found by a walk, their weights, and the share of the lottery left unplaced."""

    panels: list[np.ndarray]
    weights: np.ndarray
    left: float
    solves: int = 0  # integer programs solved (failed tries of a long step included)
    relaxation_seconds: float = 0.0  # of the head start, the relaxation's levels

    def lottery(self, min_weight: float) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """The panels and weights renormalised (below ``min_weight`` dropped), and the
        expected seats per type of that lottery."""
        weights = self.weights / self.weights.sum()
        keep = np.flatnonzero(weights >= min_weight)
        weights = weights[keep] / weights[keep].sum()
        panels = [self.panels[j] for j in keep.tolist()]
        seats = np.zeros(panels[0].size)
        for w, panel in zip(weights.tolist(), panels, strict=True):
            seats += w * panel
        return panels, weights, seats


class FaceWalker:
    """Integer panels in faces of the relaxed polytope, each from a small CBC program."""

    def __init__(
        self, oracle: PanelOracle, coverable: np.ndarray, *, long_steps: bool = True
    ) -> None:
        self.oracle = oracle
        self.upper = np.where(coverable, oracle.counts, 0).astype(float)
        self.shape = oracle.shape
        self.steps = 0
        # A plain walk (no long steps) finds more panels: a richer start for NASH.
        self.long_steps = long_steps
        self.theta = START_THETA
        self.lo = self.shape.lo.astype(float)
        self.hi = self.shape.hi.astype(float)

    def _sums(self, seats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per category and per household sums of ``seats``."""
        return self.shape.sums(np.asarray(seats, dtype=float))

    def _box(
        self,
        point: np.ndarray,
        cat: np.ndarray,
        home: np.ndarray,
        tight: dict[str, np.ndarray],
        theta: float,
    ) -> tuple[np.ndarray, ...] | None:
        """Bounds on a panel ``P`` in the face such that a step of ``theta`` fits, or None.

        Moving from ``P`` through ``x`` to ``x' = (x - theta P) / (1 - theta)`` keeps every
        loose constraint when ``(x - (1 - theta) upper) / theta <= P <= (x - (1 - theta)
        lower) / theta`` (per type, category and household); ``theta = 0`` leaves the face.
        """
        lo, hi = self.lo, self.hi
        if theta > 0:
            var_lo = np.ceil((point - (1 - theta) * self.upper) / theta - SLACK)
            var_hi = np.floor(point / theta + SLACK)
            cat_lo = np.ceil((cat - (1 - theta) * hi) / theta - SLACK)
            cat_hi = np.floor((cat - (1 - theta) * lo) / theta + SLACK)
            home_lo = np.where(home > 1 - theta + SLACK, 1.0, 0.0)
        else:
            var_lo, var_hi = np.zeros_like(point), self.upper
            cat_lo, cat_hi = lo, hi
            home_lo = np.zeros(home.size)
        var_lo = np.where(tight["var_hi"], self.upper, np.maximum(var_lo, 0.0))
        var_hi = np.where(tight["var_lo"], 0.0, np.minimum(var_hi, self.upper))
        cat_lo = np.where(tight["cat_hi"], hi, np.maximum(cat_lo, lo))
        cat_hi = np.where(tight["cat_lo"], lo, np.minimum(cat_hi, hi))
        home_lo = np.where(tight["home"], 1.0, home_lo)
        if np.any(var_lo > var_hi) or np.any(cat_lo > cat_hi):
            return None
        if var_lo.sum() > self.oracle.size or var_hi.sum() < self.oracle.size:
            return None
        return var_lo, var_hi, cat_lo, cat_hi, home_lo

    def _panel(self, point: np.ndarray, box: tuple[np.ndarray, ...]) -> np.ndarray | None:
        """An integer panel within ``box`` (seats of the likeliest people preferred), or None.

        Each seat is worth its person's chance in ``point`` (expected seats per head):
        seats where the point has much keep the step away from the face's boundary, and
        a weight per person lets like types share one column of the integer program
        (``panel_in_box``, over the types the box leaves free). Per person rather than
        per type also took fewer, quicker steps on the 100,000-person benchmarks.
        """
        self.steps += 1
        seats = panel_in_box(self.shape, SeatBox(*box), point / self.shape.counts)
        if seats is None:
            return None
        try:
            self.oracle.check(seats)
        except SolverFailed:
            return None  # a solver slip only ends the head start; nothing depends on it
        return seats

    def _next_panel(
        self,
        point: np.ndarray,
        cat: np.ndarray,
        home: np.ndarray,
        tight: dict[str, np.ndarray],
    ) -> np.ndarray | None:
        """A panel in the face that allows a long step: ask for ``theta``, less on failure.

        A step of ``theta`` places that share of what is left, so a walk that keeps
        ``theta`` near its last success ends after about ``log(DONE) / log(1 - theta)``
        steps, whatever the number of types.
        """
        theta = min(RISE * self.theta, MAX_THETA) if self.long_steps else 0.0
        while True:
            if theta < MIN_THETA:
                theta = 0.0
            box = self._box(point, cat, home, tight, theta)
            panel = None if box is None else self._panel(point, box)
            if panel is not None or theta == 0.0:
                if panel is not None and theta > 0:
                    self.theta = theta
                return panel
            theta *= FALL

    def walk(self, target: np.ndarray, max_steps: int, progress: Progress | None = None) -> Walk:
        """Panels and weights mixing to ``target``, short of ``left`` when a face has no panel."""
        lo, hi = self.lo, self.hi
        point = target.copy()
        left = 1.0
        tight: dict[str, np.ndarray] = {
            "var_lo": np.zeros(point.size, dtype=bool),
            "var_hi": np.zeros(point.size, dtype=bool),
            "cat_lo": np.zeros(lo.size, dtype=bool),
            "cat_hi": np.zeros(lo.size, dtype=bool),
            "home": np.zeros(len(self.oracle.households), dtype=bool),
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
            panel = self._next_panel(point, cat, home, tight)
            if panel is None:
                break
            panels.append(panel)
            step, binding = self._step(point, panel, cat, home, lo, hi, tight)
            if binding is None:  # the point is the panel itself
                weights.append(left)
                left = 0.0
                break
            theta = step / (1.0 + step)
            # The step is often longer than asked for: ask for about as much next time.
            self.theta = min(max(self.theta, theta), MAX_THETA)
            weights.append(left * theta)
            point = point + step * (point - panel)
            point = np.clip(point, 0.0, self.upper)
            left *= 1.0 - theta
            kind, index = binding
            tight[kind][index] = True
            if progress is not None:
                progress("head start", min(1.0, math.log(left) / math.log(DONE)))
        return Walk(panels, np.array(weights), left, self.steps)

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


def walk_budget(oracle: PanelOracle) -> int:
    """The most steps a head start's walk takes: a step count, never a clock.

    Each step makes one more constraint tight, so the budget is never the limit unless
    numerical noise stalls the walk.
    """
    return 2 * oracle.n_types + 2 * len(oracle.households) + 100


def head_start(
    oracle: PanelOracle,
    coverable: np.ndarray,
    max_steps: int,
    progress: Progress | None = None,
    *,
    long_steps: bool = True,
    targets: np.ndarray | None = None,
) -> tuple[Walk, RelaxedLeximin | None]:
    """Panels that (ideally) mix to the relaxation's leximin point, and that point's levels."""
    started = time.perf_counter()
    try:
        relaxed = relaxed_levels(oracle, coverable, targets)
    except SolverFailed:
        return Walk([], np.zeros(0), 1.0), None
    seconds = time.perf_counter() - started
    walker = FaceWalker(oracle, coverable, long_steps=long_steps)
    walk = walker.walk(relaxed.seats, max_steps, progress)
    return replace(walk, relaxation_seconds=seconds), relaxed


__all__ = [
    "FaceWalker",
    "RelaxedLeximin",
    "Walk",
    "head_start",
    "relaxed_levels",
    "relaxed_leximin",
    "walk_budget",
]
