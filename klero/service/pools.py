"""Service commands for pools: ``pool import`` (with ``--dry-run``) and ``pool classify``.

Both print how every column is classified first (column, role, why, recognised kind):
only the id, criteria and declared attributes are kept in clear; the rest is personal,
encrypted, and shown to the site's partner only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from klero.files.check import print_problems
from klero.options import (
    SERVICE,
    DeliberationOpt,
    IdOpt,
    Service,
    cli_language,
    emit_json,
    split_columns,
    with_service,
)
from klero.service.common import SiteOpt, logged_in, say
from quotas.messages import render
from quotas.problems import Problem, errors_only
from recruitment import usecases as uc
from recruitment.columns import ColumnRole

pool_app = typer.Typer(no_args_is_help=True)


def _columns_option(role: str, what: str) -> Any:
    return typer.Option(f"--{role}-columns", help=f"Comma-separated {what}.")


FeatureOpt = Annotated[
    str | None,
    _columns_option(
        "feature", "criteria kept in clear (default: the quotas' features and the criteria)"
    ),
]
AttributeOpt = Annotated[
    str | None, _columns_option("attribute", "non-personal columns kept in clear")
]
PersonalOpt = Annotated[str | None, _columns_option("personal", "columns to encrypt")]


def print_columns(columns: Sequence[ColumnRole]) -> None:
    """The classification table: column, role, why, and the recognised kind."""
    lang = cli_language()
    heads = [render(f"svc_columns_{k}", {}, lang) for k in ("column", "role", "why", "kind")]
    rows = [
        [
            c.column,
            render(f"svc_role_{c.role}", {}, lang),
            render(f"svc_reason_{c.reason}", {}, lang),
            render(f"svc_kind_{c.kind}", {}, lang) if c.kind else "",
        ]
        for c in columns
    ]
    widths = [max(len(row[i]) for row in [heads, *rows]) + 2 for i in range(3)]
    for row in [heads, *rows]:
        cells = "".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        typer.echo(f"  {cells}{row[3]}".rstrip())


def _print_problems(problems: Sequence[Problem]) -> None:
    print_problems(list(problems), cli_language())


@pool_app.command("import")
@with_service(json=True)
def pool_import(
    site: SiteOpt,
    file: Annotated[Path, typer.Option("--file", help="Pool file (CSV or XLSX).")],
    id_column: IdOpt = "id",
    feature_columns: FeatureOpt = None,
    attribute_columns: AttributeOpt = None,
    contact_columns: Annotated[
        str | None, _columns_option("contact", "personal columns for reaching people")
    ] = None,
    address_columns: Annotated[
        str | None, _columns_option("address", "address columns (personal; households)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Classify and check only; store nothing.")
    ] = False,
    service: Service = SERVICE,
) -> int:
    """Import volunteers into a site; re-importing the same file changes nothing.

    Only the id, the criteria and declared attributes are stored in clear; every other
    column is personal and encrypted. Exit 2 (nothing stored) on any error.
    """
    options: uc.ColumnOptions = {
        "id_column": id_column,
        "feature_columns": split_columns(feature_columns),
        "attribute_columns": split_columns(attribute_columns),
        "contact_columns": split_columns(contact_columns),
        "address_columns": split_columns(address_columns),
    }
    with logged_in(*service.login) as (db, actor):
        if dry_run:
            preview = uc.preview_import(db, actor, site, file, **options)
            return _show_preview(preview, file.name, service.as_json)
        try:
            report = uc.import_pool(db, actor, site, file, **options)
        except uc.ImportRefused as refused:
            if not service.as_json:
                say("svc_columns_of", name=file.name)
                print_columns(refused.columns)
            raise
    if service.as_json:
        emit_json(
            {
                "site": report.site,
                "added": len(report.added),
                "unchanged": report.unchanged,
                "skipped": report.skipped,
                "problems": [p.to_dict() for p in report.problems],
                "columns": [c.to_dict() for c in report.columns],
            }
        )
        return 0
    say("svc_columns_of", name=file.name)
    print_columns(report.columns)
    say(
        "svc_pool_imported",
        site=site,
        count=len(report.added),
        unchanged=report.unchanged,
        skipped=report.skipped,
    )
    _print_problems(report.problems)
    return 0


def _show_preview(preview: uc.ImportPreview, name: str, as_json: bool) -> int:
    code = 0 if preview.ok else 2
    if as_json:
        emit_json(
            {
                "site": preview.site,
                "dry_run": True,
                "ok": preview.ok,
                "rows": preview.rows,
                "problems": [p.to_dict() for p in preview.problems],
                "columns": [c.to_dict() for c in preview.columns],
            }
        )
        return code
    say("svc_columns_of", name=name)
    print_columns(preview.columns)
    errors = len(errors_only(preview.problems))
    if preview.ok:
        say("svc_dry_run_ok", site=preview.site, count=preview.rows)
    else:
        say("svc_dry_run_refused", site=preview.site, count=preview.rows, errors=errors)
    _print_problems(preview.problems)
    return code


@pool_app.command("classify")
@with_service(json=True)
def pool_classify(
    site: SiteOpt,
    feature_columns: FeatureOpt = None,
    attribute_columns: AttributeOpt = None,
    personal_columns: PersonalOpt = None,
    service: Service = SERVICE,
) -> None:
    """Change which stored columns are criteria, attributes or personal (the site's partner).

    Without options, list the columns the site's volunteers hold and their roles.
    """
    asked = [split_columns(c) for c in (feature_columns, attribute_columns, personal_columns)]
    with logged_in(*service.login) as (db, actor):
        if not any(asked):
            columns = uc.site_columns(db, actor, site)
            roles: dict[str, str] = {}
            changed = 0
        else:
            report = uc.classify_pool(
                db,
                actor,
                site,
                feature_columns=asked[0],
                attribute_columns=asked[1],
                personal_columns=asked[2],
            )
            columns, roles, changed = report.columns, report.roles, report.volunteers
    if service.as_json:
        emit_json({"site": site, "changed": roles, "volunteers": changed, "columns": columns})
        return
    if roles:
        moved = ", ".join(f"{c} -> {r}" for c, r in roles.items())
        say("svc_columns_moved", site=site, moved=moved, count=changed)
    say("svc_columns_held", site=site)
    for column, role in columns.items():
        typer.echo(f"  {column}: {role}")


@pool_app.command("duplicates")
@with_service(json=True)
def pool_duplicates(
    deliberation: DeliberationOpt,
    service: Service = SERVICE,
) -> None:
    """People registered at several sites of a deliberation: site codes and pseudonyms only.

    Each may be selected at one site only: where they hold a seat already, else where
    they registered first (earliest registration; a tie goes to the smaller site code).
    """
    with logged_in(*service.login) as (db, actor):
        found = uc.cross_site_duplicates(db, actor, deliberation)
    if service.as_json:
        emit_json(
            {
                "deliberation": deliberation,
                "people": [
                    {
                        "eligible": p.eligible,
                        "seated": p.seated,
                        "registrations": [
                            {"site": site, "pseudonym": pseudonym}
                            for site, pseudonym in p.registrations
                        ],
                    }
                    for p in found
                ],
            }
        )
        return
    say("svc_duplicates", deliberation=deliberation, count=len(found))
    for number, person in enumerate(found, start=1):
        where = ", ".join(f"{site} {pseudonym}" for site, pseudonym in person.registrations)
        say("svc_duplicate_row", number=number, eligible=person.eligible, sites=where)
