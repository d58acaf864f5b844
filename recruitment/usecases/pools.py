"""Importing a pool file into a site: every column classified, checked, personal data encrypted.

Default-deny (``recruitment.columns``): the id, the criteria (declared, or features of the
site's quotas or of the deliberation's criteria) and declared attributes are stored in
clear; every other column is personal, encrypted into its own table. ``preview_import``
is the dry run. Importing the same file twice changes nothing; people already known by
id or by e-mail/phone are reported, not added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.model import QuotaTable
from quotas.problems import InvalidInput, KleroError, Problem, errors_only, raise_if_errors
from quotas.tables import read_table
from recruitment import audit
from recruitment.channels import CHANNELS
from recruitment.columns import ColumnRole, Declaration
from recruitment.db import Database
from recruitment.models import Site, Volunteer, VolunteerContact
from recruitment.permissions import Action, Actor
from recruitment.pool_state import HASH_KEY, pool_sha256
from recruitment.security import Secrets
from recruitment.usecases.common import current_quota_set, site_for, table_from_rows
from recruitment.usecases.duplicates import import_warnings
from recruitment.usecases.personal import remember_columns, role_changes
from recruitment.usecases.pool_rows import PoolRow, pool_rows, prepare


@dataclass(frozen=True)
class ImportReport:
    """What an import did: pseudonyms added, rows already known, rows skipped and why.

    ``columns`` says how every column of the file was classified (role, reason, kind).
    """

    site: str
    added: list[str]
    unchanged: int
    skipped: int
    problems: list[Problem] = field(default_factory=list)
    file_sha256: str = ""
    columns: list[ColumnRole] = field(default_factory=list)


@dataclass(frozen=True)
class ImportPreview:
    """A dry run: how every column would be classified, and the problems; nothing stored."""

    site: str
    rows: int
    columns: list[ColumnRole]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """Whether the import would go ahead (no error among the problems)."""
        return not errors_only(self.problems)


class ImportRefused(InvalidInput):
    """An import refused for the problems listed, with the classification of its columns."""

    def __init__(self, problems: Sequence[Problem], columns: Sequence[ColumnRole]) -> None:
        super().__init__(problems)
        self.columns = list(columns)


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
            known[("email", email_hash)] = ext_id
        if phone_hash:
            known[("phone", phone_hash)] = ext_id
    return known


def _store(
    session: Session,
    secrets: Secrets,
    site: Site,
    rows: Sequence[PoolRow],
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
    new: list[tuple[Volunteer, PoolRow]] = []
    unchanged = 0
    problems: list[Problem] = []
    for row in rows:
        pseudonym = secrets.pseudonym(site.id, row.external_id)
        old = existing.get(pseudonym)
        if old is not None:
            problem = _stored_again(site, row, old)
            if problem is None:
                unchanged += 1
            else:
                problems.append(problem)
            continue
        problem = _contact_clash(site, row, contacts)
        if problem is not None:
            problems.append(problem)
            continue
        volunteer = Volunteer(
            site_id=site.id,
            pseudonym=pseudonym,
            external_id=row.external_id,
            features=row.features,
            attributes=row.attributes,
            channel=row.channel,
            consent=consent,
            status="active",
            household_key=row.household_key,
            source_sha256=source_sha256,
        )
        new.append((volunteer, row))
        for kind, h in _contact_hashes(row):
            contacts[(kind, h)] = row.external_id
        existing[pseudonym] = volunteer
    _save(session, secrets, new)
    return [volunteer.pseudonym for volunteer, _ in new], unchanged, problems


def _stored_again(site: Site, row: PoolRow, old: Volunteer) -> Problem | None:
    """Why a row whose volunteer is stored already is skipped (None: it is unchanged)."""
    if old.status == "erased":
        return Problem("pool_import_erased", {"id": row.external_id, "site": site.code}, "warning")
    # Criteria and household decide the draw; other details may differ (they are not
    # updated: erase the old record for that).
    if old.features == row.features and old.household_key == row.household_key:
        return None
    return Problem("pool_import_id_conflict", {"id": row.external_id, "site": site.code}, "warning")


def _contact_hashes(row: PoolRow) -> list[tuple[str, str]]:
    """The row's contact hashes that are given, by kind."""
    return [(kind, h) for kind, h in (("email", row.email_hash), ("phone", row.phone_hash)) if h]


def _contact_clash(
    site: Site, row: PoolRow, contacts: dict[tuple[str, str], str]
) -> Problem | None:
    """A warning if the row's e-mail or phone number is another volunteer's of the site."""
    clash = next((key for key in _contact_hashes(row) if key in contacts), None)
    if clash is None:
        return None
    params = {"id": row.external_id, "other": contacts[clash], "site": site.code}
    return Problem(f"pool_import_duplicate_{clash[0]}", params, "warning")


def _save(session: Session, secrets: Secrets, new: list[tuple[Volunteer, PoolRow]]) -> None:
    """Insert the new volunteers, then their encrypted contacts."""
    # One flush for all volunteers (batched INSERT ... RETURNING), then one for contacts.
    session.add_all([volunteer for volunteer, _ in new])
    session.flush()
    session.add_all(
        [
            VolunteerContact(
                volunteer_id=volunteer.id,
                ciphertext=secrets.encrypt(row.personal),
                email_hash=row.email_hash,
                phone_hash=row.phone_hash,
            )
            for volunteer, row in new
            if row.personal or row.email_hash or row.phone_hash
        ]
    )
    session.flush()


class ColumnOptions(TypedDict, total=False):
    """What the caller of an import says about a pool's columns (see ``import_pool``)."""

    id_column: str  # default "id"
    feature_columns: Sequence[str]
    attribute_columns: Sequence[str]
    contact_columns: Sequence[str] | None
    address_columns: Sequence[str]
    personal_columns: Sequence[str]


def _row_numbers(frame: pd.DataFrame, declaration: Declaration) -> dict[str, int]:
    """Each id's row number in the file as a spreadsheet shows it (the header is row 1)."""
    if declaration.id_column not in frame.columns:
        return {}
    numbers = frame.attrs.get("row_numbers", range(2, len(frame) + 2))
    return {
        str(i).strip(): int(n) for i, n in zip(frame[declaration.id_column], numbers, strict=False)
    }


def _declaration(options: ColumnOptions) -> Declaration:
    return Declaration(
        id_column=options.get("id_column", "id"),
        feature_columns=tuple(options.get("feature_columns", ())),
        attribute_columns=tuple(options.get("attribute_columns", ())),
        contact_columns=tuple(options.get("contact_columns") or ()),
        address_columns=tuple(options.get("address_columns", ())),
        personal_columns=tuple(options.get("personal_columns", ())),
    )


def _context(session: Session, site: Site) -> tuple[QuotaTable | None, list[str]]:
    """The site's current quotas (or None) and its deliberation's criteria."""
    qs = current_quota_set(session, site.id)
    criteria = [str(c) for c in site.country.deliberation.criteria or []]
    return (table_from_rows(qs.rows) if qs is not None else None), criteria


def preview_import(
    db: Database, actor: Actor, site: str, path: str | Path, **columns: Unpack[ColumnOptions]
) -> ImportPreview:
    """A dry run of ``import_pool``: how each column would be classified, and every problem.

    Nothing is stored and no key is needed; the same options as ``import_pool``.
    """
    frame, read_problems = read_table(path)
    declaration = _declaration(columns)
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.IMPORT_POOL)
        quotas, criteria = _context(session, found)
        prepared = prepare(
            frame, quotas=quotas, criteria=criteria, declaration=declaration, source=str(path)
        )
        changes = role_changes(found, prepared.classification)
        return ImportPreview(
            found.code,
            prepared.rows,
            list(prepared.classification.columns),
            [*read_problems, *prepared.problems, *changes],
        )


def require_channel(channel: str) -> None:
    """Refuse a registration channel that is not one of ``CHANNELS``."""
    if channel not in CHANNELS:
        raise KleroError("channel_unknown", channel=channel, known=", ".join(CHANNELS))


def import_pool(
    db: Database,
    actor: Actor,
    site: str,
    path: str | Path,
    *,
    channel: str = "file",
    consent: bool = True,
    **columns: Unpack[ColumnOptions],
) -> ImportReport:
    """Import a pool file (CSV or XLSX) into a site; idempotent; raises InvalidInput on errors.

    ``columns`` declares the id column (default ``id``) and which columns are criteria
    (``feature_columns``), attributes, contacts, address (households) and personal.
    Default-deny: only the id, the criteria and declared attributes are stored in clear;
    every other column is personal (encrypted). The criteria are ``feature_columns``, or
    when none are given the file's columns that are features of the site's current
    quotas or criteria of its deliberation (none at all: refused, ``pool_import_no_criteria``).
    ``consent`` says that the partner collected every volunteer's consent to be contacted
    and selected. Feature columns are checked against the site's current quotas if any.
    """
    require_channel(channel)
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
        channel=channel,
        consent=consent,
        extra_problems=read_problems,
        **columns,
    )


def import_frame(
    db: Database,
    actor: Actor,
    site: str,
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    source_sha256: str | None = None,
    channel: str = "file",
    consent: bool = True,
    extra_problems: Sequence[Problem] = (),
    **columns: Unpack[ColumnOptions],
) -> ImportReport:
    """Import volunteers from a frame (one row each); see ``import_pool``."""
    secrets = Secrets.load()
    declaration = _declaration(columns)
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.IMPORT_POOL, lock=True)
        return import_into(
            session,
            secrets,
            actor,
            found,
            frame,
            declaration,
            source=source,
            source_sha256=source_sha256,
            channel=channel,
            consent=consent,
            extra_problems=extra_problems,
        )


def import_into(
    session: Session,
    secrets: Secrets,
    actor: Actor,
    found: Site,
    frame: pd.DataFrame,
    declaration: Declaration,
    *,
    source: str,
    source_sha256: str | None,
    channel: str = "file",
    consent: bool = True,
    extra_problems: Sequence[Problem] = (),
) -> ImportReport:
    """``import_frame`` within the caller's transaction, on a site it found and may import into."""
    pool_before = pool_sha256(session, found.id)  # for ``klero audit verify --deep``
    quotas, criteria = _context(session, found)
    prepared = prepare(
        frame, quotas=quotas, criteria=criteria, declaration=declaration, source=source
    )
    classified = prepared.classification
    if not prepared.ok:
        raise ImportRefused(prepared.problems, classified.columns)
    changes = role_changes(found, classified)
    rows = pool_rows(prepared, secrets, channel)
    added, unchanged, skipped = _store(session, secrets, found, rows, consent, source_sha256)
    elsewhere = import_warnings(session, found, rows, _row_numbers(frame, declaration))
    if added:
        remember_columns(found, classified)
        audit.record(
            session,
            actor,
            "pool.import",
            "site",
            found.code,
            site_id=found.id,
            before={HASH_KEY: pool_before},
            after={
                "source": Path(source).name,
                "sha256": source_sha256,
                "added": added,
                "unchanged": unchanged,
                "skipped": len(skipped),
                "columns": classified.roles(),
                HASH_KEY: pool_sha256(session, found.id),
            },
        )
    return ImportReport(
        found.code,
        added,
        unchanged,
        len(skipped),
        [*extra_problems, *prepared.problems, *changes, *skipped, *elsewhere],
        source_sha256 or "",
        list(classified.columns),
    )
