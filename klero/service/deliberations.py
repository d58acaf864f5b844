"""Deliberations and their sites: ``klero org``, ``deliberation``, ``site``, and ``demo``.

Exit codes: 0 success, 1 a site's quotas cannot be met (``site feasibility``), 2 invalid
input, 3 other errors (e.g. database out of date), 4 permission denied.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from klero.options import (
    SERVICE,
    DbOpt,
    DeliberationOpt,
    JsonOpt,
    MarginsFileOpt,
    Service,
    TolerancePointsOpt,
    ToleranceSeatsOpt,
    UserOpt,
    cli_language,
    emit_json,
    split_columns,
    with_service,
)
from klero.service.common import SiteOpt, logged_in, run_as, say
from quotas.messages import Message, render
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.db import safe_url

org_app = typer.Typer(no_args_is_help=True)
delib_app = typer.Typer(no_args_is_help=True)
site_app = typer.Typer(no_args_is_help=True)


@org_app.command("create")
def org_create(name: str, database_url_: DbOpt = None, user: UserOpt = None) -> None:
    """Create a partner organisation."""
    run_as(database_url_, user, uc.create_organisation, name)
    say("svc_organisation_created", name=name)


@delib_app.command("create")
def delib_create(name: str, database_url_: DbOpt = None, user: UserOpt = None) -> None:
    """Create a deliberation."""
    run_as(database_url_, user, uc.create_deliberation, name)
    say("svc_deliberation_created", name=name)


@delib_app.command("criteria")
@with_service(json=True)
def delib_criteria(
    deliberation: DeliberationOpt,
    set_: Annotated[
        str | None,
        typer.Option(
            "--set", help="Comma-separated criteria every site may keep in clear ('' for none)."
        ),
    ] = None,
    service: Service = SERVICE,
) -> None:
    """Print a deliberation's criteria, or set them (coordinators, admins).

    Pool imports keep these columns in clear as criteria (besides the site's quota
    features); every other undeclared column is personal. Data already stored keeps its
    classification: change it with 'klero pool classify'.
    """
    with logged_in(*service.login) as (db, actor):
        if set_ is None:
            criteria = uc.deliberation_criteria(db, actor, deliberation)
        else:
            criteria = uc.set_criteria(db, actor, deliberation, split_columns(set_))
    if service.as_json:
        emit_json({"deliberation": deliberation, "criteria": criteria})
        return
    if not criteria:
        say("svc_criteria_none", deliberation=deliberation)
        return
    code = "svc_criteria_set" if set_ is not None else "svc_criteria"
    say(code, deliberation=deliberation, criteria=", ".join(criteria))


@delib_app.command("add-country")
@with_service()
def delib_country(
    deliberation: DeliberationOpt,
    code: Annotated[str, typer.Option("--code", help="ISO 3166 code, e.g. FR.")],
    name: Annotated[str, typer.Option("--name")],
    service: Service = SERVICE,
) -> None:
    """Add a country to a deliberation."""
    run_as(*service.login, uc.create_country, deliberation, code, name)
    say("svc_country_added", country=code.upper(), deliberation=deliberation)


@delib_app.command("import-plan")
@with_service(json=True)
def delib_import_plan(
    deliberation: DeliberationOpt,
    file: Annotated[Path, typer.Option("--file", help="The plan: a CSV or XLSX file.")],
    service: Service = SERVICE,
) -> None:
    """Create or update a deliberation's countries, partners and sites from a plan file.

    Coordinators and admins. Columns: site_code, site_name, country, region, partner,
    panel_size, kind, languages, pool_file, margins_file, address_columns,
    tolerance_points (README, "A deliberation's plan"). Every row is checked first:
    nothing is stored when any row has an error. The same plan again changes nothing.
    """
    result = run_as(*service.login, uc.import_plan, deliberation, file)
    if service.as_json:
        emit_json(dataclasses.asdict(result) | {"changed": result.changed})
        return
    created = [s.site for s in result.sites if s.outcome == "created"]
    updated = [s.site for s in result.sites if s.outcome == "updated"]
    say(
        "svc_plan_imported",
        deliberation=deliberation,
        count=len(result.sites),
        created=len(created),
        updated=len(updated),
        countries=", ".join(result.countries_created) or "-",
        partners=", ".join(result.organisations_created) or "-",
    )
    for s in result.sites:
        if s.outcome == "unchanged" and not s.volunteers_added and s.quota_version is None:
            continue
        outcome = Message(f"svc_plan_site_{s.outcome}")
        if s.changed:
            outcome = Message(
                "svc_plan_site_fields", {"outcome": outcome, "fields": ", ".join(s.changed)}
            )
        code = "svc_plan_site_row" if s.quota_version is None else "svc_plan_site_row_quotas"
        params = {"site": f"{s.site:<14}", "outcome": outcome, "added": s.volunteers_added}
        say(code, **params, version=s.quota_version)


@site_app.command("create")
@with_service()
def site_create(
    deliberation: DeliberationOpt,
    country: Annotated[str, typer.Option("--country", help="Country code.")],
    code: Annotated[str, typer.Option("--code", help="Short unique code, e.g. FR-lyon.")],
    name: Annotated[str, typer.Option("--name")],
    panel_size: Annotated[
        int, typer.Option("--panel-size", help="Seats, 50 to 200 (online: up to 10,000).")
    ],
    partner: Annotated[str, typer.Option("--partner", help="Partner organisation.")],
    place: Annotated[str, typer.Option("--place")] = "",
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="First-level subdivision, e.g. Auvergne-Rhône-Alpes or Nairobi City."
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="in_person, or online (no place; panels up to 10,000).")
    ] = "in_person",
    regions: Annotated[
        str,
        typer.Option(
            "--regions",
            help="The catchment: ';'-separated regions (names or ISO 3166-2 codes); "
            "none = the whole country.",
        ),
    ] = "",
    service: Service = SERVICE,
) -> None:
    """Create a site run by a partner organisation (in a region of its country, if given)."""
    site = uc.NewSite(
        deliberation, country, code, name, panel_size, partner, region, place, kind, regions
    )
    run_as(*service.login, uc.create_site, site)
    say("svc_site_created", site=code, size=panel_size, partner=partner)


@site_app.command("list")
def site_list(database_url_: DbOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """List the sites you may see."""
    sites = run_as(database_url_, user, uc.list_sites)
    if as_json:
        emit_json({"sites": [dataclasses.asdict(s) for s in sites]})
        return
    for s in sites:
        quotas = (
            Message("svc_site_quotas", {"version": s.quota_version})
            if s.quota_version
            else Message("svc_site_no_quotas")
        )
        run = (
            Message(
                "svc_site_last_run",
                {"run": s.last_run_id, "status": Message(f"svc_run_status_{s.last_run_status}")},
            )
            if s.last_run_id
            else Message("svc_site_no_run")
        )
        where = f"{s.region}, {s.country}" if s.region else s.country
        say(
            "svc_site_row",
            site=f"{s.code:<14}",
            name=s.name,
            where=where,
            size=s.panel_size,
            partner=s.partner,
            volunteers=s.volunteers,
            quotas=quotas,
            run=run,
        )


@site_app.command("quotas")
@with_service()
def site_quotas(
    site: SiteOpt,
    table: Annotated[Path | None, typer.Option("--table", help="Quota table file.")] = None,
    margins: MarginsFileOpt = None,
    tolerance_seats: ToleranceSeatsOpt = None,
    tolerance_points: TolerancePointsOpt = None,
    service: Service = SERVICE,
) -> None:
    """Set a site's quotas from a table or from census margins (a new version each time)."""
    if (table is None) == (margins is None):
        raise KleroError("cli_options_one_of", choices="--table, --margins")
    with logged_in(*service.login) as (db, actor):
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
    say("svc_quotas_version", site=site, version=view.version, count=len(view.table))
    for q in view.table:
        say("svc_quota_range", feature=q.feature, value=q.value, min=q.min, max=q.max)


@site_app.command("feasibility")
def site_feasibility(site: SiteOpt, database_url_: DbOpt = None, user: UserOpt = None) -> int:
    """Check whether the site's pool can meet its quotas. Exit 1 when it cannot."""
    result = run_as(database_url_, user, uc.check_feasibility, site)
    if result.feasible:
        say("svc_site_feasible", site=site)
        return 0
    lang = cli_language()
    say("svc_site_infeasible", reason=" ".join(m.text(lang) for m in result.reasons()))
    if result.relaxation is not None:
        say("check_smallest_fix", fix=result.relaxation.describe(lang))
    return 1


def demo_command(database_url_: DbOpt = None) -> None:
    """``klero demo``: create the demo and print its logins (summary: ``klero.listing``)."""
    from recruitment.demo import create_demo

    demo = create_demo(database_url_)
    if demo.key_file:
        say("svc_demo_key_file", path=demo.key_file)
    say(
        "svc_demo_created",
        url=safe_url(demo.url),
        count=len(demo.sites),
        sites=", ".join(demo.sites),
        run=demo.run_id,
        site=demo.sites[0],
    )
    say("svc_demo_logins")
    for name, (role, organisation, secret) in demo.logins.items():
        where = f", {organisation}" if organisation else ""
        role_name = render(f"svc_role_name_{role}", {}, cli_language())
        typer.echo(f"  {name:<13} {secret}  ({role_name}{where})")
