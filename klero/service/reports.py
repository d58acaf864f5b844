"""``klero report``: a deliberation's report at the global, country or region level.

Thin: parse, call ``usecases.deliberation_report``, write the file its suffix names
(``recruitment.reports``), print one line. Exit 2 for an unknown level, country or
suffix, 4 when the user may not view sites.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klero.options import (
    SERVICE,
    CountryOpt,
    DeliberationOpt,
    Service,
    chosen_language,
    cli_language,
    emit_json,
    with_service,
)
from klero.service.common import logged_in
from quotas.messages import render
from quotas.pdf_fonts import fonts_warning
from recruitment import usecases as uc
from recruitment.reports import report_format, write_report


@with_service(json=True)
def report_command(
    deliberation: DeliberationOpt,
    out: Annotated[
        Path, typer.Option("--out", help="The file to write: .html, .csv, .xlsx or .pdf.")
    ],
    level: Annotated[
        str, typer.Option("--level", help="One unit per: global, country or region.")
    ] = "global",
    country: CountryOpt = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of the report (klero languages lists them; default KLERO_LANG).",
        ),
    ] = None,
    service: Service = SERVICE,
) -> None:
    """Write a deliberation's report (summary: ``klero.listing``)."""
    lang = cli_language() if lang is None else chosen_language(lang)
    chosen = uc.parse_level(level)
    report_format(out)  # an unknown suffix is refused before signing in
    with logged_in(*service.login) as (db, actor):
        report = uc.deliberation_report(db, actor, deliberation, chosen, country=country)
    write_report(report, out, lang)
    warning = fonts_warning(lang) if out.suffix.lower() == ".pdf" else None
    if warning is not None:
        typer.echo(warning.text(lang), err=True)
    figures = {
        "deliberation": deliberation,
        "level": str(chosen),
        "units": len(report.units),
        "sites": len(report.sites),
        "runs": len(report.runs),
        "path": str(out),
    }
    if service.as_json:
        emit_json(figures)
    else:
        typer.echo(render("report_written", figures, lang))
