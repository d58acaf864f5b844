"""Invitations by mail merge: one row per person, the message merged in their language.

``export_invitations`` writes, for a site's panel (its latest run, or the one asked
for), one row per person to write to: ``pseudonym`` (what ``klero panel set`` takes
when the answers come back), ``reference`` (the number given at sign-up, or the
partner's own id), ``language``, ``name``, ``email``, ``phone``, ``role``
(``selected`` for panel members, replacements included; ``alternate`` for the reserve
list), ``status``, the meeting's ``date``, ``time`` and ``place``, and ``message``: the
site's template for that person's role and language, merged; ``sms_parts``, how many
SMS it takes (GSM 03.38 or UCS-2 segments).

- kind ``invitation``: panel members not yet answered (selected or invited) get the
  invitation text, alternates still on the reserve list the stand-by text;
- kind ``confirmation``: panel members who confirmed get the confirmation text.

Someone erased has no row. A person's language is the one they registered in (public
page), else a ``language`` or ``lang`` column declared as an attribute of their pool,
else ``lang`` (the site's first language by default). Contact details are decrypted only
for whom may see them (the site's partner, admins); the export is recorded
(``panel.invitations``: counts, never names) only once written. With ``mark_invited``
the panel members still ``selected`` are recorded as ``invited`` in the same
transaction, through the panel's seat-status use case (each one audited).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NotRequired, TypedDict, Unpack

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas import languages
from quotas.cldr import locale
from quotas.messages import render
from quotas.problems import KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.lexicon import recognise_header
from recruitment.models import Site, Volunteer, VolunteerContact
from recruitment.permissions import Action, Actor, require
from recruitment.security import Secrets
from recruitment.usecases.common import site_for, site_ref
from recruitment.usecases.invitation_texts import (
    InvitationTexts,
    merge,
    require_kind,
    require_language,
    sms_parts,
    texts_of,
)
from recruitment.usecases.panels import run_of, set_seat_status
from recruitment.usecases.seats import SeatLine, seat_lines

#: The kinds of export: which people, which text.
EXPORT_KINDS = ("invitation", "confirmation")
COLUMNS = (
    "pseudonym",
    "reference",
    "language",
    "name",
    "email",
    "phone",
    "role",
    "status",
    "date",
    "time",
    "place",
    "message",
    "sms_parts",
)
_LANGUAGE_ATTRIBUTES = ("language", "lang")


@dataclass(frozen=True)
class InvitationExport:
    """The merged messages of a run, ready to hand over (not yet recorded)."""

    site: str
    run_id: int
    kind: str
    frame: pd.DataFrame
    to_mark: tuple[str, ...]  # panel members still "selected": invited once handed over


def _template_kind(kind: str, line: SeatLine) -> str | None:
    """The template a seat gets in an export of ``kind``; None: not in that export."""
    if kind == "confirmation":
        return "confirmation" if line.on_panel and line.status == "confirmed" else None
    if line.on_panel:
        return "invitation" if line.status in ("selected", "invited") else None
    reserve = line.kind == "alternate" and line.status == "selected"
    return "standby" if reserve else None


def person_language(volunteer: Volunteer, fallback: str) -> str:
    """The language to write to a volunteer in: as registered, as declared, or ``fallback``."""
    attributes = volunteer.attributes or {}
    for given in (volunteer.lang, *(attributes.get(a) for a in _LANGUAGE_ATTRIBUTES)):
        code = languages.resolve(str(given)) if given else None
        if code is not None and code != languages.PSEUDO:
            return code
    return fallback


def contact_fields(details: dict[str, Any]) -> dict[str, str]:
    """Name, e-mail and phone out of a volunteer's decrypted details (columns as imported).

    Name columns (``first_name``, ``last_name``, ...) are joined in their order; the first
    e-mail and phone columns are taken.
    """
    found: dict[str, list[str]] = {"name": [], "email": [], "phone": []}
    for column, value in details.items():
        kind = _header_kind(str(column))
        if kind in found and str(value or "").strip():
            found[kind].append(str(value).strip())
    return {
        "name": " ".join(found["name"]),
        "email": found["email"][0] if found["email"] else "",
        "phone": found["phone"][0] if found["phone"] else "",
    }


@lru_cache(maxsize=1024)
def _header_kind(column: str) -> str | None:
    """``recognise_header``, once per column name (every person's details repeat them)."""
    return recognise_header(column)


def _meeting_values(texts: InvitationTexts, lang: str) -> dict[str, str]:
    from babel.dates import format_date

    assert texts.meeting_date is not None
    return {
        "date": format_date(texts.meeting_date, "full", locale=locale(lang)),
        "time": texts.meeting_time,
        "place": texts.meeting_place,
        "site": texts.site_name,
    }


def _contacts(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    secrets = Secrets.load()
    rows = session.execute(
        select(VolunteerContact).where(VolunteerContact.volunteer_id.in_(ids))
    ).scalars()
    return {c.volunteer_id: secrets.decrypt(c.ciphertext) for c in rows}


def _ready(texts: InvitationTexts) -> None:
    if texts.meeting_date is None or not texts.meeting_place:
        raise KleroError("invite_meeting_unset", site=texts.site)


def _row(
    texts: InvitationTexts,
    line: SeatLine,
    volunteer: Volunteer,
    details: dict[str, Any],
    template: str,
    fallback: str,
) -> dict[str, object]:
    """One person's row: who, how to reach them, the meeting, the merged message."""
    language = person_language(volunteer, fallback)
    role = "selected" if line.on_panel else "alternate"
    values = {
        **_meeting_values(texts, language),
        **contact_fields(details),
        "reference": volunteer.external_id,
        "role": render(f"invite_role_{role}", {}, language),
    }
    message = merge(texts.template(template, language), values, language)
    return {
        "pseudonym": line.pseudonym,
        **{k: values[k] for k in ("reference", "name", "email", "phone")},
        "language": language,
        "role": role,
        "status": line.status,
        **{k: values[k] for k in ("date", "time", "place")},
        "message": message,
        "sms_parts": sms_parts(message),
    }


def _invitations(session: Session, site: Site, wanted: Wanted) -> InvitationExport:
    kind, lang = wanted["kind"], wanted.get("lang")
    run = run_of(session, site.code, wanted.get("run_id"))
    if run.site_id != site.id:
        raise KleroError("run_not_found", run_id=run.id)
    texts = texts_of(session, site)
    _ready(texts)
    fallback = require_language(lang) if lang else texts.default_language
    lines = [(seat, line, _template_kind(kind, line)) for seat, line in seat_lines(session, run.id)]
    chosen = [(seat, line, template) for seat, line, template in lines if template is not None]
    ids = [seat.volunteer_id for seat, _, _ in chosen]
    # Someone erased (GDPR) has nothing left to write to: no row.
    query = select(Volunteer).where(Volunteer.id.in_(ids), Volunteer.status != "erased")
    people = {v.id: v for v in session.execute(query).scalars()}
    chosen = [
        (seat, line, template) for seat, line, template in chosen if seat.volunteer_id in people
    ]
    contacts = _contacts(session, list(people))
    rows = [
        _row(
            texts,
            line,
            people[seat.volunteer_id],
            contacts.get(seat.volunteer_id, {}),
            template,
            fallback,
        )
        for seat, line, template in chosen
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)
    to_mark = tuple(
        str(r["pseudonym"]) for r in rows if r["status"] == "selected" and r["role"] == "selected"
    )
    return InvitationExport(site.code, run.id, kind, frame, to_mark)


def _found(session: Session, actor: Actor, site: str) -> Site:
    """The site, if ``actor`` may see its contact details (and so write to its people)."""
    found = site_for(session, actor, site, Action.EXPORT_PANEL)
    require(actor, Action.VIEW_CONTACTS, site_ref(found))
    return found


def _record(session: Session, actor: Actor, export: InvitationExport, mark_invited: bool) -> None:
    found = _found(session, actor, export.site)
    run = run_of(session, None, export.run_id)
    marked = 0
    if mark_invited:
        # Only seats still waiting: one answered since the export was prepared keeps its status.
        now = {line.pseudonym: line.status for _, line in seat_lines(session, run.id, lock=True)}
        for pseudonym in export.to_mark:
            if now.get(pseudonym) == "selected":
                set_seat_status(session, actor, run, pseudonym, "invited")
                marked += 1
    counts = export.frame["language"].value_counts().sort_index()
    audit.record(
        session,
        actor,
        "panel.invitations",
        "run",
        export.run_id,
        site_id=found.id,
        after={
            "kind": export.kind,
            "rows": len(export.frame),
            "languages": {str(k): int(v) for k, v in counts.items()},
            "marked_invited": marked,
        },
    )


class Wanted(TypedDict):
    """Which merged messages: their kind (``EXPORT_KINDS``), the run's (default: the site's
    latest), in the language given for people whose own is not recorded (default: the
    site's)."""

    kind: str
    run_id: NotRequired[int | None]
    lang: NotRequired[str | None]


def export_invitations(
    db: Database,
    actor: Actor,
    site: str,
    *,
    mark_invited: bool = False,
    write: Callable[[pd.DataFrame], object],
    **wanted: Unpack[Wanted],
) -> InvitationExport:
    """The merged messages of the site's panel, handed to ``write`` inside the transaction.

    The ``panel.invitations`` event (and with ``mark_invited``, each seat's ``invited``)
    is recorded only once ``write`` has returned; if the commit fails after it, the
    caller undoes the file (``quotas.staging.staged`` does).
    """
    require_kind(wanted["kind"], EXPORT_KINDS)
    with db.unit_of_work() as session:
        found = _found(session, actor, site)
        if mark_invited:
            require(actor, Action.RECORD_STATUS, site_ref(found))
        export = _invitations(session, found, wanted)
        write(export.frame)
        _record(session, actor, export, mark_invited)
    return export


def prepare_invitations(
    db: Database, actor: Actor, site: str, **wanted: Unpack[Wanted]
) -> InvitationExport:
    """The export of ``export_invitations``, not recorded yet: for a download not yet clicked."""
    require_kind(wanted["kind"], EXPORT_KINDS)
    with db.unit_of_work() as session:
        return _invitations(session, _found(session, actor, site), wanted)


def record_invitations(
    db: Database, actor: Actor, export: InvitationExport, *, mark_invited: bool = False
) -> None:
    """Record that prepared invitations were handed over (and mark them invited if asked)."""
    with db.unit_of_work() as session:
        _record(session, actor, export, mark_invited)
