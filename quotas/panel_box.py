"""The best panel within a box of seat bounds: the face walk's integer program, kept small.

``panel_in_box`` takes the fixed seats off every row first, so its integer program holds
only the types whose seats are free. Two reductions make that program smaller still
without changing the panels it allows:

- a shared household with one free member adds no row when its bounds allow that
  member every seat the box leaves it (the member is then like anyone living alone);
- free types that meet the same category in every feature, with the same weight and no
  household row, are one column: only the sum of their seats enters any row, and each
  seat is worth the same. The column's seats are dealt back to its types in type order.

The program is built from arrays, not row by row, and solved as an LP first
(``solve_box_program``): its optimum is mostly integral already; a fractional one is
rounded, and CBC runs only when no rounding comes within CBC's own gap of it (first over the
columns near the LP optimum, then over all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from quotas.pool import distinct_rows
from quotas.solvers import (
    Outcome,
    highs_optimal,
    highs_outcome,
    new_highs_model,
    solve_cbc_model,
)

if TYPE_CHECKING:
    from quotas.polytope import PanelShape

__all__ = ["GAP", "BoxColumns", "SeatBox", "box_columns", "panel_in_box", "solve_box_program"]

# An LP value this close to a whole number counts as whole (the rows are 0/1, the
# bounds whole numbers: an integral vertex is exact up to rounding in the last bits).
INTEGRAL = 1e-9
# A rounded LP optimum within this relative gap of the LP's value is taken (CBC's own
# default gap: the integer program's answer is no better promised).
GAP = 1e-4
# Columns at 0 in the LP optimum that the restricted CBC program keeps (see _near_columns).
NEAR = 100


@dataclass(frozen=True)
class SeatBox:
    """Bounds on a panel: seats per type, per category and (at least) per shared household."""

    seats_lo: np.ndarray  # per type; a type with seats_lo == seats_hi is fixed
    seats_hi: np.ndarray
    cat_lo: np.ndarray  # per category (PanelShape.categories order)
    cat_hi: np.ndarray
    home_lo: np.ndarray  # per shared household: 1 when it must have a seat, else 0


@dataclass(frozen=True)
class _Reduced:
    """The box with its fixed seats taken off: what is left for the free types."""

    base: np.ndarray  # fixed seats per type
    room: np.ndarray  # seats each type may add to its base
    free: np.ndarray  # types with room
    cat: tuple[np.ndarray, np.ndarray]  # per category: seats still needed, still allowed
    home: tuple[np.ndarray, np.ndarray]  # per shared household: the same
    size: int  # seats still to fill


def _reduce(shape: PanelShape, box: SeatBox) -> _Reduced | None:
    """The box less its fixed seats, or None when the fixed seats alone rule it out."""
    base = np.maximum(np.asarray(box.seats_lo, dtype=np.int64), 0)
    room = np.minimum(np.asarray(box.seats_hi, dtype=np.int64), shape.counts) - base
    free = np.flatnonzero(room > 0)
    cat_fixed, home_fixed = shape.sums(base)
    cat_lo = np.maximum(np.asarray(box.cat_lo, dtype=np.int64), shape.lo) - cat_fixed
    cat_hi = np.minimum(np.asarray(box.cat_hi, dtype=np.int64), shape.hi) - cat_fixed
    home_lo = np.asarray(box.home_lo, dtype=np.int64) - home_fixed
    home_hi = 1 - home_fixed
    size = shape.size - int(base.sum())
    cat_free, home_free = shape.sums(np.where(room > 0, 1, 0))
    unreachable = (
        np.any(room < 0)
        or np.any(cat_lo > cat_hi)
        or np.any(home_lo > home_hi)
        or size < 0
        or np.any((cat_free == 0) & ((cat_lo > 0) | (cat_hi < 0)))
        or np.any((home_free == 0) & ((home_lo > 0) | (home_hi < 0)))
        or (free.size == 0 and size != 0)
    )
    if unreachable or not _each_feature_fits(shape, shape.sums(room)[0], cat_lo, cat_hi, size):
        return None
    return _Reduced(base, room, free, (cat_lo, cat_hi), (home_lo, home_hi), size)


def _each_feature_fits(
    shape: PanelShape, cat_room: np.ndarray, cat_lo: np.ndarray, cat_hi: np.ndarray, size: int
) -> bool:
    """Whether each feature's categories can share the ``size`` seats left: together they
    need at most ``size`` and allow at least ``size`` (a category allows no more than its
    free types' room). A cheap proof that most boxes too tight for a step are empty."""
    feature = np.array([f for f, _ in shape.categories], dtype=np.int64)
    n_features = shape.vectors.shape[1]
    need = np.bincount(feature, weights=np.maximum(cat_lo, 0), minlength=n_features)
    allow = np.bincount(feature, weights=np.minimum(cat_hi, cat_room), minlength=n_features)
    return bool(np.all(need <= size) and np.all(allow >= size))


@dataclass(frozen=True)
class BoxColumns:
    """The free types grouped into columns: ``group[i]`` is free type ``i``'s column.

    ``homes[c]`` is column ``c``'s shared household when that household keeps a row,
    else -1; ``upper[c]`` its seats at most; ``first[c]`` its first free type.
    """

    group: np.ndarray
    first: np.ndarray
    upper: np.ndarray
    homes: np.ndarray


def box_columns(
    shape: PanelShape,
    free: np.ndarray,
    room: np.ndarray,
    home: tuple[np.ndarray, np.ndarray],
    weights: np.ndarray,
) -> BoxColumns:
    """The columns of the box program over the ``free`` types (see the module's notes)."""
    homes = shape.home_of[free]
    inside = homes >= 0
    nobody = len(shape.households)  # a household number past the last, for lookups
    members = np.bincount(homes[inside], minlength=nobody + 1)
    h = np.where(inside, homes, nobody)
    home_lo, home_hi = np.append(home[0], 0), np.append(home[1], 0)
    alone = inside & (members[h] == 1)
    loose = alone & (home_lo[h] <= 0) & (home_hi[h] >= room[free])
    plain = ~inside | loose
    # Rows of the key: a type's category in each feature and its weight's bits; a type
    # that keeps a household row gets a key of its own (a negative number no type has).
    bits = np.asarray(weights, dtype=np.float64)[free].view(np.int64)
    key = np.column_stack([shape.category_of[free], bits])
    key[~plain] = -1 - np.flatnonzero(~plain)[:, None]
    first, group = distinct_rows(key)
    upper = np.bincount(group, weights=room[free], minlength=first.size).astype(np.int64)
    column_homes = np.where(plain[first], -1, homes[first])
    return BoxColumns(group, first, upper, column_homes)


def _rows(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns sorted by label, each distinct label and where its columns start and end."""
    order = np.argsort(labels, kind="stable")
    ranked = labels[order]
    starts = np.concatenate([[0], np.flatnonzero(ranked[1:] != ranked[:-1]) + 1])
    ends = np.append(starts[1:], ranked.size)
    return order, ranked[starts], np.column_stack([starts, ends])


def _program(
    shape: PanelShape, columns: BoxColumns, free: np.ndarray, reduced: _Reduced, w: np.ndarray
) -> tuple[list[tuple[float, float, np.ndarray]], np.ndarray, np.ndarray]:
    """The rows ``(lower, upper, columns)``, the columns' upper bounds and objective."""
    rows: list[tuple[float, float, np.ndarray]] = []
    cats = shape.category_of[free[columns.first]]
    cat_lo, cat_hi = (b.tolist() for b in reduced.cat)
    for f in range(cats.shape[1]):
        order, distinct, spans = _rows(cats[:, f])
        for k, (a, b) in zip(distinct.tolist(), spans.tolist(), strict=True):
            rows.append((cat_lo[k], cat_hi[k], order[a:b]))
    n = columns.first.size
    rows.append((reduced.size, reduced.size, np.arange(n)))
    kept = np.flatnonzero(columns.homes >= 0)
    if kept.size:
        order, distinct, spans = _rows(columns.homes[kept])
        home_lo, home_hi = (b.tolist() for b in reduced.home)
        for h, (a, b) in zip(distinct.tolist(), spans.tolist(), strict=True):
            rows.append((home_lo[h], home_hi[h], kept[order[a:b]]))
    return rows, columns.upper.astype(float), np.asarray(w, dtype=float)[free[columns.first]]


def panel_in_box(shape: PanelShape, box: SeatBox, weights: np.ndarray) -> np.ndarray | None:
    """A panel (in the polytope) within ``box`` maximising ``weights . seats``, or None if none.

    The integer program holds only the types whose seats are free (``seats_lo <
    seats_hi``), grouped into columns (``box_columns``); rows without a free type are
    checked directly. In a face walk most types are fixed (a type whose expected seats
    fall below the step has none), so this program is a small part of the polytope.
    """
    reduced = _reduce(shape, box)
    if reduced is None:
        return None
    free = reduced.free
    if free.size == 0:
        return reduced.base
    columns = box_columns(shape, free, reduced.room, reduced.home, weights)
    rows, upper, objective = _program(shape, columns, free, reduced, weights)
    values = solve_box_program(objective, upper, rows)
    if values is None:
        return None
    return reduced.base + _deal(columns, free, reduced.room, np.rint(values).astype(np.int64))


def _deal(columns: BoxColumns, free: np.ndarray, room: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Each column's seats dealt to its types in type order, each up to its room."""
    out = np.zeros(room.size, dtype=np.int64)
    order = np.argsort(columns.group, kind="stable")  # free types by column, in type order
    rooms = room[free[order]]
    groups = columns.group[order]
    # Seats of the earlier types of the same column: a running sum restarted per column.
    before = np.cumsum(rooms) - rooms
    starts = np.searchsorted(groups, np.arange(columns.first.size))
    before -= before[starts][groups]
    out[free[order]] = np.clip(seats[groups] - before, 0, rooms)
    return out


def solve_box_program(
    objective: np.ndarray,
    upper: np.ndarray,
    rows: Sequence[tuple[float, float, np.ndarray]],
    *,
    near: int = NEAR,
) -> np.ndarray | None:
    """Maximise ``objective . x`` over integers ``0 <= x <= upper`` within ``rows``.

    Each row is ``(lower, upper, columns)``: the sum of those columns (coefficient 1)
    lies within the bounds. The LP relaxation is solved first (HiGHS, dual simplex): an
    infeasible LP has no integer point, and an integral LP optimum is the integer
    optimum. A fractional optimum is rounded (``_round_lp``), and goes to CBC only when no
    rounding is within ``GAP`` of it: first over the columns near the LP optimum
    (``_near_columns``, ``near`` unused ones kept), then over all if that falls short.
    Returns the values, or None when there is no solution (or CBC gives no answer).
    """

    n = int(upper.size)
    sizes = np.fromiter((c.size for _, _, c in rows), dtype=np.int64, count=len(rows))
    entries = (
        np.repeat(np.arange(len(rows)), sizes),
        np.concatenate([c for _, _, c in rows]) if rows else np.zeros(0, dtype=np.int64),
        np.ones(int(sizes.sum())),
    )
    bounds = (np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float))
    h = new_highs_model(
        -objective, (np.zeros(n), upper), bounds, entries, simplex_strategy=1, presolve=False
    )
    h.run()
    outcome = highs_outcome(h)
    if outcome is Outcome.INFEASIBLE:
        return None
    if outcome is Outcome.OPTIMAL:
        solution = h.getSolution()
        values = np.asarray(solution.col_value, dtype=float)
        if np.all(np.abs(values - np.rint(values)) <= INTEGRAL):
            return np.rint(values)
        reduced_costs = np.asarray(solution.col_dual, dtype=float)
        bound = float(objective @ values)
        rounded = _round_lp(-objective, values, bounds, entries)
        if rounded is not None and float(objective @ rounded) >= bound - GAP * abs(bound):
            return rounded
        kept = _near_columns(values, reduced_costs, near)
        found = solve_cbc_model(objective[kept], upper[kept], _restrict(rows, kept, n))
        if found is not None and float(objective[kept] @ found) >= bound - GAP * abs(bound):
            out = np.zeros(n)
            out[kept] = found
            return out
    return solve_cbc_model(objective, upper, rows)


def _near_columns(values: np.ndarray, reduced_costs: np.ndarray, near: int) -> np.ndarray:
    """The columns the LP optimum uses and the ``near`` others of smallest reduced cost.

    An integer optimum mostly lies among them: CBC over these alone is a third of the
    time on the 100,000-person benchmarks and came within ``GAP`` of the LP every time;
    when it does not, CBC runs on every column.
    """
    unused = np.flatnonzero(values <= INTEGRAL)
    order = np.argsort(np.abs(reduced_costs[unused]), kind="stable")[:near]
    return np.union1d(np.flatnonzero(values > INTEGRAL), unused[order])


def _restrict(
    rows: Sequence[tuple[float, float, np.ndarray]], near: np.ndarray, n: int
) -> list[tuple[float, float, np.ndarray]]:
    """The rows over the ``near`` columns only, renumbered."""
    position = np.full(n, -1, dtype=np.int64)
    position[near] = np.arange(near.size)
    out = []
    for low, high, columns in rows:
        kept = position[columns]
        out.append((low, high, kept[kept >= 0]))
    return out


def _round_lp(
    cost: np.ndarray,
    values: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray | None:
    """The best rounding of a fractional LP optimum: the whole values kept, each fraction
    taken up or down, or None if none fits.

    A small integer program over the fractional columns alone (a few dozen), within the
    rows they meet less what the whole values already hold there.
    """
    whole = np.abs(values - np.rint(values)) <= INTEGRAL
    kept = np.where(whole, np.rint(values), 0.0)
    which, columns, _ = entries
    held = np.bincount(which, weights=kept[columns], minlength=bounds[0].size)
    fraction = np.flatnonzero(~whole)
    position = np.full(values.size, -1, dtype=np.int64)
    position[fraction] = np.arange(fraction.size)
    meets = position[columns] >= 0
    rows = np.unique(which[meets])
    if np.any(np.delete((held < bounds[0] - INTEGRAL) | (held > bounds[1] + INTEGRAL), rows)):
        return None  # a row without fractions is broken: no rounding mends it
    renumber = np.full(bounds[0].size, -1, dtype=np.int64)
    renumber[rows] = np.arange(rows.size)
    h = new_highs_model(
        cost[fraction],
        (np.floor(values[fraction]), np.ceil(values[fraction])),
        (bounds[0][rows] - held[rows], bounds[1][rows] - held[rows]),
        (renumber[which[meets]], position[columns[meets]], np.ones(int(meets.sum()))),
        integer=np.ones(fraction.size, dtype=bool),
    )
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    if not highs_optimal(h):
        return None
    out = kept.copy()
    out[fraction] = np.rint(np.asarray(h.getSolution().col_value, dtype=float))
    return out
