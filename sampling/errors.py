"""Errors of the selection engine: the exceptions that carry their codes (messages in locales/).

The CLI turns ``InfeasibleQuotas`` into exit code 1 plus the explanation from
``quotas.feasibility``; bad arguments are plain ``KleroError`` codes.
"""

from __future__ import annotations

from typing import Any

from quotas.problems import KleroError
from quotas.solvers import SolverFailed

__all__ = ["InfeasibleQuotas", "SolverFailed"]  # SolverFailed lives in quotas.solvers


class InfeasibleQuotas(KleroError):
    """No panel of the requested size meets every quota and household rule."""

    exit_code = 1

    def __init__(self, **params: Any) -> None:
        super().__init__("quotas_infeasible", **params)
