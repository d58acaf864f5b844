"""Seating one cell for one round with CP-SAT: every constraint exact, the objective close.

Booleans ``x[u, t]`` seat unit ``u`` at table ``t``; each unit sits once, each table
holds its size, fixed units sit at their table, no two units of an apart group share a
table. The objective is the swap search's (``sampling.seating.search``): deviation per
table, criterion and category in 1/n people, plus ``REPEAT_WEIGHT * n`` per unit beyond
the first of an earlier round's table that sits at the same table again (a linear
stand-in for the pairs, which the swap search then counts exactly). The greedy deal is
the hint. The swap search does better per second on plain cells (measured in
``benchmarks/bench_tables.py``), so ``seat_tables`` calls CP-SAT, unless asked for more,
for what it alone does well: a seating that meets every constraint when the greedy deal
gets stuck (a model without objective), or the proof that none exists. The solver runs
on one worker with a limit in deterministic time and a seed, so its answer depends only
on the model and the seed (``quotas.solvers.new_cp_sat``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from quotas.solvers import Outcome, new_cp_sat, solve_cp_sat
from sampling.seating.search import REPEAT_WEIGHT, CellProblem

if TYPE_CHECKING:
    from ortools.sat.python import cp_model


def solve_cell(
    problem: CellProblem,
    earlier: list[np.ndarray],
    hint: np.ndarray | None,
    *,
    seed: int,
    seconds: float,
    optimise: bool = True,
) -> tuple[np.ndarray | None, Outcome]:
    """CP-SAT's seating of the cell (None if it found none) and how the solve ended.

    ``earlier`` holds the groups of units that sat together in earlier rounds. Without
    ``optimise`` the model has no objective: any seating that meets the constraints.
    """
    from ortools.sat.python import cp_model

    cell = problem.cell
    units, tables = len(cell.units), len(cell.tables)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{u}_{t}") for t in range(tables)] for u in range(units)]
    for u in range(units):
        model.add_exactly_one(x[u])
        if cell.fixed[u] >= 0:
            model.add(x[u][int(cell.fixed[u])] == 1)
    weights = problem.weights
    for t in range(tables):
        model.add(sum(int(weights[u]) * x[u][t] for u in range(units)) == int(cell.sizes[t]))
        for group in cell.apart:
            model.add_at_most_one(x[int(u)][t] for u in group)
    if optimise:
        _objective(model, x, problem, earlier, hint)
    # With a whole hint, presolve would spend the time limit before using it.
    solver = new_cp_sat(seed=seed, deterministic_seconds=seconds, presolve=hint is None)
    outcome = solve_cp_sat(solver, model)
    if outcome not in (Outcome.OPTIMAL, Outcome.FEASIBLE):
        return None, outcome
    assignment = np.array(
        [next(t for t in range(tables) if solver.boolean_value(x[u][t])) for u in range(units)],
        dtype=np.int64,
    )
    return assignment, outcome


def _objective(
    model: cp_model.CpModel,
    x: list[list[cp_model.IntVar]],
    problem: CellProblem,
    earlier: list[np.ndarray],
    hint: np.ndarray | None,
) -> None:
    """The objective, and the whole hint (its deviations and repeats too) when given."""
    cell = problem.cell
    units, tables = len(cell.units), len(cell.tables)
    terms: list[Any] = []
    hinted: list[tuple[cp_model.IntVar, int]] = []
    seated = None if hint is None else np.eye(tables, dtype=np.int64)[hint]
    n = problem.panel
    for t in range(tables):
        for j in range(problem.profiles.shape[1]):
            present = np.flatnonzero(problem.profiles[:, j])
            target = int(problem.targets[t, j])
            count = sum(int(problem.profiles[u, j]) * x[int(u)][t] for u in present)
            gap = model.new_int_var(0, n * int(cell.sizes[t]) + target, f"d{t}_{j}")
            model.add(gap >= n * count - target)
            model.add(gap >= target - n * count)
            terms.append(gap)
            if seated is not None:
                hinted.append((gap, abs(n * int(problem.profiles[:, j] @ seated[:, t]) - target)))
    for k, group in enumerate(earlier):
        for t in range(tables):
            extra = model.new_int_var(0, len(group) - 1, f"e{k}_{t}")
            model.add(sum(x[int(u)][t] for u in group) <= 1 + extra)
            terms.append(REPEAT_WEIGHT * n * extra)
            if seated is not None:
                hinted.append((extra, max(0, int(seated[group, t].sum()) - 1)))
    model.minimize(sum(terms))
    if seated is not None:  # a complete hint: CP-SAT starts from a whole solution
        for u in range(units):
            for t in range(tables):
                model.add_hint(x[u][t], int(seated[u, t]))
        for var, value in hinted:
            model.add_hint(var, value)
