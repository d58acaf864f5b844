"""Rounding by an integer program: m panels whose largest drop below the optimum is smallest.

After Flanigan, Kehne and Procaccia ("Fair Sortition Made Transparent", NeurIPS 2021):
choose a multiset of m panels, not necessarily from the optimal distribution's support,
so that nobody's probability falls far below the optimum. Working on types keeps the
program small. In units of lottery slots (probability x m), with ``share[t, j]`` the
chance of a member of type t to sit in panel j and ``pi[t]`` the optimum:

    integer c_j >= 0, sum_j c_j = m                       (slots of candidate panel j)
    m pi_t - share_t . c <= d   for every type t        (d: the largest drop)
    share_t . c - m pi_t <= r   for every type t        (r: the largest rise)

The steps, all deterministic (budgets of moves and nodes, never a clock):

1. start from the iterative LP rounding of the support (``sampling.rounding``);
2. local search (``descend``, in ``sampling.rounding_search``): move one slot between
   panels while the largest drop, then the largest rise, then the sum of squared drops
   falls lexicographically;
3. while the largest drop exceeds one slot, ``pricer`` adds panels outside the support
   that seat the types left short and spare those above their optimum, and the search
   goes on over them;
4. when the program is small (types x panels <= ``IP_CELLS``) and the largest drop still
   exceeds one slot (or the program is tiny, <= ``IP_ALWAYS``), HiGHS solves it in a
   neighbourhood of that answer (each count within ``SPREAD`` slots), first minimising
   ``d`` then ``r`` with ``d`` held, from that answer as incumbent (so never worse),
   stopped after ``NODES`` nodes; its dual bound certifies how low ``d`` can go there.
   If the safety time limit ends a solve, the local search's answer is kept and the
   method says so (``local_search``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from quotas.solvers import INF, highs_mip_stop, new_highs_model, run_highs_mip
from sampling.rounding_search import Composition, descend

if TYPE_CHECKING:
    import highspy

    from quotas.model import QuotaTable
    from quotas.pool import Pool
    from sampling.engine.oracle import PanelOracle

__all__ = ["OraclePricer", "RoundingOutcome", "round_min_drop"]

Pricer = Callable[[np.ndarray], np.ndarray]  # weight per type -> seats per type (a panel)

NODES = 10  # branch-and-bound nodes per solve: the deterministic limit
IP_ALWAYS = 500  # types x panels up to which HiGHS polishes even a drop within one slot
IP_CELLS = 3_000  # types x panels above which the integer program is skipped (its time)
SECONDS = 20.0  # safety time limit per solve: hitting it keeps the iterative rounding
PRICING_ROUNDS = 2  # rounds of new panels while the largest drop exceeds one slot
SPREAD = 1  # slots by which the program may move each count away from its start
_TOL = 1e-9


@dataclass(frozen=True)
class RoundingOutcome:
    """Counts per candidate panel and how the integer program went.

    ``drop_bound`` is HiGHS's certified lower bound, in probability, on the largest drop
    in the neighbourhood it searched (see ``sampling.lottery.Rounding``; 0 when unknown).
    """

    panels: tuple[Composition, ...]
    counts: np.ndarray
    method: str  # "integer_program", or "local_search" when HiGHS was skipped or timed out
    drop_bound: float
    added: int  # panels found by pricing, outside the optimum's support
    seconds: float


class OraclePricer:
    """The pricing oracle over a pool's types, built on its first call (often never)."""

    def __init__(self, pool: Pool, quotas: QuotaTable, size: int) -> None:
        self._args = (pool, quotas, size)
        self._oracle: PanelOracle | None = None

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        if self._oracle is None:
            from sampling.engine.oracle import PanelOracle

            self._oracle = PanelOracle(*self._args)
        return self._oracle.best(weights).seats


def round_min_drop(
    support: list[Composition],
    start: np.ndarray,
    per_type: np.ndarray,
    type_counts: np.ndarray,
    m: int,
    *,
    pricer: Pricer | None = None,
) -> RoundingOutcome:
    """Counts of m slots over ``support`` (and priced panels) minimising the largest drop.

    ``start`` is a rounding of the support (counts summing to m), ``per_type`` each type's
    optimum probability, ``type_counts`` each type's head count.
    """
    began = time.perf_counter()
    panels = list(support)
    target = per_type * m
    counts = np.asarray(start, dtype=np.int64)
    # A rise may grow to twice the iterative rounding's largest change while drops fall,
    # never to (k + 1) slots: that rounding's proven bound still holds.
    change = max(_extremes(panels, counts, target, type_counts))
    size = sum(s for _, s in panels[0]) if panels else 0
    cap = max(change, min(2.0 * change, size + 1 - 1e-6))
    counts = descend(panels, counts, target, type_counts, cap)
    known = set(panels)
    for _ in range(PRICING_ROUNDS):
        if pricer is None or _extremes(panels, counts, target, type_counts)[0] <= 1.0 + _TOL:
            break
        dev = _deviation(panels, counts, target, type_counts)
        fresh = [p for p in _priced(pricer, dev, type_counts) if p not in known]
        if not fresh:
            break
        known.update(fresh)
        panels.extend(fresh)
        grown = np.concatenate([counts, np.zeros(len(fresh), np.int64)])
        counts = descend(panels, grown, target, type_counts, cap)
    added = len(panels) - len(support)
    cells = target.size * len(panels)
    met = _extremes(panels, counts, target, type_counts)[0] <= 1.0 + _TOL
    if cells > IP_CELLS or (met and cells > IP_ALWAYS):
        return RoundingOutcome(tuple(panels), counts, "local_search", 0.0, added, _since(began))
    solved = _solve(panels, counts, target, type_counts, m, cap)
    if solved is None:
        return RoundingOutcome(tuple(panels), counts, "local_search", 0.0, added, _since(began))
    counts, bound = solved
    return RoundingOutcome(
        tuple(panels), counts, "integer_program", bound / m, added, _since(began)
    )


def _since(began: float) -> float:
    return time.perf_counter() - began


def _deviation(
    panels: list[Composition], counts: np.ndarray, target: np.ndarray, type_counts: np.ndarray
) -> np.ndarray:
    """Each type's slots minus its target (negative: below the optimum)."""
    got = np.zeros(target.size)
    for panel, c in zip(panels, counts.tolist(), strict=True):
        for t, s in panel:
            got[t] += c * s / type_counts[t]
    return got - target


def _priced(pricer: Pricer, dev: np.ndarray, type_counts: np.ndarray) -> list[Composition]:
    """Panels that seat the types furthest below target and spare those above it."""
    out: list[Composition] = []
    short = np.clip(-dev, 0.0, None)
    over = np.clip(dev, 0.0, None)
    for weights in (
        (short - over) / type_counts,
        np.where(short > 0.5, short, 0.0) / type_counts - over / type_counts,
        (short > 1.0 - _TOL) / type_counts,
    ):
        if np.any(weights > 0):
            seats = pricer(weights)
            out.append(tuple((int(t), int(seats[t])) for t in np.flatnonzero(seats)))
    return list(dict.fromkeys(out))


def _solve(
    panels: list[Composition],
    start: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
    m: int,
    cap: float,
) -> tuple[np.ndarray, float] | None:
    """Two solves (largest drop, then largest rise); None when a time limit stopped one."""
    n_types = target.size
    n = len(panels)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for j, panel in enumerate(panels):
        for t, s in panel:
            share = s / type_counts[t]
            rows += [t, n_types + t]
            cols += [j, j]
            vals += [share, share]
        rows.append(2 * n_types)
        cols.append(j)
        vals.append(1.0)
    types = np.arange(n_types)
    rows += types.tolist() + (n_types + types).tolist()
    cols += [n] * n_types + [n + 1] * n_types
    vals += [1.0] * n_types + [-1.0] * n_types
    lower = np.concatenate([target, np.full(n_types, -INF), [m]])
    upper = np.concatenate([np.full(n_types, INF), target, [m]])
    integer = np.concatenate([np.ones(n, bool), [False, False]])
    # A neighbourhood of the start: each count moves by at most SPREAD slots (new panels
    # start at 0). It keeps branch and bound small; the bound is over this neighbourhood.
    col_lower = np.concatenate([np.clip(start - SPREAD, 0, None).astype(float), [0.0, 0.0]])
    col_upper = np.concatenate([(start + SPREAD).astype(float), [INF, cap + 1e-9]])
    cost = np.zeros(n + 2)
    cost[n] = 1.0
    h = new_highs_model(
        cost,
        (col_lower, col_upper),
        (lower, upper),
        (np.asarray(rows), np.asarray(cols), np.asarray(vals)),
        integer=integer,
    )
    highs_mip_stop(h, seconds=SECONDS, nodes=NODES)
    first = _run(h, start, panels, target, type_counts, rise=False)
    if first is None:
        return None
    counts, bound = first
    drop = _extremes(panels, counts, target, type_counts)[0]
    h.changeColCost(n, 0.0)
    h.changeColCost(n + 1, 1.0)
    h.changeColBounds(n, 0.0, drop + 1e-7)
    second = _run(h, counts, panels, target, type_counts, rise=True)
    if second is None:
        return None
    return second[0], bound


def _extremes(
    panels: list[Composition], counts: np.ndarray, target: np.ndarray, type_counts: np.ndarray
) -> tuple[float, float]:
    """The largest drop and the largest rise of ``counts``, in slots."""
    dev = _deviation(panels, counts, target, type_counts)
    return max(0.0, float(-dev.min(initial=0.0))), max(0.0, float(dev.max(initial=0.0)))


def _run(
    h: highspy.Highs,
    start: np.ndarray,
    panels: list[Composition],
    target: np.ndarray,
    type_counts: np.ndarray,
    *,
    rise: bool,
) -> tuple[np.ndarray, float] | None:
    """Run from ``start``: the counts (never worse than ``start``) and HiGHS's bound.

    None when the safety time limit or an unexpected status ended the solve.
    """
    before = _extremes(panels, start, target, type_counts)
    ran = run_highs_mip(h, np.concatenate([start.astype(float), before]))
    if ran is None:
        return None  # kTimeLimit among them: its answer would depend on the machine
    values, bound = ran
    bound = max(0.0, bound)
    if values.size != len(panels) + 2:
        return start, bound
    counts = np.rint(values[: len(panels)]).astype(np.int64)
    if counts.min(initial=0) < 0 or int(counts.sum()) != int(start.sum()):
        return start, bound
    after = _extremes(panels, counts, target, type_counts)
    k = 1 if rise else 0
    worse = after[k] > before[k] + 1e-9 or (rise and after[0] > before[0] + 1e-9)
    return (start if worse else counts), bound
