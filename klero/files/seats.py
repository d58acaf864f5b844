"""``klero seats allocate``: share a deliberation's seats among countries, regions or sites.

A file command: populations come from a ``unit, population`` table (CSV or XLSX); the
allocation is ``quotas.seats.allocate`` (proportional, degressive or equal, with bounds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from klero.options import JsonOpt, emit_json
from klero.output import table_writer, write_file
from quotas.seats import SeatMethod, allocate, read_populations

seats_app = typer.Typer(
    help="Seats of a deliberation shared among countries, regions or sites.",
    no_args_is_help=True,
)


@seats_app.command("allocate")
def allocate_command(
    population: Annotated[
        Path,
        typer.Option("--population", help="Table with the columns unit, population."),
    ],
    total: Annotated[int, typer.Option("--total", help="Seats to share out.", min=1)],
    method: Annotated[
        str,
        typer.Option("--method", help="proportional (Sainte-Laguë), degressive or equal."),
    ] = SeatMethod.PROPORTIONAL.value,
    minimum: Annotated[
        int, typer.Option("--minimum", help="Fewest seats for any unit.", min=0)
    ] = 0,
    maximum: Annotated[
        int | None, typer.Option("--maximum", help="Most seats for any unit.", min=0)
    ] = None,
    base: Annotated[
        int, typer.Option("--base", help="degressive: fixed seats per unit first.", min=0)
    ] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the table (.csv or .xlsx).")
    ] = None,
    as_json: JsonOpt = False,
) -> int:
    """Share --total seats among the units of --population, each within the bounds."""
    chosen = SeatMethod.parse(method)
    people = read_populations(population)
    seats = allocate(people, total, chosen, minimum=minimum, maximum=maximum, base=base)
    rows = seat_rows(people, seats)
    table = pd.DataFrame(rows)
    if out is not None:
        write_file(out, table_writer(table))
    if as_json:
        emit_json({"method": chosen.value, "total": total, "units": rows})
    else:
        typer.echo(f"{total} seats shared among {len(seats)} units ({chosen.value}):")
        typer.echo(_text(table))
        if out is not None:
            typer.echo(f"Wrote {out}.")
    return 0


def seat_rows(people: dict[str, int], seats: dict[str, int]) -> list[dict[str, Any]]:
    """Each unit's population and seats, and their shares of the whole."""
    everyone = sum(people.values())
    total = sum(seats.values())
    return [
        {
            "unit": unit,
            "population": population,
            "population_share": population / everyone if everyone else 0.0,
            "seats": seats[unit],
            "seat_share": seats[unit] / total if total else 0.0,
        }
        for unit, population in people.items()
    ]


def _text(table: pd.DataFrame) -> str:
    shown = table.copy()
    shown["population"] = shown["population"].map("{:,}".format)
    for column in ("population_share", "seat_share"):
        shown[column] = shown[column].map(lambda v: f"{100 * v:.1f}%")
    return str(shown.to_string(index=False))
