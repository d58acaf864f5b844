"""Solvers are made in quotas.solvers only, on one thread, and every failure is SolverFailed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ortools.linear_solver import pywraplp

from quotas.messages import render
from quotas.solvers import (
    INF,
    Outcome,
    SolverFailed,
    cbc_outcome,
    highs_optimal,
    new_cbc,
    new_highs,
    new_highs_model,
    new_pulp_problem,
    solve_cbc,
    solve_highs,
)

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("quotas", "sampling", "recruitment", "klero", "dashboard", "synthetic_data")
# A solver object made, or a solver's status read, anywhere but quotas/solvers.py.
FORBIDDEN = re.compile(
    r"highspy\.Highs\(|pywraplp\.Solver\b|CreateSolver|pulp\.LpProblem|pulp\.\w+_CMD"
    r"|HighsModelStatus|CpSolver\(|setOptionValue\(\s*[\"']threads"
)


def _product_modules() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))


def test_only_quotas_solvers_makes_solvers() -> None:
    modules = _product_modules()
    assert ROOT / "quotas" / "solvers.py" in modules
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in modules
        if path != ROOT / "quotas" / "solvers.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert found == []


def test_the_check_would_catch_a_new_solver() -> None:
    assert FORBIDDEN.search("h = highspy.Highs()")
    assert FORBIDDEN.search('s = pywraplp.Solver.CreateSolver("CBC")')
    assert FORBIDDEN.search("p = pulp.LpProblem('x', pulp.LpMinimize)")
    assert FORBIDDEN.search("pulp.PULP_CBC_CMD(msg=False)")
    assert FORBIDDEN.search("s = cp_model.CpSolver()")
    assert not FORBIDDEN.search("h = new_highs()")


def _option(h: Any, name: str) -> Any:
    """An option's value (highspy returns ``(status, value)``)."""
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def test_highs_is_silent_and_single_threaded() -> None:
    h = new_highs()
    assert _option(h, "threads") == 1
    assert _option(h, "output_flag") is False
    assert _option(h, "simplex_strategy") == 4
    assert _option(h, "presolve") == "choose"
    primal = new_highs(simplex_strategy=1, presolve=False)
    assert _option(primal, "threads") == 1
    assert _option(primal, "output_flag") is False
    assert _option(primal, "simplex_strategy") == 1
    assert _option(primal, "presolve") == "off"


def test_highs_optimum_and_failure() -> None:
    import numpy as np

    h = new_highs()
    h.addVar(0.0, 2.0)
    h.changeColCost(0, -1.0)
    solve_highs(h)
    assert highs_optimal(h)
    assert h.getSolution().col_value[0] == pytest.approx(2.0)
    h.addRow(3.0, INF, 1, np.array([0], dtype=np.int32), np.array([1.0]))  # x >= 3 > 2
    with pytest.raises(SolverFailed) as caught:
        solve_highs(h)
    assert caught.value.code == "selection_solver_failed"
    assert caught.value.params["solver"] == "HiGHS"
    assert caught.value.params["status"] == "Infeasible"
    assert not highs_optimal(h)


def test_cbc_outcomes_and_failure() -> None:
    solver = new_cbc(time_limit=5.0)
    x = solver.IntVar(0.0, 3.0, "x")
    solver.Maximize(x)
    assert solve_cbc(solver) is Outcome.OPTIMAL
    assert x.solution_value() == pytest.approx(3.0)
    solver.Add(x >= 4)
    with pytest.raises(SolverFailed) as caught:
        solve_cbc(solver, relative_gap=0.0)
    status = str(pywraplp.Solver.INFEASIBLE)
    assert caught.value.params == {"solver": "CBC", "status": status}
    assert solve_cbc(solver, accept={Outcome.INFEASIBLE}) is Outcome.INFEASIBLE


def test_status_codes_map_to_outcomes() -> None:
    assert cbc_outcome(pywraplp.Solver.OPTIMAL) is Outcome.OPTIMAL
    assert cbc_outcome(pywraplp.Solver.FEASIBLE) is Outcome.FEASIBLE
    assert cbc_outcome(pywraplp.Solver.INFEASIBLE) is Outcome.INFEASIBLE
    assert cbc_outcome(pywraplp.Solver.NOT_SOLVED) is Outcome.OTHER
    assert cbc_outcome(pywraplp.Solver.ABNORMAL) is Outcome.OTHER


def test_solver_failed_keeps_its_code_and_is_the_one_of_sampling() -> None:
    from sampling import SolverFailed as public

    assert public is SolverFailed
    failure = SolverFailed("CBC", "unavailable")
    assert failure.exit_code == 3
    assert "CBC" in render(failure.code, failure.params)
    assert "unavailable" in render(failure.code, failure.params)


def test_pulp_problem() -> None:
    import pulp

    problem = new_pulp_problem("p")
    assert problem.sense == pulp.LpMinimize
    assert new_pulp_problem("q", minimise=False).sense == pulp.LpMaximize


def test_highs_model_in_one_call() -> None:
    import numpy as np

    # max x + y s.t. 2x + 2y <= 3, x integer, y <= 0.25: x = 1, y = 0.25
    h = new_highs_model(
        np.array([-1.0, -1.0]),
        (np.zeros(2), np.array([5.0, 0.25])),
        (np.array([-INF]), np.array([3.0])),
        (np.array([0, 0]), np.array([1, 0]), np.array([2.0, 2.0])),
        integer=np.array([1, 0]),
        presolve=False,
    )
    assert _option(h, "threads") == 1
    assert _option(h, "presolve") == "off"
    solve_highs(h)
    assert list(h.getSolution().col_value) == pytest.approx([1.0, 0.25])
