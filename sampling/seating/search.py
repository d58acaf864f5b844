"""Seating one cell for one round by hand-made rules: a greedy deal, then improving swaps.

The greedy deal seats units one by one (fixed seats first, then the largest units, then
the others in a seeded order) at the table where they add the least to the objective;
it is the baseline the benchmark compares with, and CP-SAT's starting point. The swap
search then exchanges two units of the same size between two tables whenever that
lowers the objective, table pair after table pair in a seeded order, until a whole pass
finds nothing: every step is exact integer arithmetic, so the result depends only on the
cell, the earlier rounds and the seed.

The objective (in 1/n people, n the panel's size, so it is an integer): the sum over
tables, criteria and categories of ``|n * count - size * panel_count|``, plus
``REPEAT_WEIGHT * n`` for every earlier meeting of two people at the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sampling.seating.cells import Cell

#: A pair meeting again costs as much as this many people of deviation.
REPEAT_WEIGHT = 4
#: The swap search stops after this many passes over every pair of tables.
MAX_PASSES = 40


@dataclass(frozen=True)
class CellProblem:
    """One cell's round as arrays: unit profiles, earlier meetings, apart pairs, targets."""

    cell: Cell
    profiles: np.ndarray  # (units, columns): people of each category in each unit
    met: np.ndarray  # (units, units): earlier meetings of their people
    apart: np.ndarray  # (units, units): 1 where two units must not share a table
    panel: int  # n, the panel's size
    targets: np.ndarray  # (tables, columns): size * panel_count (in 1/n people)

    @property
    def weights(self) -> np.ndarray:
        return self.cell.weights

    def deviation(self, counts: np.ndarray) -> np.ndarray:
        """Each table's deviation (in 1/n people) for ``counts`` (tables, columns)."""
        return np.abs(self.panel * counts - self.targets).sum(axis=1)

    def objective(self, assignment: np.ndarray) -> int:
        """The objective of a seating of the cell (``assignment[u]`` = table index)."""
        members = _membership(assignment, len(self.cell.tables))
        counts = members.T @ self.profiles
        repeats = int(((members.T @ self.met) * members.T).sum()) // 2
        return int(self.deviation(counts).sum()) + REPEAT_WEIGHT * self.panel * repeats


def _membership(assignment: np.ndarray, tables: int) -> np.ndarray:
    members = np.zeros((len(assignment), tables), dtype=np.int64)
    members[np.arange(len(assignment)), assignment] = 1
    return members


def greedy(problem: CellProblem, rng: np.random.Generator) -> np.ndarray | None:
    """A seating dealt unit by unit (None if the deal gets stuck on the constraints)."""
    cell = problem.cell
    tables = len(cell.tables)
    weights = problem.weights
    room = cell.sizes.copy()
    counts = np.zeros((tables, problem.profiles.shape[1]), dtype=np.int64)
    members = np.zeros((len(weights), tables), dtype=np.int64)
    assignment = np.full(len(weights), -1, dtype=np.int64)
    shuffled = rng.permutation(len(weights))
    order = sorted(shuffled.tolist(), key=lambda u: (cell.fixed[u] < 0, -weights[u]))
    for u in order:
        if cell.fixed[u] >= 0:
            choice = int(cell.fixed[u])
            if (problem.apart[u] @ members)[choice]:  # fixed with someone kept apart
                return None
        else:
            allowed = (room >= weights[u]) & ((problem.apart[u] @ members) == 0)
            if not allowed.any():
                return None
            over_before = np.maximum(0, problem.panel * counts - problem.targets)
            over_after = np.maximum(
                0, problem.panel * (counts + problem.profiles[u]) - problem.targets
            )
            cost = (over_after - over_before).sum(axis=1)
            cost = cost + REPEAT_WEIGHT * problem.panel * (problem.met[u] @ members)
            # among equals, the emptiest table (so that tables fill evenly)
            key = np.where(
                allowed,
                cost * 1000 - 1000 * room // np.maximum(cell.sizes, 1),
                np.iinfo(np.int64).max,
            )
            choice = int(np.argmin(key))
        assignment[u] = choice
        room[choice] -= weights[u]
        counts[choice] += problem.profiles[u]
        members[u, choice] = 1
    return assignment


def improve(problem: CellProblem, assignment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``assignment`` after improving swaps until a pass over all table pairs finds none."""
    cell = problem.cell
    tables = len(cell.tables)
    if tables < 2:
        return assignment
    assignment = assignment.copy()
    members = _membership(assignment, tables)
    counts = members.T @ problem.profiles
    movable = cell.fixed < 0
    pairs = [(a, b) for a in range(tables) for b in range(a + 1, tables)]
    for _ in range(MAX_PASSES):
        improved = False
        for k in rng.permutation(len(pairs)):
            a, b = pairs[int(k)]
            swap = _best_swap(problem, assignment, members, counts, movable, a, b)
            if swap is None:
                continue
            u, v = swap
            assignment[u], assignment[v] = b, a
            members[u, a], members[u, b], members[v, b], members[v, a] = 0, 1, 0, 1
            counts[a] += problem.profiles[v] - problem.profiles[u]
            counts[b] += problem.profiles[u] - problem.profiles[v]
            improved = True
        if not improved:
            break
    return assignment


def _best_swap(
    problem: CellProblem,
    assignment: np.ndarray,
    members: np.ndarray,
    counts: np.ndarray,
    movable: np.ndarray,
    a: int,
    b: int,
) -> tuple[int, int] | None:
    """The swap of a unit at table ``a`` with one at ``b`` that lowers the objective most."""
    at_a = np.flatnonzero((assignment == a) & movable)
    at_b = np.flatnonzero((assignment == b) & movable)
    if len(at_a) == 0 or len(at_b) == 0:
        return None
    n = problem.panel
    change = problem.profiles[at_b][None, :, :] - problem.profiles[at_a][:, None, :]
    ta, tb = problem.targets[a], problem.targets[b]
    dev = (
        np.abs(n * (counts[a] + change) - ta).sum(axis=2)
        + np.abs(n * (counts[b] - change) - tb).sum(axis=2)
        - np.abs(n * counts[a] - ta).sum()
        - np.abs(n * counts[b] - tb).sum()
    )
    met_a, met_b = problem.met @ members[:, a], problem.met @ members[:, b]
    cross = problem.met[np.ix_(at_a, at_b)]
    repeats = (met_b[at_a][:, None] - cross - met_a[at_a][:, None]) + (
        met_a[at_b][None, :] - cross - met_b[at_b][None, :]
    )
    far_a, far_b = problem.apart @ members[:, a], problem.apart @ members[:, b]
    cross_apart = problem.apart[np.ix_(at_a, at_b)]
    allowed = (far_b[at_a][:, None] - cross_apart == 0) & (far_a[at_b][None, :] - cross_apart == 0)
    weights = problem.weights
    allowed &= weights[at_a][:, None] == weights[at_b][None, :]
    delta = np.where(allowed, dev + REPEAT_WEIGHT * n * repeats, 0)
    best = np.unravel_index(int(np.argmin(delta)), delta.shape)
    if delta[best] >= 0:
        return None
    return int(at_a[best[0]]), int(at_b[best[1]])
