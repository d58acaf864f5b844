"""Annealing one cell's seating: random swaps, some uphill, under a fixed move budget.

The swap search (``sampling.seating.search.improve``) stops at the first seating no
single swap improves. Annealing walks on from there: it draws a swap of two units of
the same size at two tables (a seeded draw), scores it on the exact objective, takes it
if it does not raise the objective, and otherwise takes it with probability
``exp(-rise / temperature)``, the temperature falling geometrically from 0.3
people's worth of deviation to 0.01 over ``MOVES_PER_UNIT`` draws per
unit (fewer when a round's cells hold more than ``ROUND_MOVES / MOVES_PER_UNIT``
people). The best seating met is kept. The budget is a number of draws, not a time, so the
result depends only on the cell, the earlier rounds and the seed.
"""

from __future__ import annotations

import math

import numpy as np

from sampling.seating.search import REPEAT_WEIGHT, CellProblem, _membership

#: Swaps drawn per unit of a cell (the budget: no wall-clock limit) ...
MOVES_PER_UNIT = 200
#: ... and at most this many in a round over all cells, shared by their units (so that
#: 10,000 online participants cost no more than 200).
ROUND_MOVES = 40_000
#: Temperatures at the start and the end, in people's worth of deviation.
HOT, COLD = 0.3, 0.01


def anneal_moves(units: int, people: int) -> int:
    """The swaps drawn for a cell of ``units`` units in a request of ``people`` people."""
    return min(MOVES_PER_UNIT * units, ROUND_MOVES * units // max(people, 1))


def anneal(
    problem: CellProblem, assignment: np.ndarray, rng: np.random.Generator, moves: int
) -> np.ndarray:
    """The best seating met in ``moves`` draws from ``assignment`` (never worse than it)."""
    cell = problem.cell
    tables = len(cell.tables)
    movable = np.flatnonzero(cell.fixed < 0)
    if tables < 2 or len(movable) < 2 or moves < 1:
        return assignment
    firsts = rng.integers(0, len(movable), size=moves)
    seconds = rng.integers(0, len(movable) - 1, size=moves)
    draws = rng.random(moves)
    walk = _Walk(problem, assignment)
    best, best_cost = walk.assignment.copy(), 0
    cost = 0
    n = problem.panel
    temperature = HOT * n
    cooling = (COLD / HOT) ** (1.0 / moves)
    weights = problem.weights
    for k in range(moves):
        temperature *= cooling
        i, j = int(firsts[k]), int(seconds[k])
        u, v = int(movable[i]), int(movable[j + (j >= i)])
        if weights[u] != weights[v]:
            continue
        delta = walk.delta(u, v)
        if delta is None:
            continue
        if delta > 0 and draws[k] >= math.exp(-delta / temperature):
            continue
        walk.swap(u, v)
        cost += delta
        if cost < best_cost:
            best, best_cost = walk.assignment.copy(), cost
    return best


class _Walk:
    """A seating with the sums a swap's score needs, kept up to date swap by swap."""

    def __init__(self, problem: CellProblem, assignment: np.ndarray) -> None:
        self.problem = problem
        self.assignment = assignment.copy()
        members = _membership(self.assignment, len(problem.cell.tables))
        self.counts = members.T @ problem.profiles
        self.dev = problem.deviation(self.counts)
        self.met_at = problem.met @ members  # (units, tables): earlier meetings at each
        self.apart_at = problem.apart @ members  # (units, tables): kept-apart units at each

    def delta(self, u: int, v: int) -> int | None:
        """The objective's change if ``u`` and ``v`` trade tables (None: not allowed)."""
        a, b = int(self.assignment[u]), int(self.assignment[v])
        if a == b:
            return None
        p = self.problem
        apart = int(p.apart[u, v])
        if self.apart_at[u, b] - apart or self.apart_at[v, a] - apart:
            return None
        change = p.profiles[v] - p.profiles[u]
        n = p.panel
        new_a = np.abs(n * (self.counts[a] + change) - p.targets[a]).sum()
        new_b = np.abs(n * (self.counts[b] - change) - p.targets[b]).sum()
        met = int(p.met[u, v])
        repeats = (
            self.met_at[u, b]
            - met
            - self.met_at[u, a]
            + self.met_at[v, a]
            - met
            - self.met_at[v, b]
        )
        return int(new_a + new_b - self.dev[a] - self.dev[b]) + REPEAT_WEIGHT * n * int(repeats)

    def swap(self, u: int, v: int) -> None:
        """Trade the tables of ``u`` and ``v``, updating the sums."""
        p = self.problem
        a, b = int(self.assignment[u]), int(self.assignment[v])
        change = p.profiles[v] - p.profiles[u]
        self.counts[a] += change
        self.counts[b] -= change
        for t in (a, b):
            self.dev[t] = np.abs(p.panel * self.counts[t] - p.targets[t]).sum()
        self.met_at[:, a] += p.met[:, v] - p.met[:, u]
        self.met_at[:, b] += p.met[:, u] - p.met[:, v]
        self.apart_at[:, a] += p.apart[:, v] - p.apart[:, u]
        self.apart_at[:, b] += p.apart[:, u] - p.apart[:, v]
        self.assignment[u], self.assignment[v] = b, a
