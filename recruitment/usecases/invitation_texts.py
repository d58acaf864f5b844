"""A site's invitation kit: message templates per kind and language, and the meeting.

Partners send invitations and confirmations with their own e-mail or SMS tools; the
service gives them one merged message per person (``recruitment.usecases.invitations``).
The templates are per site, kind and language (``site_message``): ``invitation`` for
panel members, ``standby`` for alternates on the reserve list, ``confirmation`` for
those who said yes. A language without the partner's text uses the shipped default
wording (the catalogue's ``invite_default_<kind>``). Placeholders are ``{name}``,
``{reference}``, ``{date}``, ``{time}``, ``{place}``, ``{site}`` and ``{role}``; any
other ``{word}`` is refused when the text is saved, naming it. The meeting's day, time
and place are the site's (``klero site meeting``); the place defaults to the site's
``place``. Changes are audited with a digest of the text, never the text itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas import languages
from quotas.messages import render
from quotas.problems import InvalidInput, KleroError, Problem
from recruitment import audit
from recruitment.db import Database
from recruitment.models import Site
from recruitment.permissions import Action, Actor
from recruitment.site_texts import SiteMessage
from recruitment.usecases.common import save_text, site_for, text_digest

#: The kinds of message a partner writes, in the order the pages show them.
KINDS = ("invitation", "standby", "confirmation")
#: The placeholders a template may hold, each filled per person.
PLACEHOLDERS = ("name", "reference", "date", "time", "place", "site", "role")
TEMPLATE_MAX = 2000
MEETING_TIME_MAX = 40
MEETING_PLACE_MAX = 300
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# GSM 03.38: the default alphabet (one 7-bit unit each) and its extension (two units each).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
# Unicode's first-strong isolate and its closing mark: a Latin name or reference inside
# right-to-left text keeps its own direction, and the text around it keeps its order.
_ISOLATE = ("\u2068", "\u2069")


def default_template(kind: str, lang: str) -> str:
    """The shipped wording of ``kind`` in ``lang``, placeholders left in it."""
    return render(f"invite_default_{kind}", {}, lang)


def require_kind(kind: str, kinds: tuple[str, ...] = KINDS) -> str:
    """``kind`` if it is one of ``kinds``; else the coded error listing them (exit 2)."""
    if kind not in kinds:
        raise KleroError("invite_kind_unknown", kind=kind, known=", ".join(kinds))
    return kind


def require_language(lang: str) -> str:
    """The shipped language ``lang`` names (any case); else the coded error listing them."""
    found = languages.resolve(lang)
    if found is None or found == languages.PSEUDO:
        raise KleroError("invite_language_unknown", lang=lang, known=", ".join(languages.codes()))
    return found


def template_problems(text: str) -> list[Problem]:
    """Why a template cannot be saved: each unknown placeholder, a text too long."""
    problems = [
        Problem("invite_placeholder_unknown", {"placeholder": "{" + name + "}", "known": _known()})
        for name in dict.fromkeys(_PLACEHOLDER.findall(text))
        if name not in PLACEHOLDERS
    ]
    if len(text) > TEMPLATE_MAX:
        problems.append(
            Problem("invite_template_too_long", {"length": len(text), "max": TEMPLATE_MAX})
        )
    return problems


def _known() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def merge(template: str, values: Mapping[str, str], lang: str) -> str:
    """The template with each placeholder replaced by its value (isolated in RTL text).

    >>> merge("Hello {name}, see you on {date}.", {"name": "Ada", "date": "1 May"}, "en")
    'Hello Ada, see you on 1 May.'
    """
    rtl = languages.direction(lang) == "rtl"

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in values:
            return found.group(0)
        return _ISOLATE[0] + values[name] + _ISOLATE[1] if rtl else values[name]

    return _PLACEHOLDER.sub(value, template)


def sms_parts(text: str) -> int:
    """How many SMS a message takes (concatenated GSM 03.38 or UCS-2 segments).

    160 GSM characters fit in one (an extension character such as ``€`` counts two), 153
    per part beyond; with any character outside GSM, 70 UTF-16 units, 67 per part beyond.

    >>> sms_parts("a" * 160), sms_parts("a" * 161), sms_parts("ê" * 70), sms_parts("ê" * 71)
    (1, 2, 1, 2)
    """
    if set(text) <= _GSM_BASIC | _GSM_EXTENSION:
        units, single, part = len(text) + sum(c in _GSM_EXTENSION for c in text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


@dataclass(frozen=True)
class InvitationTexts:
    """A site's invitation kit: its languages, the meeting, the partner's texts."""

    site: str
    site_name: str
    languages: tuple[str, ...]  # the site's languages that ship (its first: the default)
    meeting_date: date | None
    meeting_time: str
    meeting_place: str  # the venue, or the site's place when none was given
    written: Mapping[tuple[str, str], str]  # (kind, lang) -> the partner's text

    def template(self, kind: str, lang: str) -> str:
        """The partner's text of ``kind`` in ``lang``, or the shipped default wording."""
        return self.written.get((kind, lang)) or default_template(kind, lang)

    @property
    def default_language(self) -> str:
        """The language of people whose own is not recorded: the site's first, else English."""
        return self.languages[0] if self.languages else languages.DEFAULT


def site_languages(site: Site) -> tuple[str, ...]:
    """The site's languages (``pt-BR`` counts as ``pt``) that ship, in the site's order."""
    found = []
    for tag in site.languages or []:
        code = languages.resolve(str(tag)) or languages.resolve(str(tag).split("-")[0])
        if code is not None and code != languages.PSEUDO:
            found.append(code)
    return tuple(dict.fromkeys(found))


def texts_of(session: Session, site: Site) -> InvitationTexts:
    """The invitation kit of a site found in the caller's transaction."""
    rows = session.execute(
        select(SiteMessage.kind, SiteMessage.lang, SiteMessage.text).where(
            SiteMessage.site_id == site.id
        )
    ).all()
    return InvitationTexts(
        site.code,
        site.name,
        site_languages(site),
        site.meeting_date,
        site.meeting_time or "",
        site.meeting_place or site.place or "",
        {(kind, lang): text for kind, lang, text in rows},
    )


def invitation_texts(db: Database, actor: Actor, site: str) -> InvitationTexts:
    """The site's invitation kit (nothing personal in it)."""
    with db.unit_of_work() as session:
        return texts_of(session, site_for(session, actor, site, Action.VIEW_SITE))


def set_message_template(
    db: Database, actor: Actor, site: str, kind: str, lang: str, text: str
) -> None:
    """Save the ``kind`` text of ``lang`` (blank: back to the default wording); audited.

    InvalidInput names every unknown placeholder (and a text over ``TEMPLATE_MAX``).
    """
    require_kind(kind)
    lang = require_language(lang)
    text = text.strip()
    problems = template_problems(text)
    if problems:
        raise InvalidInput(problems)
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.RECORD_STATUS, lock=True)
        row = session.execute(
            select(SiteMessage).where(
                SiteMessage.site_id == found.id, SiteMessage.kind == kind, SiteMessage.lang == lang
            )
        ).scalar_one_or_none()
        before = save_text(
            session,
            row,
            text,
            actor.login,
            lambda: SiteMessage(site_id=found.id, kind=kind, lang=lang),
        )
        audit.record(
            session,
            actor,
            "site.message",
            "site",
            found.code,
            site_id=found.id,
            before=before,
            after={"kind": kind, "lang": lang, "sha256": text_digest(text) if text else None},
        )


def set_meeting(
    db: Database, actor: Actor, site: str, day: date | None, time: str = "", place: str = ""
) -> None:
    """Set the panel's meeting: its day, time (free text, e.g. ``9:30–17:00``) and place.

    A blank place means the site's own ``place``; ``day`` None clears the meeting.
    """
    time, place = time.strip(), place.strip()
    problems = []
    if len(time) > MEETING_TIME_MAX:
        problems.append(
            Problem("invite_time_too_long", {"length": len(time), "max": MEETING_TIME_MAX})
        )
    if len(place) > MEETING_PLACE_MAX:
        problems.append(
            Problem("invite_place_too_long", {"length": len(place), "max": MEETING_PLACE_MAX})
        )
    if problems:
        raise InvalidInput(problems)
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.RECORD_STATUS, lock=True)
        before = _meeting(found)
        found.meeting_date = day
        found.meeting_time = time or None
        found.meeting_place = place or None
        audit.record(
            session,
            actor,
            "site.meeting",
            "site",
            found.code,
            site_id=found.id,
            before=before,
            after=_meeting(found),
        )


def _meeting(site: Site) -> dict[str, str | None]:
    return {
        "date": site.meeting_date.isoformat() if site.meeting_date else None,
        "time": site.meeting_time,
        "place": site.meeting_place,
    }
