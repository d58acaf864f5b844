"""Errors of the selection engine: codes, English messages and the exceptions that carry them.

The CLI turns ``InfeasibleQuotas`` into exit code 1 plus the explanation from
``quotas.feasibility``; bad arguments are plain ``KleroError`` codes.
"""

from __future__ import annotations

from typing import Any

import quotas.model  # noqa: F401  (registers "panel_size_invalid", which we reuse)
from quotas.messages import register
from quotas.problems import KleroError
from quotas.solvers import SolverFailed

register(
    {
        "quotas_infeasible": (
            "No panel of {size} people from this pool meets every quota (and the one-per-"
            "household rule). Loosen the quotas that conflict, or recruit more volunteers "
            "in the categories that are short."
        ),
        "panel_size_above_pool": (
            "The panel size ({size}) is larger than the pool ({pool} people). Choose a panel "
            "size of at most {pool}, or recruit more volunteers."
        ),
        "selection_setting_invalid": (
            "The selection setting {name} = {value!r} is not valid: {reason}."
        ),
        "selection_solver_failed": (
            "The {solver} solver stopped with status {status} while computing the lottery. "
            "Run again; if it keeps failing, report the input hash to the maintainers."
        ),
    }
)


__all__ = ["InfeasibleQuotas", "SolverFailed"]  # SolverFailed lives in quotas.solvers


class InfeasibleQuotas(KleroError):
    """No panel of the requested size meets every quota and household rule."""

    exit_code = 1

    def __init__(self, **params: Any) -> None:
        super().__init__("quotas_infeasible", **params)
