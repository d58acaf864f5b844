"""A site's public registration from the command line: ``klero site registration`` and ``consent``.

The dashboard's Registration page does the same (and prints forms, takes paper forms).
Exit codes: 0 success, 2 invalid input (dates in the wrong order, a text too long),
3 other errors, 4 permission denied.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from klero.options import SERVICE, Service, with_service
from klero.service.common import SiteOpt, given_text, logged_in, run_as, say
from recruitment import usecases as uc

DateOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@with_service()
def site_registration(
    site: SiteOpt,
    opens: Annotated[
        datetime | None, typer.Option("--opens", formats=["%Y-%m-%d"], help="First day.")
    ] = None,
    closes: Annotated[
        datetime | None,
        typer.Option("--closes", formats=["%Y-%m-%d"], help="Last day (included)."),
    ] = None,
    close: Annotated[bool, typer.Option("--close", help="Close registration now.")] = False,
    service: Service = SERVICE,
) -> None:
    """Open the site's public registration page between two dates, close it, or show its dates."""
    with logged_in(*service.login) as (db, actor):
        if close:
            uc.set_registration_dates(db, actor, site, None, None)
        elif opens is not None or closes is not None:
            uc.set_registration_dates(db, actor, site, _day(opens), _day(closes))
        settings = uc.registration_settings(db, actor, site)
    if settings.opens is None or settings.closes is None:
        say("svc_registration_closed", site=site)
    else:
        say(
            "svc_registration_open",
            site=site,
            opens=settings.opens.isoformat(),
            closes=settings.closes.isoformat(),
        )
    if settings.consents:
        say("svc_consents_written", languages=", ".join(settings.consents))
    else:
        say("svc_consents_none")


@with_service()
def site_consent(
    site: SiteOpt,
    lang: Annotated[str, typer.Option("--lang", help="Language code, e.g. fr.")],
    file: Annotated[
        Path | None, typer.Option("--file", help="A UTF-8 text file with the consent text.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The consent text itself.")] = None,
    service: Service = SERVICE,
) -> None:
    """Set the consent text volunteers agree to in one language (empty: the default wording)."""
    written = given_text(file, text)
    run_as(*service.login, uc.set_consent_text, site, lang, written)
    if written.strip():
        say("svc_consent_saved", site=site, lang=lang, count=len(written.strip()))
    else:
        say("svc_consent_removed", site=site, lang=lang)
