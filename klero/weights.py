"""``klero weights``: raking weights for a panel's answers, from files or for a stored site.

On files (``--panel``, ``--margins``) it runs ``klero.files.weights``; with ``--site`` it
weights the site's panel (or its attendees) through the service (``klero.service.weights``),
imported only in that branch so that the file command never loads the database stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klero.files.weights import weights_files
from klero.options import (
    SERVICE,
    IdOpt,
    MarginsFileOpt,
    PanelFileOpt,
    Service,
    StoredSiteOpt,
    TableOutOpt,
    split_columns,
    with_service,
)
from quotas.problems import KleroError


@with_service(json=True)
def weights_command(
    panel: PanelFileOpt = None,
    margins: MarginsFileOpt = None,
    crossed: Annotated[
        Path | None,
        typer.Option(
            "--crossed", help="Crossed margins: feature_1,value_1,feature_2,value_2,share."
        ),
    ] = None,
    trim: Annotated[
        float | None,
        typer.Option("--trim", help="No weight above this many times the mean.", min=1.0),
    ] = None,
    out: TableOutOpt = None,
    id_column: IdOpt = "id",
    criteria: Annotated[
        str | None,
        typer.Option("--criteria", help="Weight on these criteria only (comma-separated)."),
    ] = None,
    site: StoredSiteOpt = None,
    attendees: Annotated[
        bool, typer.Option("--attendees", help="With --site: those who attended, not the panel.")
    ] = False,
    service: Service = SERVICE,
) -> int:
    """Raking weights so that the panel's weighted shares equal the census margins.

    Prints each category's census, panel and weighted shares, the Kish design effect and
    the effective sample size; --out writes id,weight (weights average 1). --site weights
    a stored site's panel instead of files. Exit 0: done;
    1: the margins cannot be reached (a census category nobody on the panel has, or no
    convergence, or --trim too low); 2: invalid input.
    """
    names = None if criteria is None else split_columns(criteria)
    if site is not None:
        if panel is not None or margins is not None or crossed is not None:
            raise KleroError(
                "cli_from_database", option="--site", given="--panel, --margins, --crossed"
            )
        # The service loads the database stack (SQLAlchemy, Alembic, cryptography): only here.
        from klero.service.weights import weights_for_site

        return weights_for_site(
            site,
            attendees=attendees,
            trim=trim,
            criteria=names,
            out=out,
            database_url=service.database_url,
            user=service.user,
            as_json=service.as_json,
        )
    if attendees:
        raise KleroError("cli_option_needs", option="--attendees", needed="--site")
    if panel is None or margins is None:
        raise KleroError("cli_options_missing", options="--panel, --margins", alternative="--site")
    return weights_files(
        panel,
        margins,
        crossed,
        trim,
        out,
        id_column=id_column,
        criteria=names,
        as_json=service.as_json,
    )
