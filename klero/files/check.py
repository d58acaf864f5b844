"""``klero check`` and ``klero quotas``: validate a pool against quotas; margins to quotas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from klero.files.inputs import Inputs, load_inputs
from klero.options import (
    AddressOpt,
    IdOpt,
    JsonOpt,
    PoolOpt,
    QuotasOpt,
    SizeOpt,
    TolerancePointsOpt,
    ToleranceSeatsOpt,
    cli_language,
    emit_json,
    split_columns,
)
from klero.output import write_file
from quotas.apportion import Method
from quotas.balance import balance_table
from quotas.cldr import format_number, format_percent
from quotas.exports import table_format
from quotas.feasibility import FeasibilityResult, check_feasibility
from quotas.formats import write_quotas
from quotas.margin_files import read_margins
from quotas.messages import render
from quotas.problems import KleroError, Problem, problem_counts
from quotas.targets import quotas_from_margins


def print_problems(problems: list[Problem], lang: str = "en") -> None:
    """Print problems, errors first, one per line, in ``lang``."""
    for problem in sorted(problems, key=lambda p: p.severity != "error"):
        code = "cli_problem_error" if problem.severity == "error" else "cli_problem_warning"
        typer.echo(render(code, {"message": problem.message_in(lang)}, lang))


def print_infeasible(result: FeasibilityResult, lang: str = "en") -> None:
    """Say that the quotas cannot be met, why, and the smallest change that fixes it."""
    typer.echo(render("check_infeasible", {}, lang))
    reasons = [c.message_in(lang) for c in result.conflicts] or [
        p.message_in(lang) for p in result.problems
    ]
    for reason in reasons:
        typer.echo(render("check_why", {"reason": reason}, lang))
    if result.relaxation is not None:
        fix = result.relaxation.describe(lang)
        typer.echo(render("check_smallest_fix", {"fix": fix}, lang))


def feasibility_of(inputs: Inputs, size: int) -> FeasibilityResult:
    """Check a valid pool against its quotas."""
    assert inputs.pool is not None and inputs.quotas is not None
    return check_feasibility(
        inputs.pool.frame(), inputs.quotas, size, households=inputs.households()
    )


def check_command(
    pool: PoolOpt,
    quotas: QuotasOpt,
    size: SizeOpt,
    id_column: IdOpt = "id",
    address_columns: AddressOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Check a pool and its quotas: every problem, then whether a panel can be selected.

    Exit 0: valid and feasible; 1: valid but infeasible; 2: invalid input.
    """
    lang = cli_language()
    inputs = load_inputs(
        pool, quotas, size, id_column=id_column, address_columns=split_columns(address_columns)
    )
    payload: dict[str, Any] = {
        "valid": inputs.valid,
        "feasible": None,
        "problems": [p.to_dict() for p in inputs.problems],
        "problem_counts": problem_counts(inputs.problems),
        "explanation": None,
        "relaxation": None,
    }
    if not inputs.valid:
        if as_json:
            emit_json(payload)
        else:
            total = sum(problem_counts(inputs.problems).values())
            typer.echo(render("check_invalid", {"count": format_number(total, lang)}, lang))
            print_problems(inputs.problems, lang)
        return 2
    result = feasibility_of(inputs, size)
    payload.update(result.to_dict())
    payload["valid"] = True
    payload["problems"] = [p.to_dict() for p in inputs.problems + result.problems]
    payload["problem_counts"] = problem_counts(inputs.problems + result.problems)
    assert inputs.pool is not None and inputs.quotas is not None
    table = balance_table(inputs.pool.frame(), inputs.quotas, seats=size)
    if as_json:
        payload["pool_vs_target"] = table.to_dict(orient="records")
        emit_json(payload)
    else:
        figures = {
            "people": len(inputs.pool),
            "categories": len(inputs.quotas),
            "features": len(inputs.quotas.features),
            "size": size,
        }
        typer.echo(render("check_summary", figures, lang))
        notes = [p for p in inputs.problems + result.problems if p.code != "feasibility_infeasible"]
        if notes:
            typer.echo(render("check_notes", {}, lang))
            print_problems(notes, lang)
        if result.feasible:
            typer.echo(render("check_feasible", {}, lang))
        else:
            print_infeasible(result, lang)
        typer.echo("\n" + render("check_composition", {}, lang))
        typer.echo(_pool_table_text(table, lang))
    return 0 if result.feasible else 1


# The composition table's columns and the catalogue heading of each.
_COMPOSITION = {
    "feature": "report_col_feature",
    "value": "report_col_value",
    "count": "check_col_in_pool",
    "share": "check_col_pool_share",
    "target_share": "report_col_target_share",
    "min": "check_col_min",
    "max": "check_col_max",
}


def _pool_table_text(table: Any, lang: str) -> str:
    shown = table[list(_COMPOSITION)].copy()
    for col in ("share", "target_share"):
        shown[col] = shown[col].map(
            lambda v: "" if v != v or v is None else format_percent(v, lang)
        )
    shown = shown.rename(columns={c: render(code, {}, lang) for c, code in _COMPOSITION.items()})
    return str(shown.to_string(index=False))


def quotas_command(
    margins: Annotated[Path, typer.Option("--margins", help="Census margins file.")],
    size: SizeOpt,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the quota table (.csv or .xlsx).")
    ],
    tolerance_seats: ToleranceSeatsOpt = None,
    tolerance_points: TolerancePointsOpt = None,
    method: Annotated[
        Method, typer.Option("--method", help="How seats are shared out among categories.")
    ] = Method.LARGEST_REMAINDER,
) -> int:
    """Turn census margins into a quota table for a panel of SIZE seats (.csv or .xlsx)."""
    table_format(out)  # a wrong file name is refused before any work
    if tolerance_seats is not None and tolerance_points is not None:
        raise KleroError(
            "cli_options_exclusive", first="--tolerance-seats", second="--tolerance-points"
        )
    table = quotas_from_margins(
        read_margins(margins),
        size,
        tolerance_seats=tolerance_seats,
        tolerance_points=tolerance_points,
        method=method,
    )
    write_file(out, lambda path: write_quotas(table, path))
    figures = {"count": len(table), "size": size, "path": str(out)}
    typer.echo(render("quotas_written", figures, cli_language()))
    return 0
