"""``klero select``: select a panel by a fair, verifiable lottery, from files or for a site.

On files (``--pool``, ``--quotas``) it runs ``klero.files.select``; with ``--site`` it
selects from the database through the service (``klero.service.panels``), imported only
in that branch so that selecting on files never loads the database stack.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from klero.files.select import (
    SelectionFiles,
    end_to_end_model,
    read_dropout_rates,
    select_files,
)
from klero.options import (
    LOTTERY_SIZE_MAX,
    SERVICE,
    AddressOpt,
    CountryOpt,
    IdOpt,
    OptionalPoolOpt,
    OptionalQuotasOpt,
    OptionalSizeOpt,
    PublicNumberOpt,
    SeedOpt,
    Service,
    StoredSiteOpt,
    split_columns,
    with_service,
)
from quotas.problems import KleroError
from sampling import DEFAULT_DROPOUT, Algorithm, SelectionSettings

AlgorithmOpt = Annotated[
    Algorithm, typer.Option("--algorithm", help="How the lottery over panels is computed.")
]
LotteryOpt = Annotated[
    int,
    typer.Option(
        "--lottery-size",
        help="Panels in the published lottery (1 to 100,000).",
        min=1,
        max=LOTTERY_SIZE_MAX,
    ),
]
AlternatesOpt = Annotated[
    int, typer.Option("--alternates", help="Also choose this many ranked alternates.", min=0)
]
DropoutOpt = Annotated[
    float, typer.Option("--dropout", help="Drop-out rate assumed for alternates.", min=0, max=1)
]
DeliberationOpt = Annotated[
    str | None,
    typer.Option(
        "--deliberation", help="With --all-ready: the deliberation whose sites to select."
    ),
]
AllReadyOpt = Annotated[
    bool,
    typer.Option(
        "--all-ready",
        help="Select every site of --deliberation with a pool, quotas and no panel yet.",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", help="With --all-ready: local processes (default: the cores).", min=1
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="With --all-ready: compute on this Dask scheduler (tcp://host:8786; default: "
        "$KLERO_DASK_SCHEDULER, else local processes).",
    ),
]
EndToEndOpt = Annotated[
    bool,
    typer.Option(
        "--end-to-end",
        help="Correct self-selection: give every member of the population about the same "
        "chance to reach the panel (LEXIMIN of p_i / t_i; see the README).",
    ),
]
MarginsOpt = Annotated[
    Path | None,
    typer.Option(
        "--population-margins",
        help="With --end-to-end: census margins (feature,value,share); with --site, "
        "default: the site's stored margins.",
    ),
]
BackgroundOpt = Annotated[
    Path | None,
    typer.Option(
        "--background-sample",
        help="With --end-to-end: a survey sample of the population, one row per person "
        "with the criteria as columns (logistic regression instead of raking).",
    ),
]
DropoutFileOpt = Annotated[
    Path | None,
    typer.Option("--dropout-rates", help="Drop-out rates by category: feature,value,rate."),
]


@with_service(json=True)
def select_command(
    pool: OptionalPoolOpt = None,
    quotas: OptionalQuotasOpt = None,
    size: OptionalSizeOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder for the result files.")
    ] = None,
    algorithm: AlgorithmOpt = Algorithm.LEXIMIN,
    seed: SeedOpt = None,
    public_number: PublicNumberOpt = None,
    lottery_size: LotteryOpt = 1000,
    alternates: AlternatesOpt = 0,
    dropout: DropoutOpt = DEFAULT_DROPOUT,
    dropout_rates: DropoutFileOpt = None,
    id_column: IdOpt = "id",
    address_columns: AddressOpt = None,
    site: StoredSiteOpt = None,
    service: Service = SERVICE,
    deliberation: DeliberationOpt = None,
    all_ready: AllReadyOpt = False,
    country: CountryOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    end_to_end: EndToEndOpt = False,
    population_margins: MarginsOpt = None,
    background_sample: BackgroundOpt = None,
) -> int:
    """Select a panel of SIZE people from POOL meeting QUOTAS, by a fair lottery.

    Writes panel.csv, remaining.csv, probabilities.csv, lottery.csv, lottery_types.csv,
    report.json (and alternates.csv with --alternates). Without --seed or --public-number
    the seed is random. With --site, the site's stored pool and quotas are used and the run
    is recorded in the database.
    With --deliberation and --all-ready, every ready site (of --country only, if given) is
    selected (each site's seed or public number derived from the one given; see the README).
    Exit 0: selected; 1: the quotas cannot be met (at some site); 2: invalid input;
    3: a site's selection failed.
    """
    if seed is not None and public_number is not None:
        raise KleroError("cli_options_exclusive", first="--seed", second="--public-number")
    batch_only = (country, workers, scheduler)
    _check_batch(all_ready, deliberation, seed, public_number, (site, pool, quotas), batch_only)
    if seed is None and public_number is None:
        seed = secrets.randbelow(2**31)
    _check_end_to_end(end_to_end, deliberation, site, population_margins, background_sample)
    settings = SelectionSettings(
        algorithm=algorithm,
        seed=seed,
        public_number=public_number,
        lottery_size=lottery_size,
        alternates=alternates,
        dropout=read_dropout_rates(dropout_rates, dropout) if dropout_rates else dropout,
        end_to_end=(
            end_to_end_model(population_margins, background_sample) if end_to_end else None
        ),
    )
    if deliberation is not None:
        # The service loads the database stack (SQLAlchemy, Alembic, cryptography): only here.
        from klero.service.batch import select_all_ready

        return select_all_ready(deliberation, settings, batch_only, service.login, service.as_json)
    if site is not None:
        if pool is not None or quotas is not None:
            raise KleroError("cli_from_database", option="--site", given="--pool, --quotas")
        return _select_for_site(site, settings, service)
    named = {"--pool": pool, "--quotas": quotas, "--size": size, "--out-dir": out_dir}
    missing = [name for name, value in named.items() if value is None]
    if missing:
        raise KleroError("cli_options_missing", options=", ".join(missing), alternative="--site")
    assert pool is not None and quotas is not None and size is not None and out_dir is not None
    files = SelectionFiles(pool, quotas, id_column, split_columns(address_columns))
    return select_files(files, size, out_dir, settings, as_json=service.as_json)


def _check_batch(
    all_ready: bool,
    deliberation: str | None,
    seed: int | None,
    public_number: int | None,
    single: tuple[str | None, Path | None, Path | None],
    batch_only: tuple[str | None, int | None, str | None],
) -> None:
    """--all-ready goes with --deliberation and a seed or public number, never with one
    site's options (--site, --pool, --quotas); --country, --workers, --scheduler need it."""
    if all_ready or deliberation is not None:
        if not (all_ready and deliberation is not None):
            raise KleroError("cli_options_together", first="--all-ready", second="--deliberation")
        if seed is None and public_number is None:
            raise KleroError(
                "cli_option_needs_one", option="--all-ready", choices="--seed, --public-number"
            )
        if any(given is not None for given in single):
            raise KleroError(
                "cli_options_leave_out", option="--all-ready", given="--site, --pool, --quotas"
            )
    elif any(given is not None for given in batch_only):
        raise KleroError(
            "cli_option_needs", option="--country, --workers, --scheduler", needed="--all-ready"
        )


def _check_end_to_end(
    end_to_end: bool,
    deliberation: str | None,
    site: str | None,
    population_margins: Path | None,
    background_sample: Path | None,
) -> None:
    """--end-to-end needs margins (or the stored ones of a site, or of each site with
    --all-ready, which takes no margins file); its files need it."""
    if not end_to_end and (population_margins is not None or background_sample is not None):
        raise KleroError(
            "cli_option_needs",
            option="--population-margins, --background-sample",
            needed="--end-to-end",
        )
    if deliberation is not None and (population_margins or background_sample):
        raise KleroError(
            "cli_options_leave_out",
            option="--all-ready",
            given="--population-margins, --background-sample",
        )
    if end_to_end and site is None and deliberation is None and population_margins is None:
        raise KleroError(
            "cli_option_needs_one", option="--end-to-end", choices="--population-margins, --site"
        )


def _select_for_site(site: str, settings: SelectionSettings, service: Service) -> int:
    """Select a stored site's panel through the service and print the run."""
    # The service loads the database stack (SQLAlchemy, Alembic, cryptography): only here.
    from klero.service.panels import print_site_run, select_for_site

    summary = select_for_site(
        site,
        settings,
        database_url=service.database_url,
        user=service.user,
        progress=not service.as_json,
    )
    print_site_run(summary, service.as_json)
    return 0
