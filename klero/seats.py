"""``klero seats allocate``: a deliberation's seats shared among countries, regions or sites.

On a population file (or the bundled table of every country) it is a file command
(``klero.files.seats``); with ``--deliberation`` it shares the seats among the stored
deliberation's countries and sites through the service (``klero.service.seats``,
imported only then, as it loads the database stack).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klero.files.seats import allocate_files
from klero.options import SERVICE, Service, TableOutOpt, with_service
from quotas.problems import KleroError
from quotas.seats import SeatMethod

seats_app = typer.Typer(
    help="Seats of a deliberation shared among countries, regions or sites.",
    no_args_is_help=True,
)


@seats_app.command("allocate")
@with_service(json=True)
def allocate_command(
    total: Annotated[int, typer.Option("--total", help="Seats to share out.", min=1)],
    population: Annotated[
        Path | None,
        typer.Option(
            "--population",
            help="Table unit,population (or country,region,population); default: bundled.",
        ),
    ] = None,
    deliberation: Annotated[
        str | None,
        typer.Option("--deliberation", help="Share among this deliberation's sites."),
    ] = None,
    method: Annotated[
        str,
        typer.Option("--method", help="proportional (Sainte-Laguë), degressive or equal."),
    ] = SeatMethod.PROPORTIONAL.value,
    minimum: Annotated[
        int, typer.Option("--minimum", help="Fewest seats for any unit (site).", min=0)
    ] = 0,
    maximum: Annotated[
        int | None, typer.Option("--maximum", help="Most seats for any unit (site).", min=0)
    ] = None,
    base: Annotated[
        int, typer.Option("--base", help="degressive: fixed seats per country first.", min=0)
    ] = 0,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="--deliberation: a country's sites share equally (country) "
            "or by their regions' populations (region).",
        ),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="--deliberation: set the sites' panel sizes.")
    ] = False,
    out: TableOutOpt = None,
    service: Service = SERVICE,
) -> int:
    """Share --total seats among the units of --population, or a deliberation's sites.

    With --deliberation: among the countries that have sites, by population, then among
    each country's sites; --minimum and --maximum bound each site's panel. Nothing
    changes without --apply (coordinators and admins).
    """
    chosen = SeatMethod.parse(method)
    if deliberation is None:
        if by is not None or apply:
            raise KleroError("cli_option_needs", option="--by, --apply", needed="--deliberation")
        return allocate_files(
            population, total, chosen, (minimum, maximum, base), out, service.as_json
        )
    # The service loads the database stack (SQLAlchemy, Alembic, cryptography): only here.
    from klero.service.seats import allocate_for_deliberation

    return allocate_for_deliberation(
        deliberation,
        total,
        chosen,
        bounds=(minimum, maximum, base),
        population=population,
        by=by or "country",
        apply=apply,
        out=out,
        as_json=service.as_json,
        login=service.login,
    )
