"""The small integer programs of the alternates: choose people so that the quotas miss least.

Each program counts, per category, the seats missing below the minimum (``under``) and
in excess above the maximum (``over``) as non-negative slack variables, and minimises
their sum (the *quota deviation*, see ``sampling.alternates.dropouts``). The refill of
vacancies from groups of people (``best_refill``: enumerated when the choices are few,
else ``refill_program``) lives here; ``select`` and ``replace`` add their own
choice variables and use the same slack rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from quotas.solvers import new_cbc, solve_cbc

if TYPE_CHECKING:
    from sampling.alternates.dropouts import Layout

#: Enumerate refills up to this many subsets; beyond it, solve a small integer program.
ENUMERATION_LIMIT = 20_000

__all__ = [
    "ENUMERATION_LIMIT",
    "best_refill",
    "category_seats",
    "compositions",
    "deviation_slacks",
    "n_compositions",
    "one_per_household",
    "refill_program",
]


def deviation_slacks(
    solver: Any, seats: Sequence[Any], lo: np.ndarray, hi: np.ndarray
) -> list[Any]:
    """Add ``under_c >= lo_c - seats_c`` and ``over_c >= seats_c - hi_c`` for each category.

    ``seats[c]`` is the seats of category ``c`` (a linear expression or a number).
    Returns the slack variables ``[under_0, over_0, under_1, ...]``, whose sum is the
    quota deviation.
    """
    slack = []
    for c, total in enumerate(seats):
        under = solver.NumVar(0.0, solver.infinity(), f"u{c}")
        over = solver.NumVar(0.0, solver.infinity(), f"o{c}")
        solver.Add(under >= float(lo[c]) - total)
        solver.Add(over >= total - float(hi[c]))
        slack.extend([under, over])
    return slack


def category_seats(solver: Any, x: Sequence[Any], cats: np.ndarray, base: np.ndarray) -> list[Any]:
    """Seats per category when person ``j`` (categories ``cats[j]``) is taken iff ``x[j]``.

    ``base[c]`` seats of category ``c`` are taken already (a number per category).
    """
    seats = []
    for c in range(base.size):
        members = [x[j] for j in np.flatnonzero((cats == c).any(axis=1)).tolist()]
        seats.append(solver.Sum(members) + float(base[c]) if members else float(base[c]))
    return seats


def one_per_household(solver: Any, x: Sequence[Any], households: np.ndarray) -> None:
    """At most one of the people ``x`` of each shared household (``households[j]`` >= 0)."""
    for h in np.unique(households[households >= 0]).tolist():
        solver.Add(solver.Sum([x[j] for j in np.flatnonzero(households == h).tolist()]) <= 1)


def refill_program(
    layout: Layout, base: np.ndarray, vectors: np.ndarray, caps: tuple[int, ...], m: int
) -> tuple[int, np.ndarray]:
    """Take ``m`` people from groups of sizes ``caps`` (category rows ``vectors``) added to
    the seats ``base``, least deviation first; return the deviation and the counts taken."""
    solver = new_cbc()
    take = [solver.IntVar(0.0, float(c), f"z{t}") for t, c in enumerate(caps)]
    solver.Add(solver.Sum(take) == m)
    seats = []
    for c in range(layout.n_categories):
        members = [take[t] for t in np.flatnonzero(vectors[:, c]).tolist()]
        seats.append(solver.Sum(members) + float(base[c]) if members else float(base[c]))
    solver.Minimize(solver.Sum(deviation_slacks(solver, seats, layout.lo, layout.hi)))
    solve_cbc(solver)
    chosen = np.asarray([round(v.solution_value()) for v in take], dtype=np.int64)
    return int(layout.deviation(base + chosen @ vectors)), chosen


@lru_cache(maxsize=4096)
def compositions(caps: tuple[int, ...], m: int) -> np.ndarray:
    """Every way to take ``m`` items from groups of sizes ``caps`` (rows x groups)."""
    found: list[tuple[int, ...]] = []

    def walk(t: int, left: int, prefix: tuple[int, ...]) -> None:
        if t == len(caps) - 1:
            if left <= caps[t]:
                found.append((*prefix, left))
            return
        rest = sum(caps[t + 1 :])
        for take in range(max(0, left - rest), min(caps[t], left) + 1):
            walk(t + 1, left - take, (*prefix, take))

    walk(0, m, ())
    return np.asarray(found, dtype=np.int64).reshape(len(found), len(caps))


@lru_cache(maxsize=4096)
def n_compositions(caps: tuple[int, ...], m: int) -> int:
    """How many ways there are to take ``m`` items from groups of sizes ``caps``."""
    ways = [1] + [0] * m
    for cap in caps:
        ways = [sum(ways[j - t] for t in range(min(cap, j) + 1)) for j in range(m + 1)]
    return ways[m] if m >= 0 else 0


def best_refill(
    layout: Layout, base: np.ndarray, vectors: np.ndarray, caps: np.ndarray, m: int
) -> tuple[int, np.ndarray]:
    """Take ``m`` people from groups (category rows ``vectors``, sizes ``caps``), least deviation.

    Returns the deviation and how many to take from each group. Exact: it enumerates the
    choices when there are few and solves a small integer program (CBC) otherwise.
    """
    caps_t = tuple(int(c) for c in caps)
    if m >= sum(caps_t):
        take = np.asarray(caps_t, dtype=np.int64)
        return int(layout.deviation(base + take @ vectors)), take
    if m <= 0:
        return int(layout.deviation(base)), np.zeros(len(caps_t), dtype=np.int64)
    if n_compositions(caps_t, m) <= ENUMERATION_LIMIT:
        options = compositions(caps_t, m)
        devs = layout.deviation(base[None, :] + options @ vectors)
        best = int(np.argmin(devs))
        return int(devs[best]), options[best].copy()
    return refill_program(layout, base, vectors, caps_t, m)
