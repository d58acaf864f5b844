"""Every solver object is made here, and every solve's status is read here.

HiGHS (LPs, QPs and the alternates' MIPs), CBC through OR-Tools (the panel integer
programs), CP-SAT (the seating at tables) and PuLP (the exported feasibility model) are
created by the functions below and nowhere else, so each runs on one thread without
output, and a solve that ends in an
unexpected status raises ``SolverFailed`` with the solver's name and status, whichever
algorithm asked. ``tests/quotas/test_solvers.py`` keeps it that way.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Collection, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from quotas.problems import KleroError

if TYPE_CHECKING:
    import highspy
    import pulp
    from ortools.linear_solver import pywraplp
    from ortools.sat.python import cp_model

# The solver libraries load on first use: importing this module (as the errors do) stays
# cheap for commands that never solve. The message of SolverFailed's code
# (selection_solver_failed) is in sampling's catalogue, where it was.


__all__ = [
    "ANY_OUTCOME",
    "INF",
    "OPTIMAL_ONLY",
    "Outcome",
    "SolverFailed",
    "highs_mip_stop",
    "highs_optimal",
    "highs_outcome",
    "highs_status",
    "new_cbc",
    "new_cp_sat",
    "new_highs",
    "new_highs_model",
    "new_pulp_problem",
    "run_highs_mip",
    "solve_cbc",
    "solve_cbc_model",
    "solve_cp_sat",
    "solve_highs",
]

INF = math.inf  # HiGHS's infinity (``highspy.kHighsInf``) is the float infinity

_BANNER_LOCK = threading.Lock()
_banner_shown = False


class SolverFailed(KleroError):
    """A solver returned an unexpected status (a bug or numerical trouble, not bad input)."""

    exit_code = 3

    def __init__(self, solver: str, status: str) -> None:
        super().__init__("selection_solver_failed", solver=solver, status=status)


# -- HiGHS --------------------------------------------------------------------------


def new_highs(*, simplex_strategy: int = 4, presolve: bool = True) -> highspy.Highs:
    """A silent, single-threaded, deterministic HiGHS (dual simplex by default).

    Always one thread: HiGHS sizes one thread pool per process at its first run, and a
    later object asking for another size fails to run.
    """
    import highspy

    global _banner_shown
    with _BANNER_LOCK:
        if _banner_shown:
            h = highspy.Highs()
        else:
            # HiGHS prints a banner to the C-level stdout on the first construction per
            # process, before options can silence it; it would corrupt the CLI's JSON output.
            _banner_shown = True
            h = _construct_quietly()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("simplex_strategy", simplex_strategy)
    h.setOptionValue("random_seed", 0)
    if not presolve:
        h.setOptionValue("presolve", "off")
    return h


def new_highs_model(
    cost: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    row_bounds: tuple[np.ndarray, np.ndarray],
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    integer: np.ndarray | None = None,
    simplex_strategy: int = 4,
    presolve: bool = True,
) -> highspy.Highs:
    """A new HiGHS (as ``new_highs``) holding a whole model, passed in one call.

    Columns have ``cost`` and ``bounds = (lower, upper)``; rows have ``row_bounds``;
    the matrix has the ``entries = (rows, columns, values)``; ``integer`` marks the
    integer columns (none by default).
    """
    import highspy

    rows, cols, values = (np.asarray(a) for a in entries)
    n = len(cost)
    order = np.lexsort((rows, cols))
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(row_bounds[0])
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(bounds[0], dtype=float)
    lp.col_upper_ = np.asarray(bounds[1], dtype=float)
    lp.row_lower_ = np.asarray(row_bounds[0], dtype=float)
    lp.row_upper_ = np.asarray(row_bounds[1], dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(n + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = values[order].astype(float)
    if integer is not None:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in integer
        ]
    h = new_highs(simplex_strategy=simplex_strategy, presolve=presolve)
    h.passModel(lp)
    return h


def _construct_quietly() -> highspy.Highs:
    import highspy

    try:
        saved = os.dup(1)
    except OSError:  # no usable stdout: nothing to protect
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def highs_optimal(h: highspy.Highs) -> bool:
    """Whether HiGHS's last run ended at a proven optimum."""
    import highspy

    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def highs_status(h: highspy.Highs) -> str:
    """HiGHS's last model status in its own words (``"Optimal"``, ``"Infeasible"``, ...)."""
    return str(h.modelStatusToString(h.getModelStatus()))


def highs_outcome(h: highspy.Highs) -> Outcome:
    """How HiGHS's last run ended: an optimum, proven infeasible, or anything else."""
    import highspy

    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return Outcome.OPTIMAL
    if status == highspy.HighsModelStatus.kInfeasible:
        return Outcome.INFEASIBLE
    return Outcome.OTHER


def highs_mip_stop(h: highspy.Highs, *, seconds: float, nodes: int) -> None:
    """Stop a HiGHS integer program after ``nodes`` branch-and-bound nodes or ``seconds``.

    The node limit gives the same answer on any machine; the time limit is a safety net
    whose outcome (``kTimeLimit``) the caller must treat as "no answer" to stay
    deterministic.
    """
    h.setOptionValue("mip_max_nodes", int(nodes))
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("mip_rel_gap", 0.0)


def run_highs_mip(h: highspy.Highs, start: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Run an integer program from the incumbent ``start``: its values and dual bound.

    An optimum or a node limit is an answer (the same on every machine); anything else,
    the time limit included, is None.
    """
    import highspy

    solution = highspy.HighsSolution()
    solution.col_value = np.asarray(start, dtype=float).tolist()
    h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    answered = (
        highspy.HighsModelStatus.kOptimal,
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kIterationLimit,
    )
    if status not in answered:
        return None
    values = np.asarray(h.getSolution().col_value, dtype=float)
    return values, float(h.getInfo().mip_dual_bound)


def solve_highs(h: highspy.Highs) -> None:
    """Solve, raising SolverFailed unless HiGHS reports an optimum.

    A warm start after bound or column changes can end without a status ("Not Set"),
    seen rarely on a loaded machine; the same LP solved cold from its model does not.
    """
    h.run()
    if not highs_optimal(h):
        h.clearSolver()
        h.run()
    if not highs_optimal(h):
        raise SolverFailed("HiGHS", h.modelStatusToString(h.getModelStatus()))


# -- CBC ----------------------------------------------------------------------------


class Outcome(StrEnum):
    """How a CBC or CP-SAT solve ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution, not proven optimal (a time limit)
    INFEASIBLE = "infeasible"
    OTHER = "other"  # no answer: a limit without a solution, or an error


OPTIMAL_ONLY = frozenset({Outcome.OPTIMAL})
ANY_OUTCOME = frozenset(Outcome)


def new_cbc(*, time_limit: float | None = None) -> pywraplp.Solver:
    """A CBC integer-program solver (OR-Tools' bundled one) on one thread.

    Raises SolverFailed ``("CBC", "unavailable")`` when OR-Tools was built without it.
    """
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("CBC")
    if solver is None:  # pragma: no cover - OR-Tools always bundles CBC
        raise SolverFailed("CBC", "unavailable")
    solver.SetNumThreads(1)
    if time_limit is not None:
        solver.SetTimeLimit(int(time_limit * 1000))
    return solver


def cbc_outcome(status: int) -> Outcome:
    """The outcome of a CBC status code."""
    from ortools.linear_solver import pywraplp

    outcomes = {
        pywraplp.Solver.OPTIMAL: Outcome.OPTIMAL,
        pywraplp.Solver.FEASIBLE: Outcome.FEASIBLE,
        pywraplp.Solver.INFEASIBLE: Outcome.INFEASIBLE,
    }
    return outcomes.get(status, Outcome.OTHER)


def solve_cbc(
    solver: pywraplp.Solver,
    *,
    relative_gap: float | None = None,
    accept: Collection[Outcome] = OPTIMAL_ONLY,
) -> Outcome:
    """Solve; raise SolverFailed ``("CBC", status)`` unless the outcome is in ``accept``."""
    from ortools.linear_solver import pywraplp

    if relative_gap is None:
        status = solver.Solve()
    else:
        params = pywraplp.MPSolverParameters()
        params.SetDoubleParam(params.RELATIVE_MIP_GAP, relative_gap)
        status = solver.Solve(params)
    outcome = cbc_outcome(status)
    if outcome not in accept:
        raise SolverFailed("CBC", str(status))
    return outcome


def solve_cbc_model(
    objective: np.ndarray, upper: np.ndarray, rows: Sequence[tuple[float, float, np.ndarray]]
) -> np.ndarray | None:
    """Maximise ``objective . x`` over integers ``0 <= x <= upper`` within ``rows`` by CBC.

    Each row is ``(lower, upper, columns)``: the sum of those columns (coefficient 1)
    lies within the bounds. The model is passed whole (a proto, no solver object kept);
    returns the values, or None when CBC finds no solution (infeasible, or no answer).
    """
    from ortools.linear_solver import linear_solver_pb2, pywraplp

    proto = linear_solver_pb2.MPModelProto(maximize=True)
    for high, weight in zip(upper.tolist(), objective.tolist(), strict=True):
        proto.variable.add(
            lower_bound=0.0, upper_bound=high, is_integer=True, objective_coefficient=weight
        )
    for low, high, columns in rows:
        row = proto.constraint.add(lower_bound=float(low), upper_bound=float(high))
        row.var_index.extend(columns.tolist())
        row.coefficient.extend([1.0] * int(columns.size))
    request = linear_solver_pb2.MPModelRequest(
        model=proto,
        solver_type=linear_solver_pb2.MPModelRequest.CBC_MIXED_INTEGER_PROGRAMMING,
    )
    response = linear_solver_pb2.MPSolutionResponse()
    pywraplp.Solver.SolveWithProto(request, response)
    solved = (linear_solver_pb2.MPSOLVER_OPTIMAL, linear_solver_pb2.MPSOLVER_FEASIBLE)
    if response.status not in solved:
        return None
    return np.asarray(response.variable_value, dtype=float)


# -- CP-SAT -------------------------------------------------------------------------


def new_cp_sat(
    *, seed: int, deterministic_seconds: float, presolve: bool = True
) -> cp_model.CpSolver:
    """A CP-SAT solver whose answer depends only on the model and ``seed``.

    One worker and a limit in *deterministic* time (CP-SAT's count of work done, the same
    on any machine and under any load) and no wall-clock limit: the same model and seed
    give the same solution in any process.
    """
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (2**31 - 1)
    solver.parameters.max_deterministic_time = float(deterministic_seconds)
    solver.parameters.log_search_progress = False
    solver.parameters.cp_model_presolve = presolve
    return solver


def solve_cp_sat(solver: cp_model.CpSolver, model: cp_model.CpModel) -> Outcome:
    """Solve ``model``; OTHER when the limit came before any solution (never raises on it).

    A model CP-SAT calls invalid is a bug: SolverFailed ``("CP-SAT", status)``.
    """
    from ortools.sat.python import cp_model

    status = solver.solve(model)
    outcomes = {
        cp_model.OPTIMAL: Outcome.OPTIMAL,
        cp_model.FEASIBLE: Outcome.FEASIBLE,
        cp_model.INFEASIBLE: Outcome.INFEASIBLE,
        cp_model.UNKNOWN: Outcome.OTHER,
    }
    if status not in outcomes:
        raise SolverFailed("CP-SAT", solver.status_name(status))
    return outcomes[status]


# -- PuLP ---------------------------------------------------------------------------


def new_pulp_problem(name: str, *, minimise: bool = True) -> pulp.LpProblem:
    """An empty PuLP problem (written to .lp/.mps files for any solver; never solved here)."""
    import pulp

    return pulp.LpProblem(name, pulp.LpMinimize if minimise else pulp.LpMaximize)
