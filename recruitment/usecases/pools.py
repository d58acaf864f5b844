"""Importing a pool file into a site: validated, split into features and encrypted contacts.

Contact columns (name, e-mail, phone, address, ...) are encrypted into their own table;
every other column becomes a pseudonymous feature. Importing the same file twice
changes nothing; people already known by id or by e-mail/phone are reported, not added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.messages import register
from quotas.model import QuotaTable, normalise
from quotas.problems import KleroError, Problem, raise_if_errors
from quotas.tables import read_table
from recruitment import audit
from recruitment.db import Database
from recruitment.models import CHANNELS, Site, Volunteer, VolunteerContact
from recruitment.permissions import Action, Actor
from recruitment.security import Secrets, normalise_email, normalise_phone
from recruitment.usecases.common import current_quota_set, site_for, table_from_rows
from sampling.pool_files import normalise_address, pool_from_frame

register(
    {
        "pool_import_id_conflict": (
            "Volunteer {id!r} is already registered at site {site} with different details; "
            "the row was skipped. Erase the old record first if the new details are right."
        ),
        "pool_import_duplicate_contact": (
            "Volunteer {id!r} has the same {kind} as volunteer {other!r}, who is already "
            "registered at site {site}; the row was skipped (one person, one chance)."
        ),
        "pool_import_erased": (
            "Volunteer {id!r} of site {site} asked to be erased; the row was skipped. Remove "
            "it from the file."
        ),
        "channel_unknown": "Unknown registration channel {channel!r}. Choose one of: {known}.",
    }
)

# Columns treated as contact details when the caller does not name them (normalised names).
CONTACT_NAMES = frozenset(
    {
        "name",
        "full name",
        "first name",
        "firstname",
        "given name",
        "last name",
        "lastname",
        "surname",
        "family name",
        "email",
        "e-mail",
        "email address",
        "phone",
        "phone number",
        "telephone",
        "mobile",
        "address",
        "street",
        "street address",
        "street_address",
        "postcode",
        "postal code",
        "zip",
        "zip code",
        "city",
        "town",
    }
)
CHANNEL_NAMES = frozenset({"channel", "registration channel", "registration_channel"})
_EMAIL_NAMES = frozenset({"email", "e-mail", "email address"})
_PHONE_NAMES = frozenset({"phone", "phone number", "telephone", "mobile"})


@dataclass(frozen=True)
class ImportReport:
    """What an import did: pseudonyms added, rows already known, rows skipped and why."""

    site: str
    added: list[str]
    unchanged: int
    skipped: int
    problems: list[Problem] = field(default_factory=list)
    file_sha256: str = ""


@dataclass(frozen=True)
class _Row:
    external_id: str
    features: dict[str, str]
    contact: dict[str, str]
    email_hash: str | None
    phone_hash: str | None
    household_key: str | None
    channel: str


def _channel_of(text: str, default: str) -> str:
    key = normalise(text)
    for word, channel in (
        ("online", "online"),
        ("web", "online"),
        ("phone", "phone"),
        ("person", "in_person"),
        ("mail", "mail"),
        ("letter", "mail"),
    ):
        if word in key:
            return channel
    return default


def _rows(
    frame: pd.DataFrame,
    secrets: Secrets,
    *,
    id_column: str,
    address_columns: Sequence[str],
    contact_columns: Sequence[str] | None,
    channel: str,
) -> list[_Row]:
    """Split each row of a checked frame (indexed by id) into features and contact details."""
    wanted = (
        {normalise(c) for c in contact_columns} if contact_columns is not None else CONTACT_NAMES
    )
    wanted |= {normalise(c) for c in address_columns}
    contact_cols = [c for c in frame.columns if normalise(c) in wanted]
    address_cols = [
        c for c in frame.columns if normalise(c) in {normalise(a) for a in address_columns}
    ]
    channel_col = next((c for c in frame.columns if normalise(c) in CHANNEL_NAMES), None)
    feature_cols = [
        c
        for c in frame.columns
        if c not in contact_cols and normalise(c) != normalise(id_column) and c != channel_col
    ]
    out: list[_Row] = []
    names = [str(c) for c in frame.columns]
    for ext_id, cells in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        values = {c: str(v).strip() for c, v in zip(names, cells, strict=True)}
        contact = {c: values[c] for c in contact_cols if values[c]}
        email = next(
            (
                normalise_email(values[c])
                for c in contact_cols
                if normalise(c) in _EMAIL_NAMES and values[c]
            ),
            "",
        )
        phone = next(
            (
                normalise_phone(values[c])
                for c in contact_cols
                if normalise(c) in _PHONE_NAMES and values[c]
            ),
            "",
        )
        address = "\x1f".join(normalise_address(values[c]) for c in address_cols)
        out.append(
            _Row(
                external_id=str(ext_id),
                features={c: values[c] for c in feature_cols},
                contact=contact,
                email_hash=secrets.keyed_hash("email", email) if email else None,
                phone_hash=secrets.keyed_hash("phone", phone) if phone else None,
                household_key=secrets.keyed_hash("address", address)
                if address.strip("\x1f")
                else None,
                channel=_channel_of(values[channel_col], channel) if channel_col else channel,
            )
        )
    return sorted(out, key=lambda r: r.external_id)


def _known_contacts(session: Session, site_id: int) -> dict[tuple[str, str], str]:
    """(kind, hash) -> external id of the site's volunteers with contact details."""
    rows = session.execute(
        select(Volunteer.external_id, VolunteerContact.email_hash, VolunteerContact.phone_hash)
        .join(VolunteerContact, VolunteerContact.volunteer_id == Volunteer.id)
        .where(Volunteer.site_id == site_id)
    ).all()
    known: dict[tuple[str, str], str] = {}
    for ext_id, email_hash, phone_hash in rows:
        if email_hash:
            known[("e-mail", email_hash)] = ext_id
        if phone_hash:
            known[("phone number", phone_hash)] = ext_id
    return known


def _store(
    session: Session,
    secrets: Secrets,
    site: Site,
    rows: Sequence[_Row],
    consent: bool,
    source_sha256: str | None,
) -> tuple[list[str], int, list[Problem]]:
    """Add the new rows; return pseudonyms added, rows unchanged, problems of skipped rows."""
    # By pseudonym (derived from the id), so that an erased volunteer is recognised too.
    existing = {
        v.pseudonym: v
        for v in session.execute(select(Volunteer).where(Volunteer.site_id == site.id)).scalars()
    }
    contacts = _known_contacts(session, site.id)
    added: list[str] = []
    new: list[tuple[Volunteer, _Row]] = []
    unchanged = 0
    problems: list[Problem] = []
    for row in rows:
        pseudonym = secrets.pseudonym(site.id, row.external_id)
        old = existing.get(pseudonym)
        if old is not None and old.status == "erased":
            problems.append(
                Problem("pool_import_erased", {"id": row.external_id, "site": site.code}, "warning")
            )
            continue
        if old is not None:
            if old.features == row.features and old.household_key == row.household_key:
                unchanged += 1
            else:
                problems.append(
                    Problem(
                        "pool_import_id_conflict",
                        {"id": row.external_id, "site": site.code},
                        "warning",
                    )
                )
            continue
        clash = next(
            (
                (kind, contacts[(kind, h)])
                for kind, h in (("e-mail", row.email_hash), ("phone number", row.phone_hash))
                if h and (kind, h) in contacts
            ),
            None,
        )
        if clash is not None:
            problems.append(
                Problem(
                    "pool_import_duplicate_contact",
                    {"id": row.external_id, "kind": clash[0], "other": clash[1], "site": site.code},
                    "warning",
                )
            )
            continue
        volunteer = Volunteer(
            site_id=site.id,
            pseudonym=pseudonym,
            external_id=row.external_id,
            features=row.features,
            channel=row.channel,
            consent=consent,
            status="active",
            household_key=row.household_key,
            source_sha256=source_sha256,
        )
        new.append((volunteer, row))
        for kind, h in (("e-mail", row.email_hash), ("phone number", row.phone_hash)):
            if h:
                contacts[(kind, h)] = row.external_id
        existing[pseudonym] = volunteer
        added.append(volunteer.pseudonym)
    # One flush for all volunteers (batched INSERT ... RETURNING), then one for contacts.
    session.add_all([volunteer for volunteer, _ in new])
    session.flush()
    session.add_all(
        [
            VolunteerContact(
                volunteer_id=volunteer.id,
                ciphertext=secrets.encrypt(row.contact),
                email_hash=row.email_hash,
                phone_hash=row.phone_hash,
            )
            for volunteer, row in new
            if row.contact or row.email_hash or row.phone_hash
        ]
    )
    session.flush()
    return added, unchanged, problems


def _checked_frame(
    frame: pd.DataFrame,
    quotas: QuotaTable | None,
    id_column: str,
    address_columns: Sequence[str],
    source: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check ids (and features, when the site has quotas); return the frame indexed by id."""
    loaded = pool_from_frame(
        frame,
        quotas or QuotaTable([]),
        id_column=id_column,
        address_columns=address_columns,
        source=source,
    )
    raise_if_errors(loaded.problems)
    # An import may add to a pool: empty categories are a matter for the whole pool.
    return loaded.frame, [p for p in loaded.problems if p.code != "pool_category_empty"]


def import_pool(
    db: Database,
    actor: Actor,
    site: str,
    path: str | Path,
    *,
    id_column: str = "id",
    address_columns: Sequence[str] = (),
    contact_columns: Sequence[str] | None = None,
    channel: str = "file",
    consent: bool = True,
) -> ImportReport:
    """Import a pool file (CSV or XLSX) into a site; idempotent; raises InvalidInput on errors.

    ``consent`` says that the partner collected every volunteer's consent to be contacted
    and selected. Feature columns are checked against the site's current quotas if any.
    """
    if channel not in CHANNELS:
        raise KleroError("channel_unknown", channel=channel, known=", ".join(CHANNELS))
    frame, read_problems = read_table(path)
    raise_if_errors(read_problems)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return import_frame(
        db,
        actor,
        site,
        frame,
        source=str(path),
        source_sha256=digest,
        id_column=id_column,
        address_columns=address_columns,
        contact_columns=contact_columns,
        channel=channel,
        consent=consent,
        extra_problems=read_problems,
    )


def import_frame(
    db: Database,
    actor: Actor,
    site: str,
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    source_sha256: str | None = None,
    id_column: str = "id",
    address_columns: Sequence[str] = (),
    contact_columns: Sequence[str] | None = None,
    channel: str = "file",
    consent: bool = True,
    extra_problems: Sequence[Problem] = (),
) -> ImportReport:
    """Import volunteers from a frame (one row each); see ``import_pool``."""
    secrets = Secrets.load()
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.IMPORT_POOL, lock=True)
        qs = current_quota_set(session, found.id)
        quotas = table_from_rows(qs.rows) if qs is not None else None
        checked, problems = _checked_frame(frame, quotas, id_column, address_columns, source)
        rows = _rows(
            checked,
            secrets,
            id_column=id_column,
            address_columns=address_columns,
            contact_columns=contact_columns,
            channel=channel,
        )
        added, unchanged, skipped = _store(session, secrets, found, rows, consent, source_sha256)
        if added:
            audit.record(
                session,
                actor,
                "pool.import",
                "site",
                found.code,
                site_id=found.id,
                after={
                    "source": Path(source).name,
                    "sha256": source_sha256,
                    "added": added,
                    "unchanged": unchanged,
                    "skipped": len(skipped),
                },
            )
        return ImportReport(
            found.code,
            added,
            unchanged,
            len(skipped),
            [*extra_problems, *problems, *skipped],
            source_sha256 or "",
        )
