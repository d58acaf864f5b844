"""``klero seats allocate --deliberation``: the stored deliberation's seats, per country and site.

Thin: reads the population file, calls ``plan_seats`` (or ``apply_seats`` with
``--apply``) and prints the countries' and sites' tables.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.files.seats import seats_text
from klero.options import emit_json
from klero.output import table_writer, write_file
from klero.service.common import logged_in, say
from quotas.populations import read_area_populations
from quotas.seats import SeatMethod
from quotas.site_seats import SeatBasis
from recruitment import usecases as uc


def allocate_for_deliberation(
    deliberation: str,
    total: int,
    method: SeatMethod,
    *,
    bounds: tuple[int, int | None, int],
    population: Path | None,
    by: str,
    apply: bool,
    out: Path | None,
    as_json: bool,
    login: tuple[str | None, str | None],
) -> int:
    """Share ``total`` seats among the deliberation's sites; set them with ``apply``."""
    minimum, maximum, base = bounds
    request = uc.SeatRequest(
        deliberation,
        total,
        method,
        minimum,
        maximum,
        base,
        SeatBasis.parse(by),
        None if population is None else read_area_populations(population),
    )
    with logged_in(*login) as (db, actor):
        found = (uc.apply_seats if apply else uc.plan_seats)(db, actor, request)
    countries = pd.DataFrame([asdict(c) for c in found.countries])
    sites = pd.DataFrame([_site_row(s) for s in found.sites])
    if out is not None:
        write_file(out, table_writer(sites))
    if as_json:
        emit_json(_payload(found, population))
        return 0
    say(
        "svc_seats_shared",
        total=total,
        deliberation=deliberation,
        countries=len(countries),
        sites=len(sites),
        method=method.value,
        by=request.by.value,
    )
    typer.echo(seats_text(countries.rename(columns={"code": "country"})))
    typer.echo("")
    typer.echo(seats_text(sites))
    if apply:
        say("svc_panel_sizes_set", count=len(found.changed))
    else:
        say("svc_nothing_changed")
    if out is not None:
        say("svc_wrote", path=out)
    return 0


def _site_row(site: uc.SiteSeats) -> dict[str, Any]:
    row = asdict(site)
    row["regions"] = ", ".join(site.regions)
    return {"site": row.pop("code"), **row}


def _payload(found: uc.SeatAllocation, population: Path | None) -> dict[str, Any]:
    request = found.request
    return {
        "deliberation": request.deliberation,
        "total": request.total,
        "method": request.method.value,
        "by": request.by.value,
        "minimum": request.minimum,
        "maximum": request.maximum,
        "base": request.base,
        "populations": "bundled" if population is None else str(population),
        "applied": found.applied,
        "changed": found.changed,
        "countries": [asdict(c) for c in found.countries],
        "sites": [_site_row(s) for s in found.sites],
    }
