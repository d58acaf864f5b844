"""One volunteer at a time: assisted registration, erasure (GDPR) and a data export.

Registration follows the import's rules (``recruitment.columns``): the features given are
criteria, the attributes stay in clear, every contact detail is personal (encrypted).
Erasure removes the person's personal data wherever it is: the encrypted details, the
partner's id, the household key, the declared attributes, and any run snapshot that
still holds more than pseudonyms, criteria and household labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, Unpack

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quotas.problems import KleroError
from recruitment import audit
from recruitment.channels import ASSISTED_CHANNELS
from recruitment.columns import Declaration
from recruitment.db import Database
from recruitment.lexicon import recognise_header
from recruitment.models import (
    PanelSeat,
    SelectionRun,
    Site,
    Volunteer,
    VolunteerContact,
    utcnow,
)
from recruitment.permissions import Action, Actor
from recruitment.pool_state import HASH_KEY, pool_sha256
from recruitment.security import Secrets
from recruitment.snapshots import is_trimmed, trimmed
from recruitment.usecases.common import site_for
from recruitment.usecases.pools import ImportReport, import_into, require_channel


@dataclass(frozen=True)
class Person:
    """One person to register: the partner's id (or a reference), criteria and contact details."""

    external_id: str
    features: Mapping[str, str]
    contact: Mapping[str, str]
    attributes: Mapping[str, str] = field(default_factory=dict)


def _people_frame(people: Sequence[Person]) -> tuple[pd.DataFrame, Declaration]:
    """The people as an import's frame (one row each) and the declaration of its columns."""
    features = sorted({f for p in people for f in p.features})
    attributes = sorted({a for p in people for a in p.attributes})
    contact = sorted({c for p in people for c in p.contact})
    rows = [
        {"id": p.external_id, **dict(p.features), **dict(p.attributes), **dict(p.contact)}
        for p in people
    ]
    frame = pd.DataFrame(rows, columns=["id", *features, *attributes, *contact], dtype=object)
    address = [c for c in contact if recognise_header(c) == "address"]
    declaration = Declaration(
        id_column="id",
        feature_columns=tuple(features),
        attribute_columns=tuple(attributes),
        contact_columns=tuple(c for c in contact if c not in address),
        address_columns=tuple(address),
    )
    return frame.fillna(""), declaration


def register_people_into(
    session: Session,
    actor: Actor,
    site: Site,
    people: Sequence[Person],
    *,
    channel: str,
    source: str = "registration",
    consent: bool = True,
    lang: str | None = None,
) -> ImportReport:
    """``register_people`` within the caller's transaction, on a site it found and checked.

    ``lang``: the language the people registered in, recorded with each one added (the
    language their invitations are written in).
    """
    require_channel(channel)
    frame, declaration = _people_frame(people)
    report = import_into(
        session,
        Secrets.load(),
        actor,
        site,
        frame,
        declaration,
        source=source,
        source_sha256=None,
        channel=channel,
        consent=consent,
    )
    if lang is not None and report.added:
        session.execute(
            update(Volunteer)
            .where(Volunteer.site_id == site.id, Volunteer.pseudonym.in_(report.added))
            .values(lang=lang)
        )
    return report


class Registration(TypedDict):
    """How people come into the pool: ``register_people_into``'s keywords, defaults there."""

    channel: str  # one of ``recruitment.channels.CHANNELS`` (``require_channel``)
    source: NotRequired[str]  # what the import records as its source
    consent: NotRequired[bool]  # every person agreed to be contacted and selected


def register_people(
    db: Database, actor: Actor, site: str, people: Sequence[Person], **how: Unpack[Registration]
) -> ImportReport:
    """Register people one by one or a batch of paper forms; returns the import's report.

    Each person's ``features`` are criteria, ``attributes`` declared non-personal, and
    every entry of ``contact`` is personal (encrypted); a contact entry named like an
    address forms the household. Someone already in the pool (same id, e-mail or phone)
    is reported, not added.
    """
    require_channel(how["channel"])
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.IMPORT_POOL, lock=True)
        return register_people_into(session, actor, found, people, **how)


def register_volunteer(
    db: Database,
    actor: Actor,
    site: str,
    external_id: str,
    features: Mapping[str, str],
    contact: Mapping[str, str],
    *,
    attributes: Mapping[str, str] | None = None,
    channel: str = ASSISTED_CHANNELS[0],
    consent: bool = True,
) -> ImportReport:
    """Register one person (assisted registration by phone or in person); returns the report."""
    person = Person(external_id, dict(features), dict(contact), dict(attributes or {}))
    return register_people(db, actor, site, [person], channel=channel, consent=consent)


def _volunteer(session: Session, pseudonym: str) -> Volunteer:
    found = session.execute(
        select(Volunteer).where(Volunteer.pseudonym == pseudonym)
    ).scalar_one_or_none()
    if found is None:
        raise KleroError("volunteer_not_found", pseudonym=pseudonym)
    return found


def _trim_snapshots(session: Session, site_id: int) -> None:
    """Reduce any run snapshot of the site still in an older, fuller form (see ``snapshots``).

    Kept: pseudonyms, the run's quota features and household labels, which re-runs need.
    """
    runs = session.execute(select(SelectionRun).where(SelectionRun.site_id == site_id)).scalars()
    for run in runs:
        features = [str(r["feature"]) for r in run.inputs.get("quotas", [])]
        pool = run.inputs.get("pool")
        if pool is not None and not is_trimmed(pool, features):
            run.inputs = {**run.inputs, "pool": trimmed(pool, features)}


def erase_volunteer(db: Database, actor: Actor, pseudonym: str) -> None:
    """Erase a volunteer's personal data (GDPR); the pseudonymous record stays for the audit."""
    with db.unit_of_work() as session:
        volunteer = _volunteer(session, pseudonym)
        # The site locked, as for an import: the pool's hashes before and after are this change's.
        site = site_for(session, actor, volunteer.site_id, Action.ERASE_VOLUNTEER, lock=True)
        session.refresh(volunteer)
        if volunteer.status == "erased":
            raise KleroError("volunteer_erased", pseudonym=pseudonym, at=volunteer.erased_at)
        pool_before = pool_sha256(session, site.id)
        contact = session.get(VolunteerContact, volunteer.id)
        if contact is not None:
            session.delete(contact)
        before = {"status": volunteer.status, "external_id_kept": False, HASH_KEY: pool_before}
        volunteer.status = "erased"
        volunteer.erased_at = utcnow()
        # The partner's own id may identify the person too; keep only the pseudonym.
        volunteer.external_id = f"erased:{volunteer.pseudonym}"
        volunteer.household_key = None
        volunteer.attributes = {}
        volunteer.lang = None
        _trim_snapshots(session, site.id)
        audit.record(
            session,
            actor,
            "volunteer.erase",
            "volunteer",
            pseudonym,
            site_id=site.id,
            before=before,
            after={"status": "erased", HASH_KEY: pool_sha256(session, site.id)},
        )


def export_volunteer_data(
    db: Database,
    actor: Actor,
    pseudonym: str,
    *,
    write: Callable[[dict[str, Any]], object] | None = None,
) -> dict[str, Any]:
    """Everything stored about one volunteer (GDPR access request), contact details included.

    With ``write`` (a file being written), it runs inside the transaction that records
    the ``volunteer.export`` event: if it raises, no event is recorded.
    """
    secrets = Secrets.load()
    with db.unit_of_work() as session:
        volunteer = _volunteer(session, pseudonym)
        site = site_for(session, actor, volunteer.site_id, Action.EXPORT_VOLUNTEER)
        contact = session.get(VolunteerContact, volunteer.id)
        seats = session.execute(
            select(PanelSeat).where(PanelSeat.volunteer_id == volunteer.id).order_by(PanelSeat.id)
        ).scalars()
        audit.record(session, actor, "volunteer.export", "volunteer", pseudonym, site_id=site.id)
        data = {
            "pseudonym": volunteer.pseudonym,
            "site": site.code,
            "external_id": volunteer.external_id,
            "features": dict(volunteer.features),
            "attributes": dict(volunteer.attributes or {}),
            "channel": volunteer.channel,
            "language": volunteer.lang,
            "consent": volunteer.consent,
            "status": volunteer.status,
            "registered_at": volunteer.created_at.isoformat(),
            "contact": secrets.decrypt(contact.ciphertext) if contact is not None else {},
            "seats": [
                {"run": s.run_id, "kind": s.kind, "rank": s.rank, "status": s.status} for s in seats
            ],
        }
        if write is not None:
            write(data)  # in the transaction: if it fails, the event above is rolled back
        return data
