"""Service commands for panels: ``volunteer``, ``panel``, ``runs``, ``rerun``; and
``select_for_site``, which ``klero select --site`` calls (pools: ``klero.service.pools``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from klero.files.select import print_end_to_end
from klero.options import (
    SERVICE,
    DbOpt,
    JsonOpt,
    OutFileOpt,
    RunOpt,
    Service,
    UserOpt,
    cli_language,
    emit_json,
    split_columns,
    with_service,
)
from klero.output import json_writer
from klero.progress import progress_for
from klero.service.common import SiteOpt, logged_in, run_as, say, write_recorded
from quotas.exports import table_format
from quotas.messages import Message, render
from quotas.problems import KleroError
from recruitment import usecases as uc
from sampling import SelectionSettings

volunteer_app = typer.Typer(no_args_is_help=True)
panel_app = typer.Typer(no_args_is_help=True)


def select_for_site(
    site: str,
    settings: SelectionSettings,
    *,
    database_url: str | None = None,
    user: str | None = None,
    progress: bool = False,
) -> uc.RunSummary:
    """Log in and select a site's panel from its stored pool and quotas (klero select --site).

    A progress bar is drawn on a terminal (never into ``--json`` output: ``progress``).
    """
    callback, bar = progress_for(progress)
    try:
        with logged_in(database_url, user) as (db, actor):
            return uc.run_selection(db, actor, site, settings, progress=callback)
    finally:
        if bar is not None:
            bar.close()


def print_site_run(summary: uc.RunSummary, as_json: bool) -> None:
    """Say what a site's selection run chose (one JSON object with ``as_json``)."""
    if as_json:
        emit_json(dataclasses.asdict(summary))
        return
    say(
        "svc_run_summary",
        run=summary.run_id,
        count=len(summary.selected),
        site=summary.site,
        algorithm=summary.algorithm,
        index=summary.lottery_index,
        lotteries=summary.lottery_size,
        alternates=len(summary.alternates),
        sha=summary.input_sha256,
    )
    if summary.excluded:
        say("svc_run_excluded", count=summary.excluded)
    if summary.end_to_end is not None:
        print_end_to_end(summary.end_to_end)


@volunteer_app.command("erase")
def volunteer_erase(pseudonym: str, database_url_: DbOpt = None, user: UserOpt = None) -> None:
    """Erase a volunteer's personal data everywhere; the pseudonym and criteria stay (audit)."""
    run_as(database_url_, user, uc.erase_volunteer, pseudonym)
    say("svc_volunteer_erased", pseudonym=pseudonym)


@volunteer_app.command("export")
@with_service()
def volunteer_export(
    pseudonym: str,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the JSON to this .json file instead of printing it."),
    ] = None,
    service: Service = SERVICE,
) -> None:
    """Print everything stored about a volunteer (JSON), for an access request (or --out FILE)."""
    if out is not None and out.suffix.lower() != ".json":
        raise KleroError(
            "export_suffix_unsupported", path=str(out), suffix=out.suffix.lower(), allowed=".json"
        )
    if out is None:
        data = run_as(*service.login, uc.export_volunteer_data, pseudonym)
        emit_json(data)
        return
    write_recorded(
        *service.login,
        out,
        uc.export_volunteer_data,
        pseudonym,
        writer=json_writer,
    )
    say("svc_volunteer_exported", pseudonym=pseudonym, path=out)


@panel_app.command("status")
@with_service(json=True)
def panel_status(
    site: Annotated[str | None, typer.Option("--site")] = None,
    run: RunOpt = None,
    service: Service = SERVICE,
) -> None:
    """Seats by kind and status, who replaces whom, and the drop-outs not replaced yet."""
    if site is None and run is None:
        raise KleroError("cli_options_one_of", choices="--site, --run")
    status = run_as(*service.login, uc.panel_status, site, run)
    if service.as_json:
        emit_json({**dataclasses.asdict(status), "vacancies": status.vacancies})
        return
    say(
        "svc_panel_status",
        site=status.site,
        run=status.run_id,
        size=status.size,
        count=status.vacancies,
    )
    lang = cli_language()
    for kind, counts in status.counts.items():
        seats = [seat_count(status, n, lang) for status, n in counts.items()]
        say(
            "svc_panel_kind_counts",
            kind=render(f"svc_kind_{kind}", {}, lang),
            seats=", ".join(seats),
        )
    for link in status.replacements:
        say("svc_replaces", pseudonym=link["pseudonym"], replaced=link["replaces"])
    if status.open_dropouts:
        say("svc_open_dropouts", pseudonyms=", ".join(status.open_dropouts))


def seat_count(status: str, count: int, lang: str) -> str:
    """``count`` seats in ``status`` (a seat status, ``no-show`` too), in ``lang``."""
    return render(f"svc_seat_count_{status.replace('-', '_')}", {"count": count}, lang)


@panel_app.command("set")
@with_service()
def panel_set(
    run: Annotated[int, typer.Option("--run")],
    volunteer: Annotated[str, typer.Option("--volunteer", help="Pseudonym.")],
    status: Annotated[str, typer.Option("--status", help="invited, confirmed, declined, ...")],
    service: Service = SERVICE,
) -> None:
    """Record an invitation, an answer or attendance for one seat."""
    before = run_as(*service.login, uc.record_seat_status, run, volunteer, status)
    typer.echo(f"{volunteer}: {before} -> {status}.")


@panel_app.command("replace")
@with_service(json=True)
def panel_replace(
    run: Annotated[int, typer.Option("--run", help="Run id.")],
    dropped: Annotated[
        str, typer.Option("--dropped", help="Comma-separated pseudonyms of who dropped out.")
    ],
    seed: Annotated[int, typer.Option("--seed", help="Seed for ties between alternates.")] = 0,
    service: Service = SERVICE,
) -> None:
    """Replace panel members who dropped out with the best alternates; invite them."""
    summary = run_as(
        *service.login,
        uc.replace_dropouts,
        run,
        split_columns(dropped),
        seed=seed,
    )
    if service.as_json:
        emit_json(
            {
                "run_id": summary.run_id,
                "site": summary.site,
                "seed": summary.seed,
                "dropped": summary.dropped,
                "withdrawn": summary.withdrawn,
                "added": summary.added,
                "unfilled_seats": summary.unfilled,
                "unmet": summary.unmet,
                "panel": summary.panel,
            }
        )
        return
    say(
        "svc_replace_summary",
        site=summary.site,
        run=summary.run_id,
        count=len(summary.added),
        dropped=len(summary.dropped),
    )
    for added in summary.added:
        why = Message(added["reason_code"], added["reason_params"])
        typer.echo(f"  {added['pseudonym']}: {why.text(cli_language())}")
    if summary.unfilled:
        say("svc_seats_unfilled", count=summary.unfilled)
    for quota in summary.unmet:
        say(
            "svc_replace_unmet",
            feature=quota["feature"],
            value=quota["value"],
            count=quota["after"],
            status=quota["status"],
        )


@panel_app.command("export")
@with_service()
def panel_export(
    out: OutFileOpt,
    site: Annotated[str | None, typer.Option("--site")] = None,
    run: RunOpt = None,
    service: Service = SERVICE,
) -> None:
    """Write the panel and alternates (contact details only for the site's partner).

    The file is CSV, or a real XLSX when its name ends in .xlsx.
    """
    table_format(out)  # a wrong file name is refused before any work
    if site is None and run is None:
        raise KleroError("cli_options_one_of", choices="--site, --run")
    frame = write_recorded(*service.login, out, uc.export_panel, site, run)
    say("svc_seats_written", count=len(frame), path=out)


def runs_command(site: SiteOpt, database_url_: DbOpt = None, user: UserOpt = None) -> None:
    """``klero runs``: one line per run of the site (summary: ``klero.listing``)."""
    runs = run_as(database_url_, user, uc.list_runs, site)
    for r in runs:
        details = [Message("svc_run_seats", {"size": r.size, "alternates": r.alternates})]
        if r.lottery_index is not None:
            details.append(Message("svc_run_lottery", {"number": r.lottery_index}))
        if r.error_code:
            details.append(Message("svc_run_error", {"code": r.error_code}))
        lang = cli_language()
        say(
            "svc_run_row",
            run=r.run_id,
            status=Message(f"svc_run_status_{r.status}"),
            algorithm=r.algorithm,
            details=", ".join(m.text(lang) for m in details),
            by=r.started_by,
            at=r.started_at,
        )


def rerun_command(
    run_id: int, database_url_: DbOpt = None, user: UserOpt = None, as_json: JsonOpt = False
) -> int:
    """``klero rerun``: print the comparison; 0 if the same, 1 if not (``klero.listing``)."""
    report = run_as(database_url_, user, uc.rerun_selection, run_id)
    if as_json:
        typer.echo(json.dumps({**dataclasses.asdict(report), "ok": report.ok}, indent=2))
    else:
        typer.echo(report.text(cli_language()))
    return 0 if report.ok else 1
