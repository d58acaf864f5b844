"""``klero deliberation labels``: criteria and categories labelled in each language.

Thin: ``--import FILE`` (CSV or XLSX: criterion, category, lang, label; an empty
category labels the criterion, an empty label removes one) calls ``set_labels``;
``--export FILE`` writes the deliberation's labels in the same columns; neither prints
every label. The text is in the language ``KLERO_LANG`` names.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from klero.options import (
    SERVICE,
    DeliberationOpt,
    Service,
    cli_language,
    emit_json,
    with_service,
)
from klero.output import table_writer, write_file
from klero.service.common import run_as
from quotas.exports import table_format
from quotas.labels import COLUMNS
from quotas.messages import render
from quotas.problems import KleroError
from recruitment import usecases as uc


@with_service(json=True)
def labels_command(
    deliberation: DeliberationOpt,
    import_: Annotated[
        Path | None, typer.Option("--import", help="Set the labels of this file (CSV or XLSX).")
    ] = None,
    export: Annotated[
        Path | None, typer.Option("--export", help="Write every label to this file (.csv, .xlsx).")
    ] = None,
    service: Service = SERVICE,
) -> None:
    """Import or export the labels of a deliberation's criteria and categories per language.

    Coordinators and admins, and partners for deliberations where they run a site.
    """
    lang = cli_language()
    if (import_ is None) == (export is None):
        raise KleroError("labels_import_or_export")
    if import_ is not None:
        report = run_as(*service.login, uc.import_labels, deliberation, import_)
        if service.as_json:
            emit_json(dataclasses.asdict(report))
        else:
            typer.echo(render("labels_set", dataclasses.asdict(report), lang))
        return
    assert export is not None
    table_format(export)  # a wrong file name is refused before signing in
    rows = run_as(*service.login, uc.deliberation_labels, deliberation)
    frame = pd.DataFrame([dataclasses.astuple(r) for r in rows], columns=list(COLUMNS))
    write_file(export, table_writer(frame))
    figures = {"deliberation": deliberation, "count": len(rows), "path": str(export)}
    if service.as_json:
        emit_json(figures)
    else:
        typer.echo(render("labels_exported", figures, lang))
