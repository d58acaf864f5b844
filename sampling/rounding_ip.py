"""Rounding the optimum to m panels so that nobody's chance falls more than one slot below it.

In units of lottery slots (probability x m), with ``share[t, j]`` the chance of a member
of type t to sit in panel j and ``pi[t]`` the optimum, a lottery is integer counts
``c_j >= 0`` with ``sum_j c_j = m``; type t's drop is ``m pi_t - share_t . c`` (when
positive). After Flanigan, Kehne and Procaccia ("Fair Sortition Made Transparent",
NeurIPS 2021), the panels need not come from the optimum's support. The steps, all
deterministic (budgets of swaps and nodes, never a clock):

1. the iterative LP rounding of the support (``sampling.rounding``): every change below
   (k + 1) slots, k the panel size;
2. with the panel polytope at hand (``quotas.polytope.PanelShape``), single-seat swaps
   into new panels (``sampling.rounding_swaps``): while some drop exceeds one slot
   (``QUICK`` at most; none when the types short of a slot need more), then
   ``POLISH`` more lowering the drops lexicographically (largest first), then ``RISES``
   lowering the largest rise without a new drop;
3. when a drop above one slot is left (many types short, as on large pools of single
   people), the local search over the support (``sampling.rounding_search``) from step
   1's counts: one slot at a time between the support's panels, lowering (largest drop,
   largest rise, squared drops), no rise above twice step 1's largest change (so still
   below k + 1 slots); a slot move changes every type of two panels at once. Then the
   swaps again (``SWAPS`` at most), the better of the two kept. Without the polytope (a
   distribution over other types than the pool's), this local search alone;
4. where a drop above one slot is left and every feasible panel can be listed
   (at most ``ENUMERATE``), HiGHS solves the whole integer program over them, from the
   swaps' answer: its answer when better, and its dual bound, a proven lower bound on the
   largest drop of every lottery of m panels (``drop_floor``). Nowhere else is a floor
   claimed (0: unknown).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from quotas.polytope import PanelShape
from quotas.solvers import INF, highs_mip_stop, new_highs_model, run_highs_mip
from sampling import rounding_records
from sampling.lottery_panels import Pairs, read_pairs, seats_per_type
from sampling.rounding_search import Composition, descend
from sampling.rounding_swaps import Swaps

__all__ = ["RoundingOutcome", "feasible_panels", "round_min_drop"]

QUICK = 500  # swaps tried first while some drop exceeds one slot
SWAPS = 20_000  # swaps at most, after the local search, while some drop exceeds one slot
POLISH = 100  # swaps lowering the drops lexicographically once all are within a slot
RISES = 100  # swaps lowering the largest rise, last
ENUMERATE = 5_000  # feasible panels up to which the whole integer program is solved
_VISITS = 200_000  # partial panels the listing visits before it gives up
_TYPES = 200  # types beyond which the listing is not tried (one level of recursion each)
NODES = 500  # branch-and-bound nodes of the whole integer program
SECONDS = 20.0  # safety time limit: hitting it leaves the swaps' answer and no floor
FLOOR_SLACK = 1e-6  # slots taken off HiGHS's bound (its tolerances) before it is claimed
_TOL = 1e-9


@dataclass(frozen=True)
class RoundingOutcome:
    """Counts per candidate panel and how they were found.

    ``drop_floor`` is a proven lower bound, in probability, on the largest drop of every
    lottery of m feasible panels (0 when none was computed).
    """

    panels: tuple[Composition, ...]
    counts: np.ndarray
    method: str  # "swaps", "integer_program" or "local_search" (support only)
    drop_floor: float
    added: int  # panels outside the optimum's support
    seconds: float
    # Each type's seats over the m slots (whole numbers), when the support's pairs were
    # given: the lottery's probabilities without reading its panels again.
    seats: np.ndarray | None = None


def round_min_drop(
    support: list[Composition],
    start: np.ndarray,
    per_type: np.ndarray,
    type_counts: np.ndarray,
    m: int,
    *,
    shape: PanelShape | None = None,
    share: np.ndarray | None = None,
    pairs: Pairs | None = None,
) -> RoundingOutcome:
    """Counts of m slots whose largest drop below ``per_type`` is at most one slot if found.

    ``start`` is a rounding of the support (counts summing to m), ``per_type`` each type's
    optimum probability, ``type_counts`` each type's head count, ``shape`` the panel
    polytope over the same types (None: only the support's panels are used), ``share``
    the support's types x panels shares when the caller has them (read, never changed;
    the local search then does not build them again), ``pairs`` the support's
    ``read_pairs`` when the caller has them (tuples of ``(int, int)`` tuples made from
    those arrays, as ``merged_support`` makes them): read once for every step, and the
    outcome's ``seats`` are then counted.
    """
    began = time.perf_counter()
    target = per_type * m
    counts = np.array(start, dtype=np.int64)  # a copy: ``start`` stays the fallback
    held = support, share, pairs
    if shape is None:
        counts = _descended(held, counts, target, type_counts)
        outcome = (tuple(support), counts, "local_search", 0.0, 0)
        seats = None if pairs is None else seats_per_type(pairs, counts, target.size)
        return RoundingOutcome(*outcome, time.perf_counter() - began, seats)
    swaps = Swaps(shape, support, counts, target, pairs=pairs)
    if swaps.shortfall() <= QUICK:
        swaps.lower_drops(QUICK, until=1.0)
    if swaps.largest_drop() > 1.0 + _TOL:  # many types short: slot moves, then swaps again
        descended = _descended(held, counts, target, type_counts)
        moved = Swaps(shape, support, descended, target, like=swaps)
        moved.lower_drops(SWAPS, until=1.0)
        if moved.largest_drop() < swaps.largest_drop():
            swaps = moved
    panels, counts, drop = _polished(swaps)
    method, floor = "swaps", 0.0
    if drop > 1.0 + _TOL:
        listed = feasible_panels(shape, ENUMERATE)
        solved = None if listed is None else _whole(listed, panels, counts, target, type_counts)
        if solved is not None:
            method, floor = "integer_program", solved[2] / m
            panels, counts, _ = _polished(Swaps(shape, solved[0], solved[1], target))
    new, times, kept = _added(support, panels, counts)
    read = read_pairs(new)  # once: for the guard and for the seats
    if not rounding_records.panels_hold(shape, new, pairs=read).all():
        # A guard, never expected to fire: a lottery holds only panels in the polytope.
        # The support's panels are the engine's (each checked): round over them alone.
        counts = _descended(held, np.array(start, dtype=np.int64), target, type_counts)
        outcome = (tuple(support), counts, "local_search", 0.0, 0)
        seats = None if pairs is None else seats_per_type(pairs, counts, target.size)
        return RoundingOutcome(*outcome, time.perf_counter() - began, seats)
    outcome = (tuple(panels), counts, method, floor, len(new))
    seats = None
    if pairs is not None:  # whole numbers: exact in any order, the bits of any other sum
        seats = seats_per_type(pairs, kept, target.size) + seats_per_type(read, times, target.size)
    return RoundingOutcome(*outcome, time.perf_counter() - began, seats)


def _descended(
    held: tuple[list[Composition], np.ndarray | None, Pairs | None],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
) -> np.ndarray:
    """The local search over the support (``held``: the support, its shares and its
    pairs when known). A rise may grow to twice the iterative rounding's largest change
    while drops fall, never to (k + 1) slots: that rounding's proven bound still holds."""
    support, share, pairs = held
    change = max(_extremes(support, counts, target, type_counts, pairs))
    size = sum(s for _, s in support[0]) if support else 0
    cap = max(change, min(2.0 * change, size + 1 - 1e-6))
    return descend(support, counts, target, type_counts, cap, share=share, pairs=pairs)


def _polished(swaps: Swaps) -> tuple[list[Composition], np.ndarray, float]:
    """``POLISH`` swaps lowering the drops lexicographically, ``RISES`` lowering the largest
    rise; the panels in use, their counts and the largest drop in slots."""
    swaps.lower_drops(POLISH)
    swaps.lower_rises(RISES)
    panels, counts = swaps.used()
    return panels, counts, swaps.largest_drop()


def _deviation(
    panels: list[Composition],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
    pairs: Pairs | None = None,
) -> np.ndarray:
    """Each type's slots minus its target (negative: below the optimum); ``pairs``: the
    panels' ``read_pairs`` when known."""
    types, seats, sizes = read_pairs(panels) if pairs is None else pairs
    # ``bincount`` adds one pair after another, in panel order, from 0: the bits of a
    # Python loop (and of ``np.add.at``, which it replaces: faster).
    gains = np.repeat(counts, sizes) * seats / type_counts[types]
    got = np.bincount(types, weights=gains, minlength=target.size).astype(float, copy=False)
    return got - target


def _added(
    support: list[Composition], panels: list[Composition], counts: np.ndarray
) -> tuple[list[Composition], np.ndarray, np.ndarray]:
    """The panels holding slots that are not the support's and their counts, and the
    count of each support panel. Panels can hold a thousand pairs each: on a sorted
    support (the lottery's), a binary search compares a few, and mostly only their first
    pairs, where hashing would read every pair of every panel."""
    held = [(p, c) for p, c in zip(panels, counts.tolist(), strict=True) if c]
    if all(a < b for a, b in pairwise(support)):
        places = [bisect_left(support, p) for p, _ in held]
        n = len(support)
        found = [
            -1 if i == n or support[i] != p else i for (p, _), i in zip(held, places, strict=True)
        ]
    else:
        place = {p: j for j, p in enumerate(support)}
        found = [place.get(p, -1) for p, _ in held]
    kept = np.zeros(len(support), dtype=np.int64)
    new, times = [], []
    for (p, c), i in zip(held, found, strict=True):
        if i < 0:
            new.append(p)
            times.append(c)
        else:
            kept[i] += c
    return new, np.array(times, dtype=np.int64), kept


def _extremes(
    panels: list[Composition],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
    pairs: Pairs | None = None,
) -> tuple[float, float]:
    """The largest drop and the largest rise of ``counts``, in slots."""
    dev = _deviation(panels, counts, target, type_counts, pairs)
    return max(0.0, float(-dev.min(initial=0.0))), max(0.0, float(dev.max(initial=0.0)))


# -- the whole integer program, on small polytopes ------------------------------------


def feasible_panels(shape: PanelShape, limit: int) -> list[Composition] | None:
    """Every panel of the polytope (type order, most seats first), or None beyond ``limit``
    panels, ``_VISITS`` partial panels or ``_TYPES`` types."""
    n_types, size = shape.n_types, shape.size
    if n_types > _TYPES:
        return None
    upper = np.minimum(shape.counts, size)
    upper = np.where(shape.home_of >= 0, np.minimum(upper, 1), upper).tolist()
    room = np.concatenate([np.cumsum(upper[::-1])[::-1], [0]]).tolist()
    cat_of = shape.category_of.tolist()
    lo, hi = shape.lo.tolist(), shape.hi.tolist()
    home_of = shape.home_of.tolist()
    cats = [0] * len(lo)
    homes = [0] * len(shape.households)
    seats = [0] * n_types
    found: list[Composition] = []
    visits = 0

    def walk(t: int, left: int) -> bool:  # False: a limit was hit
        nonlocal visits
        visits += 1
        if visits > _VISITS or len(found) > limit:
            return False
        if left == 0:
            if all(c >= low for c, low in zip(cats, lo, strict=True)):
                found.append(tuple((u, s) for u, s in enumerate(seats) if s))
            return True
        if room[t] < left:
            return True
        for x in range(min(upper[t], left), -1, -1):
            if any(cats[c] + x > hi[c] for c in cat_of[t]):
                continue
            h = home_of[t]
            if h >= 0 and homes[h] + x > 1:
                continue
            _add(cats, homes, cat_of[t], h, x)
            seats[t] = x
            going = walk(t + 1, left - x)
            seats[t] = 0
            _add(cats, homes, cat_of[t], h, -x)
            if not going:
                return False
        return True

    return found if walk(0, size) and len(found) <= limit else None


def _add(cats: list[int], homes: list[int], rows: list[int], home: int, x: int) -> None:
    for c in rows:
        cats[c] += x
    if home >= 0:
        homes[home] += x


def _whole(
    listed: list[Composition],
    panels: list[Composition],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
) -> tuple[list[Composition], np.ndarray, float] | None:
    """HiGHS over every listed panel: (panels, counts, proven floor in slots), from
    ``counts`` as incumbent; None when the safety time limit stopped it.

    The floor holds over every lottery; its answer is taken only when it lowers the
    largest drop and keeps every rise below (k + 1) slots.
    """
    m = int(counts.sum())
    n_types, n = target.size, len(listed)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for j, panel in enumerate(listed):
        for t, s in panel:
            rows.append(t)
            cols.append(j)
            vals.append(s / type_counts[t])
        rows.append(n_types)
        cols.append(j)
        vals.append(1.0)
    rows += list(range(n_types))
    cols += [n] * n_types
    vals += [1.0] * n_types
    cost = np.zeros(n + 1)
    cost[n] = 1.0
    h = new_highs_model(
        cost,
        (np.zeros(n + 1), np.concatenate([np.full(n, float(m)), [INF]])),
        (np.concatenate([target, [m]]), np.concatenate([np.full(n_types, INF), [m]])),
        (np.asarray(rows), np.asarray(cols), np.asarray(vals)),
        integer=np.concatenate([np.ones(n, bool), [False]]),
    )
    highs_mip_stop(h, seconds=SECONDS, nodes=NODES)
    where = {p: j for j, p in enumerate(listed)}
    start = np.zeros(n + 1)
    for p, c in zip(panels, counts.tolist(), strict=True):
        if p not in where:
            return None  # not a panel of the polytope as listed: no claim
        start[where[p]] += c
    drop = _extremes(panels, counts, target, type_counts)[0]
    start[n] = drop
    ran = run_highs_mip(h, start)
    if ran is None:
        return None
    values, bound = ran
    floor = max(0.0, bound - FLOOR_SLACK)
    found = np.rint(values[:n]).astype(np.int64)
    size = sum(s for _, s in listed[0])
    drop_rise = _extremes(listed, found, target, type_counts)
    better = (
        found.min(initial=0) >= 0
        and int(found.sum()) == m
        and drop_rise[0] < drop - _TOL
        and drop_rise[1] < size + 1 - 1e-6  # the iterative rounding's bound still holds
    )
    if not better:
        return panels, counts, min(floor, drop)
    used = np.flatnonzero(found)
    kept = [listed[j] for j in used.tolist()]
    return kept, found[used], min(floor, _extremes(kept, found[used], target, type_counts)[0])
