"""``klero seats allocate`` on a file: seats shared among the units of a population table.

Populations come from a ``unit, population`` table (CSV or XLSX), or the bundled table of
every country (``quotas.populations``); the allocation is ``quotas.seats.allocate``
(proportional, degressive or equal, with bounds). The command itself is ``klero.seats``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.options import cli_language, emit_json, headed, say
from klero.output import table_writer, write_file
from quotas.messages import render
from quotas.populations import bundled_populations
from quotas.seats import SeatMethod, allocate, read_populations


def allocate_files(
    population: Path | None,
    total: int,
    method: SeatMethod,
    bounds: tuple[int, int | None, int],
    out: Path | None,
    as_json: bool,
) -> int:
    """Share ``total`` seats among the units of ``population`` (None: every country, bundled).

    ``bounds`` are the fewest and most seats of any unit and the degressive base.
    """
    minimum, maximum, base = bounds
    people = bundled_populations().countries if population is None else read_populations(population)
    seats = allocate(people, total, method, minimum=minimum, maximum=maximum, base=base)
    rows = seat_rows(people, seats)
    table = pd.DataFrame(rows)
    if out is not None:
        write_file(out, table_writer(table))
    source = "bundled" if population is None else str(population)
    if as_json:
        emit_json({"method": method.value, "total": total, "populations": source, "units": rows})
    else:
        how = render(f"cli_seat_method_{method.value}", {}, cli_language())
        say("cli_seats_shared", total=total, count=len(seats), method=how)
        typer.echo(seats_text(table))
        if out is not None:
            say("svc_wrote", path=str(out))
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


_YES_NO = {True: "cli_yes", False: "cli_no"}


def seats_text(table: pd.DataFrame) -> str:
    """The table as text: populations with thousands separators, shares in per cent."""
    shown = table.copy()
    shown["population"] = shown["population"].map(lambda v: f"{round(v):,}")
    for column in ("population_share", "seat_share"):
        shown[column] = shown[column].map(lambda v: f"{100 * v:.1f}%")
    lang = cli_language()
    if "selected" in shown:  # a site's: whether it has a selected panel
        shown["selected"] = shown["selected"].map(lambda v: render(_YES_NO[bool(v)], {}, lang))
    return headed(shown, lang)
