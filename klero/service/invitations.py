"""Invitations from the command line: `klero site meeting`, `site message`, `panel invitations`.

The dashboard's Panel page does the same. Exit codes: 0 success, 2 invalid input (an
unknown kind, language or placeholder, no meeting set), 3 other errors, 4 permission
denied (only the site's partner and admins see contact details, so only they export).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from klero.options import SERVICE, OutFileOpt, RunOpt, Service, with_service
from klero.service.common import SiteOpt, given_text, logged_in, run_as, say, write_recorded
from quotas.exports import table_format
from quotas.problems import KleroError
from recruitment import usecases as uc

KindOpt = Annotated[
    str, typer.Option("--kind", help="invitation, standby (alternates) or confirmation.")
]


@with_service()
def site_meeting(
    site: SiteOpt,
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="The day the panel meets."),
    ] = None,
    time: Annotated[str, typer.Option("--time", help="When, as written, e.g. 9:30–17:00.")] = "",
    place: Annotated[
        str, typer.Option("--place", help="The venue (default: the site's place).")
    ] = "",
    clear: Annotated[bool, typer.Option("--clear", help="Forget the meeting.")] = False,
    service: Service = SERVICE,
) -> None:
    """Set the panel's meeting (day, time, place) that invitations give, or show it."""
    with logged_in(*service.login) as (db, actor):
        if clear:
            uc.set_meeting(db, actor, site, None)
        elif day is not None:
            uc.set_meeting(db, actor, site, day.date(), time, place)
        elif time or place:
            raise KleroError("cli_option_needs", option="--time, --place", needed="--date")
        texts = uc.invitation_texts(db, actor, site)
    if texts.meeting_date is None:
        say("svc_meeting_unset", site=site)
        return
    say(
        "svc_meeting",
        site=site,
        date=texts.meeting_date.isoformat(),
        time=texts.meeting_time or "–",
        place=texts.meeting_place or "–",
    )


@with_service()
def site_message(
    site: SiteOpt,
    kind: KindOpt,
    lang: Annotated[str, typer.Option("--lang", help="Language code, e.g. sw.")],
    file: Annotated[
        Path | None, typer.Option("--file", help="A UTF-8 text file with the message.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The message itself.")] = None,
    service: Service = SERVICE,
) -> None:
    """Set a message template in one language ({name}, {reference}, {date}, ...; empty: default)."""
    written = given_text(file, text)
    run_as(*service.login, uc.set_message_template, site, kind, lang, written)
    if written.strip():
        say("svc_message_saved", site=site, kind=kind, lang=lang, count=len(written.strip()))
    else:
        say("svc_message_removed", site=site, kind=kind, lang=lang)


@with_service()
def panel_invitations(
    site: SiteOpt,
    out: OutFileOpt,
    kind: Annotated[
        str, typer.Option("--kind", help="invitation (members and alternates) or confirmation.")
    ] = "invitation",
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language for people whose own is not recorded (default: the site's)."
        ),
    ] = None,
    run: RunOpt = None,
    mark_invited: Annotated[
        bool,
        typer.Option("--mark-invited", help="Record the panel members written to as invited."),
    ] = False,
    service: Service = SERVICE,
) -> None:
    """Write one merged message per person (mail merge for your own e-mail or SMS tool)."""
    table_format(out)  # a wrong file name is refused before any work
    export = write_recorded(
        *service.login,
        out,
        uc.export_invitations,
        site,
        run_id=run,
        kind=kind,
        lang=lang,
        mark_invited=mark_invited,
    )
    say("svc_invitations_written", count=len(export.frame), path=out)
    if mark_invited:
        say("svc_invitations_marked", count=len(export.to_mark), run=export.run_id)
