"""``klero select --deliberation NAME --all-ready``: every ready site of a deliberation at once.

Thin: log in, pick the executor (``--workers``, ``--scheduler``), call
``recruitment.usecases.run_batch_on``, print each site's outcome (a table, or ``--json``).
"""

from __future__ import annotations

import dataclasses

import typer

from klero.options import cli_language, emit_json
from klero.progress import progress_for
from klero.service.common import logged_in
from quotas.messages import render
from recruitment import usecases as uc
from sampling import SelectionSettings


def select_all_ready(
    deliberation: str,
    settings: SelectionSettings,
    compute: uc.BatchCompute,
    login: tuple[str | None, str | None],
    as_json: bool,
) -> int:
    """Run the batch and print its outcomes; the exit code is the report's (0, 1 or 3).

    ``compute``: the country the batch keeps to, the local processes and the Dask
    scheduler (each None: all countries, the cores, no scheduler); ``login``: the
    database URL and the acting user.
    """
    callback, bar = progress_for(not as_json)

    def progress(outcome: uc.SiteOutcome, done: int, total: int) -> None:
        if callback is not None:
            callback(f"sites {done}/{total}", done / max(total, 1))

    try:
        with logged_in(*login) as (db, actor):
            report = uc.run_batch_on(db, actor, deliberation, settings, compute, progress)
    finally:
        if bar is not None:
            bar.close()
    print_batch(report, as_json)
    return report.exit_code


def print_batch(report: uc.BatchReport, as_json: bool) -> None:
    """One line per site (site, country, outcome, run, seed or number, detail), a summary."""
    if as_json:
        emit_json(
            {
                "batch_id": report.batch_id,
                "deliberation": report.deliberation,
                "seed": report.seed,
                "public_number": report.public_number,
                "seconds": round(report.seconds, 3),
                "exit_code": report.exit_code,
                "counts": {s: report.count(s) for s in uc.BATCH_STATUSES},
                "sites": [_jsonable(o) for o in report.outcomes],
            }
        )
        return
    lang = cli_language()
    rows = [
        (
            o.site,
            o.country,
            render(f"svc_batch_{o.status}", {}, lang),
            "" if o.run_id is None else str(o.run_id),
            _number(o, lang),
            o.message.text(lang),
        )
        for o in report.outcomes
    ]
    header = tuple(render(f"cli_col_{c}", {}, lang) for c in BATCH_COLUMNS)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
        typer.echo("  ".join([*cells, row[5]]).rstrip())
    for o in report.outcomes:
        if o.reasons and o.status == "infeasible":
            typer.echo(f"{o.site}: {' '.join(m.text(lang) for m in o.reasons)}")
    typer.echo(report.message.text(lang))


# The batch table's columns (their headings: ``cli_col_<column>``).
BATCH_COLUMNS = ("site", "country", "outcome", "run", "seed_or_number", "detail")


def _number(outcome: uc.SiteOutcome, lang: str) -> str:
    if outcome.seed is not None:
        return render("cli_by_seed", {"value": outcome.seed}, lang)
    if outcome.public_number is not None:
        return render("cli_by_number", {"value": outcome.public_number}, lang)
    return ""


def _jsonable(outcome: uc.SiteOutcome) -> dict[str, object]:
    data = dataclasses.asdict(outcome)
    data["message"] = outcome.message.text()
    data["message_code"] = outcome.message.code
    data["reasons"] = [m.to_dict() for m in outcome.reasons]
    return data
