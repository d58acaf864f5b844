"""Service commands: ``klero db``, ``key``, ``user``, ``org``, ``deliberation``, ``site``, ``demo``.

Exit codes: 0 success, 2 invalid input, 3 other errors (e.g. database out of date),
4 permission denied. Pool, panel and rerun commands live in ``service_panels``, audit
commands in ``service_audit``, sign-in locks and second factors in ``service_users``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from quotas.messages import register, render
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.cli import (  # noqa: F401  (register commands)
    service_audit,
    service_panels,
    service_pools,
)
from recruitment.cli.app import app, emit_json, split_columns
from recruitment.cli.service_common import (
    DbOpt,
    JsonOpt,
    SiteOpt,
    UserOpt,
    logged_in,
    sign_in,
)
from recruitment.cli.service_users import user_app
from recruitment.db import database_url, downgrade, safe_url, upgrade_database
from recruitment.security import create_key_file

register(
    {
        "new_password_missing": (
            "No password for the new user: set KLERO_NEW_PASSWORD to it (for example "
            "KLERO_NEW_PASSWORD=... klero user create ...), or run the command in a terminal "
            "to be asked for it."
        ),
    }
)

db_app = typer.Typer(help="The database: create or upgrade its schema.", no_args_is_help=True)
key_app = typer.Typer(help="The secret key that encrypts contact details.", no_args_is_help=True)
org_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
delib_app = typer.Typer(help="Deliberations and their countries.", no_args_is_help=True)
site_app = typer.Typer(
    help="Sites: create, list, set quotas, check feasibility.", no_args_is_help=True
)
for sub, name in (
    (db_app, "db"),
    (key_app, "key"),
    (user_app, "user"),
    (org_app, "org"),
    (delib_app, "deliberation"),
    (site_app, "site"),
):
    app.add_typer(sub, name=name)


@db_app.command("upgrade")
def db_upgrade(database_url_: DbOpt = None) -> None:
    """Create the tables, or bring an older database up to date (back it up first)."""
    upgraded = upgrade_database(database_url_)
    typer.echo(
        f"Database {safe_url(database_url(database_url_))} is at schema {upgraded.revision}."
    )
    if upgraded.restored:
        typer.echo(render("audit_guards_restored", {"names": ", ".join(upgraded.restored)}))


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Option("--to", help="The older schema version, e.g. 0002.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: what newer versions store is deleted.")
    ] = False,
    database_url_: DbOpt = None,
) -> None:
    """Take the database back to an older schema version (to run an older Kleroterion)."""
    if not yes:
        raise KleroError("db_downgrade_unconfirmed", revision=revision)
    reached = downgrade(database_url_, revision)
    typer.echo(
        f"Database {safe_url(database_url(database_url_))} is at schema {reached}. This "
        f"Kleroterion will not open it until 'klero db upgrade'."
    )


@key_app.command("create")
def key_create(
    path: Annotated[Path | None, typer.Option("--path", help="Key file to write.")] = None,
) -> None:
    """Create the secret key file (default KLERO_KEY_FILE or $KLERO_HOME/secret.key)."""
    written = create_key_file(path)
    typer.echo(
        f"Secret key written to {written} (readable by you only). Back it up: without "
        "it the stored contact details cannot be read."
    )


@user_app.command("create")
def user_create(
    new_login: Annotated[str, typer.Option("--login", help="The new user's login.")],
    role: Annotated[str, typer.Option("--role", help="admin, coordinator, partner or evaluator.")],
    organisation: Annotated[str | None, typer.Option("--organisation")] = None,
    database_url_: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Create a user; the password is read from KLERO_NEW_PASSWORD (or asked for).

    In an empty database the first user must be an admin and needs no --user.
    """
    secret = _new_password()
    db = uc.start(database_url_)
    try:
        if user is None and role == "admin":
            uc.bootstrap_admin(db, new_login, secret)
        else:
            if not user:
                raise KleroError("login_missing")
            actor = sign_in(db, user)
            uc.create_user(db, actor, new_login, secret, role, organisation)
    finally:
        db.dispose()
    typer.echo(f"User {new_login} ({role}) created.")


def _new_password() -> str:
    """``KLERO_NEW_PASSWORD``, or asked twice on a terminal; KleroError (exit 2) otherwise."""
    given = os.environ.get("KLERO_NEW_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise KleroError("new_password_missing")
    return str(typer.prompt("New user's password", hide_input=True, confirmation_prompt=True))


@org_app.command("create")
def org_create(name: str, database_url_: DbOpt = None, user: UserOpt = None) -> None:
    """Create a partner organisation."""
    with logged_in(database_url_, user) as (db, actor):
        uc.create_organisation(db, actor, name)
    typer.echo(f"Organisation {name!r} created.")


@delib_app.command("create")
def delib_create(name: str, database_url_: DbOpt = None, user: UserOpt = None) -> None:
    """Create a deliberation."""
    with logged_in(database_url_, user) as (db, actor):
        uc.create_deliberation(db, actor, name)
    typer.echo(f"Deliberation {name!r} created.")


@delib_app.command("criteria")
def delib_criteria(
    deliberation: Annotated[str, typer.Option("--deliberation")],
    set_: Annotated[
        str | None,
        typer.Option(
            "--set", help="Comma-separated criteria every site may keep in clear ('' for none)."
        ),
    ] = None,
    database_url_: DbOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a deliberation's criteria, or set them (coordinators, admins).

    Pool imports keep these columns in clear as criteria (besides the site's quota
    features); every other undeclared column is personal. Data already stored keeps its
    classification: change it with 'klero pool classify'.
    """
    with logged_in(database_url_, user) as (db, actor):
        if set_ is None:
            criteria = uc.deliberation_criteria(db, actor, deliberation)
        else:
            criteria = uc.set_criteria(db, actor, deliberation, split_columns(set_))
    if as_json:
        emit_json({"deliberation": deliberation, "criteria": criteria})
        return
    verb = "are now" if set_ is not None else "are"
    typer.echo(f"The criteria of {deliberation!r} {verb}: {', '.join(criteria) or '(none)'}.")


@delib_app.command("add-country")
def delib_country(
    deliberation: Annotated[str, typer.Option("--deliberation")],
    code: Annotated[str, typer.Option("--code", help="ISO 3166 code, e.g. FR.")],
    name: Annotated[str, typer.Option("--name")],
    database_url_: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Add a country to a deliberation."""
    with logged_in(database_url_, user) as (db, actor):
        uc.create_country(db, actor, deliberation, code, name)
    typer.echo(f"Country {code.upper()} added to {deliberation!r}.")


@site_app.command("create")
def site_create(
    deliberation: Annotated[str, typer.Option("--deliberation")],
    country: Annotated[str, typer.Option("--country", help="Country code.")],
    code: Annotated[str, typer.Option("--code", help="Short unique code, e.g. FR-lyon.")],
    name: Annotated[str, typer.Option("--name")],
    panel_size: Annotated[int, typer.Option("--panel-size", help="Seats, 50 to 200.")],
    partner: Annotated[str, typer.Option("--partner", help="Partner organisation.")],
    place: Annotated[str, typer.Option("--place")] = "",
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="First-level subdivision, e.g. Auvergne-Rhône-Alpes or Nairobi City."
        ),
    ] = None,
    database_url_: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Create a site run by a partner organisation (in a region of its country, if given)."""
    with logged_in(database_url_, user) as (db, actor):
        uc.create_site(
            db,
            actor,
            deliberation=deliberation,
            country=country,
            code=code,
            name=name,
            panel_size=panel_size,
            partner=partner,
            place=place,
            region=region,
        )
    typer.echo(f"Site {code} created (panel of {panel_size}, partner {partner}).")


@site_app.command("list")
def site_list(database_url_: DbOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """List the sites you may see."""
    with logged_in(database_url_, user) as (db, actor):
        sites = uc.list_sites(db, actor)
    if as_json:
        emit_json({"sites": [dataclasses.asdict(s) for s in sites]})
        return
    for s in sites:
        quotas = f"quotas v{s.quota_version}" if s.quota_version else "no quotas"
        run = f"last run {s.last_run_id} {s.last_run_status}" if s.last_run_id else "no run"
        where = f"{s.region}, {s.country}" if s.region else s.country
        typer.echo(
            f"{s.code:<14} {s.name} ({where}), panel {s.panel_size}, {s.partner}: "
            f"{s.volunteers} volunteers, {quotas}, {run}"
        )


@site_app.command("quotas")
def site_quotas(
    site: SiteOpt,
    table: Annotated[Path | None, typer.Option("--table", help="Quota table file.")] = None,
    margins: Annotated[Path | None, typer.Option("--margins", help="Census margins file.")] = None,
    tolerance_seats: Annotated[int | None, typer.Option("--tolerance-seats")] = None,
    tolerance_points: Annotated[float | None, typer.Option("--tolerance-points")] = None,
    database_url_: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Set a site's quotas from a table or from census margins (a new version each time)."""
    if (table is None) == (margins is None):
        raise typer.BadParameter("give --table or --margins (one of them)")
    with logged_in(database_url_, user) as (db, actor):
        if table is not None:
            view = uc.set_quotas_from_file(db, actor, site, table)
        else:
            assert margins is not None
            view = uc.set_quotas_from_margins_file(
                db,
                actor,
                site,
                margins,
                tolerance_seats=tolerance_seats,
                tolerance_points=tolerance_points,
            )
    typer.echo(f"Quotas of {site} are now version {view.version} ({len(view.table)} categories).")
    for q in view.table:
        typer.echo(f"  {q.feature} = {q.value}: {q.min} to {q.max}")


@site_app.command("feasibility")
def site_feasibility(site: SiteOpt, database_url_: DbOpt = None, user: UserOpt = None) -> int:
    """Check whether the site's pool can meet its quotas. Exit 1 when it cannot."""
    with logged_in(database_url_, user) as (db, actor):
        result = uc.check_feasibility(db, actor, site)
    if result.feasible:
        typer.echo(f"Feasible: a panel for {site} can meet every quota.")
        return 0
    typer.echo(f"Infeasible: {result.explanation}")
    if result.relaxation is not None:
        typer.echo(f"Smallest fix: {result.relaxation.describe()}")
    return 1


@app.command("demo")
def demo_command(database_url_: DbOpt = None) -> None:
    """Create a demo deliberation (countries, sites, synthetic pools, a user per role)."""
    from recruitment.demo import create_demo

    demo = create_demo(database_url_)
    if demo.key_file:
        typer.echo(f"Created the secret key file {demo.key_file}.")
    typer.echo(
        f"Demo created in {safe_url(demo.url)}: sites {', '.join(demo.sites)}; "
        f"run {demo.run_id} selected the panel of {demo.sites[0]}."
    )
    typer.echo("Logins (log in with KLERO_USER=<login> KLERO_PASSWORD=<password>):")
    for name, (role, organisation, secret) in demo.logins.items():
        where = f", {organisation}" if organisation else ""
        typer.echo(f"  {name:<13} {secret}  ({role}{where})")
