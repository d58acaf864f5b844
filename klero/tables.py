"""``klero tables``: a panel seated at tables for the day, round by round, with its plan.

On a panel file (``--panel``) it is a file command (``klero.files.tables``); with
``--site`` it seats the site's panel through the service (``klero.service.tables``,
imported only then, as it loads the database stack).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from klero.files.tables import tables_on_files
from klero.options import (
    DRAW_NUMBER_MAX,
    DbOpt,
    IdOpt,
    JsonOpt,
    PanelFileOpt,
    RunOpt,
    SeedOpt,
    StoredSiteOpt,
    TableOutOpt,
    UserOpt,
    chosen_language,
    cli_language,
    split_columns,
)
from quotas.problems import KleroError
from sampling import DEFAULT_SEATING_EFFORT, SeatingSettings

BalanceOpt = Annotated[
    str | None,
    typer.Option("--balance", help="Comma-separated criteria each table should mirror."),
]
TableSizeOpt = Annotated[
    int | None,
    typer.Option("--table-size", help="Most people at a table (sizes differ by 1 at most).", min=2),
]
RoundsOpt = Annotated[
    int, typer.Option("--rounds", help="Rounds, each with new tablemates.", min=1, max=50)
]
PlanOpt = Annotated[
    list[Path] | None,
    typer.Option("--plan", help="Write the printable plan (.html or .pdf; repeatable)."),
]
PlanLangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Language of the plan (klero languages lists them)."),
]
TogetherOpt = Annotated[
    Path | None, typer.Option("--together", help="Rows group,id: each group shares a table.")
]
ApartOpt = Annotated[
    Path | None, typer.Option("--apart", help="Rows group,id: no two of a group share a table.")
]
FacilitatorsOpt = Annotated[
    Path | None, typer.Option("--facilitators", help="Rows id,table: a fixed table every round.")
]
LanguageColumnOpt = Annotated[
    str | None,
    typer.Option("--language-column", help="People sit at tables of their language."),
]
TimeZoneColumnOpt = Annotated[
    str | None,
    typer.Option("--time-zone-column", help="Online groups: neighbouring time zones together."),
]
NameColumnOpt = Annotated[
    str | None, typer.Option("--name-column", help="The plan shows this column (else ids).")
]
MoveOpt = Annotated[
    str | None, typer.Option("--move", help="--site: move this pseudonym (--to, --in-round).")
]
ToTableOpt = Annotated[int | None, typer.Option("--to", help="--move: the new table.")]
InRoundOpt = Annotated[int, typer.Option("--in-round", help="--move: the round.", min=1)]
EffortOpt = Annotated[
    float,
    typer.Option(
        "--effort", help="CP-SAT's limit per solve, in deterministic seconds.", min=0.1, max=600
    ),
]


def tables_command(
    balance: BalanceOpt = None,
    table_size: TableSizeOpt = None,
    panel: PanelFileOpt = None,
    rounds: RoundsOpt = 1,
    seed: SeedOpt = None,
    out: TableOutOpt = None,
    plan: PlanOpt = None,
    lang: PlanLangOpt = None,
    together: TogetherOpt = None,
    apart: ApartOpt = None,
    facilitators: FacilitatorsOpt = None,
    language_column: LanguageColumnOpt = None,
    time_zone_column: TimeZoneColumnOpt = None,
    name_column: NameColumnOpt = None,
    id_column: IdOpt = "id",
    site: StoredSiteOpt = None,
    run: RunOpt = None,
    move: MoveOpt = None,
    to_table: ToTableOpt = None,
    in_round: InRoundOpt = 1,
    database_url: DbOpt = None,
    user: UserOpt = None,
    effort: EffortOpt = DEFAULT_SEATING_EFFORT,
    as_json: JsonOpt = False,
) -> int:
    """Seat a panel at tables of --table-size for --rounds rounds, each table like the panel.

    Tables mirror the panel on the --balance criteria and people meet new tablemates in
    each round; --together, --apart and --facilitators are constraints. Writes
    id,round,table (--out) and a plan per round (--plan), and compares with a random
    seating. Same inputs and seed, same seating (a random seed if none is given).
    --site seats a stored site's panel (of --run; without --balance: its stored plan).
    """
    lang = cli_language() if lang is None else chosen_language(lang)
    if (panel is None) == (site is None):
        raise KleroError("tables_panel_or_site")
    criteria = tuple(split_columns(balance))
    settings = None
    if criteria:
        if table_size is None:
            raise KleroError("tables_size_missing")
        chosen = secrets.randbelow(DRAW_NUMBER_MAX) if seed is None else seed
        columns = (language_column, time_zone_column, name_column)
        settings = SeatingSettings(criteria, table_size, rounds, chosen, effort, *columns)
    constraints = (together, apart, facilitators)
    outputs = (out, plan or [], lang)
    if site is None:
        assert panel is not None
        if settings is None:
            raise KleroError("tables_balance_missing")
        return tables_on_files(panel, id_column, settings, constraints, outputs, as_json)
    # The service loads the database stack (SQLAlchemy, Alembic, cryptography): only here.
    from klero.service.tables import SiteTables, tables_for_site

    request = SiteTables(site, run, settings, constraints, (move, in_round, to_table))
    return tables_for_site(request, outputs, as_json, (database_url, user))
