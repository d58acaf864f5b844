"""The door to seating: ``seat_tables(request)`` puts everyone at a table in every round.

Cell by cell (``sampling.seating.cells``) and round by round: a greedy deal, CP-SAT from
that hint with a share of the request's deterministic effort, then the swap search
(``sampling.seating.search``). Every random choice comes from a generator seeded with the
request's seed and the round and cell, and CP-SAT runs on one worker with a
deterministic-time limit, so the same request gives the same seating in any process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from quotas.solvers import Outcome
from sampling.seating.anneal import anneal, anneal_moves
from sampling.seating.cells import Cell, make_cells
from sampling.seating.cpsat import solve_cell
from sampling.seating.figures import (
    category_columns,
    deviation_floor,
    random_seating,
    seating_figures,
)
from sampling.seating.model import Seating, SeatingImpossible, SeatingRequest
from sampling.seating.search import CellProblem, greedy, improve


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *parts])))


def seat_tables(request: SeatingRequest, *, method: str = "optimised") -> Seating:
    """Seat everyone of ``request``: a greedy deal, CP-SAT if it gets stuck, swaps.

    ``method="greedy"``: the greedy deal only (a baseline); ``method="cp-sat"``: CP-SAT
    from the greedy deal, with the objective, in every cell and round, then the swaps.
    Raises InvalidInput for unknown or repeated ids, SeatingImpossible (exit 1) when the
    constraints cannot all be met.

    >>> request = SeatingRequest(("a", "b", "c", "d"), {"g": ("f", "f", "m", "m")}, 2, 1, 7)
    >>> seating = seat_tables(request)
    >>> bool(seating.tables[0, 0] != seating.tables[0, 1]), seating.figures.deviation
    (True, 0.0)
    """
    cells = make_cells(request, _rng(request.seed, 1))
    _, onehot = category_columns(request)
    n = len(request.ids)
    panel_counts = onehot.sum(axis=0)
    rounds = request.rounds
    tables = np.zeros((rounds, n), dtype=np.int64)
    solves: Counter[str] = Counter()
    states = [_CellState(cell, onehot) for cell in cells]
    for r in range(rounds):
        for c, state in enumerate(states):
            problem = state.problem(n, panel_counts)
            rng = _rng(request.seed, 2, r, c)
            moves = anneal_moves(len(state.cell.units), n)
            assignment = _seat_cell(
                problem, state.earlier, rng, method, (request.effort, moves), solves
            )
            if assignment is None:
                raise SeatingImpossible("tables_not_found", round=r + 1)
            state.record(assignment, tables[r])
    labels = {int(t): cell.label for cell in cells for t in cell.tables}
    return evaluate_seating(request, tables, labels, dict(sorted(solves.items())))


def evaluate_seating(
    request: SeatingRequest,
    tables: np.ndarray,
    labels: Mapping[int, str],
    solves: Mapping[str, int] | None = None,
) -> Seating:
    """A seating's figures, its random comparison (drawn with the seed) and its floor.

    Used for a seating just made and for one changed by hand (a person moved).
    """
    shuffled = random_seating(tables, labels, _rng(request.seed, 3))
    return Seating(
        request=request,
        tables=tables,
        labels=dict(labels),
        figures=seating_figures(request, tables, labels),
        random=seating_figures(request, shuffled, labels),
        solves=dict(solves or {}),
        floor=round(deviation_floor(request, tables), 6),
    )


def _seat_cell(
    problem: CellProblem,
    earlier: list[np.ndarray],
    rng: np.random.Generator,
    method: str,
    budget: tuple[float, int],
    solves: Counter[str],
) -> np.ndarray | None:
    """One cell's seating for one round (None if none was found; raises if none exists).

    ``budget``: CP-SAT's deterministic seconds and the annealing's swaps.
    """
    seconds, moves = budget
    assignment = greedy(problem, rng)
    if method == "greedy":
        solves["greedy"] += assignment is not None
        return assignment
    start = "greedy"
    if method == "cp-sat" or assignment is None:
        seed = int(rng.integers(2**31 - 1))
        solved, outcome = solve_cell(
            problem, earlier, assignment, seed=seed, seconds=seconds, optimise=method == "cp-sat"
        )
        if outcome is Outcome.INFEASIBLE:
            raise SeatingImpossible("tables_impossible")
        if solved is not None:
            assignment, start = solved, f"cp-sat {outcome.value}"
    if assignment is None:
        return None
    solves[start] += 1
    assignment = anneal(problem, improve(problem, assignment, rng), rng, moves)
    return improve(problem, assignment, rng)


class _CellState:
    """A cell's arrays, and who met whom in the rounds seated so far."""

    def __init__(self, cell: Cell, onehot: np.ndarray) -> None:
        self.cell = cell
        units = len(cell.units)
        self.profiles = np.stack([onehot[m].sum(axis=0) for m in cell.units])
        self.met = np.zeros((units, units), dtype=np.int64)
        self.apart = np.zeros((units, units), dtype=np.int64)
        for group in cell.apart:
            self.apart[np.ix_(group, group)] = 1
        np.fill_diagonal(self.apart, 0)
        self.earlier: list[np.ndarray] = []

    def problem(self, n: int, panel_counts: np.ndarray) -> CellProblem:
        targets = self.cell.sizes[:, None] * panel_counts[None, :]
        return CellProblem(self.cell, self.profiles, self.met, self.apart, n, targets)

    def record(self, assignment: np.ndarray, seats: np.ndarray) -> None:
        """Seat the round: each person's table number into ``seats``; meetings counted."""
        weights = self.cell.weights
        for t, number in enumerate(self.cell.tables):
            group = np.flatnonzero(assignment == t)
            for u in group:
                seats[self.cell.units[u]] = number
            self.met[np.ix_(group, group)] += np.outer(weights[group], weights[group])
            if len(group) > 1:
                self.earlier.append(group)
        np.fill_diagonal(self.met, 0)
