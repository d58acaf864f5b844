"""Errors of the selection engine: the exceptions that carry their codes (messages in locales/).

The CLI turns ``InfeasibleQuotas`` into exit code 1 plus the explanation from
``quotas.feasibility``; bad arguments are plain ``KleroError`` codes.
"""

from __future__ import annotations

from typing import Any

from quotas.problems import KleroError


class InfeasibleQuotas(KleroError):
    """No panel of the requested size meets every quota and household rule."""

    exit_code = 1

    def __init__(self, **params: Any) -> None:
        super().__init__("quotas_infeasible", **params)


class SolverFailed(KleroError):
    """A solver returned an unexpected status (a bug or numerical trouble, not bad input)."""

    exit_code = 3

    def __init__(self, solver: str, status: str) -> None:
        super().__init__("selection_solver_failed", solver=solver, status=status)
