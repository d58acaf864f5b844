"""Deciding later what is personal: the deliberation's criteria, and re-classifying a pool.

``set_criteria`` names the criteria every site of a deliberation may hold in clear
(besides its quotas' features); imports then keep those columns as features. It does not
touch data already stored: ``classify_pool`` does, for one site: it promotes personal
columns to criteria or attributes (decrypted, moved into clear) or demotes criteria and
attributes to personal (encrypted), for every volunteer of the site in one transaction,
refusing to demote a column the current quotas use. Both are audited with column names
and roles, never values. The site remembers which columns it holds and how
(``site.pool_columns``, names only), for the messages and the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.messages import EMPTY
from quotas.model import normalise
from quotas.problems import KleroError, Problem, raise_if_errors
from recruitment import audit
from recruitment.columns import PERSONAL_ROLES, Classification, Role
from recruitment.db import Database
from recruitment.models import Site, Volunteer, VolunteerContact
from recruitment.permissions import Action, Actor, require
from recruitment.pool_state import HASH_KEY, pool_sha256
from recruitment.security import Secrets
from recruitment.snapshots import quota_columns
from recruitment.usecases.common import (
    current_quota_set,
    deliberation_named,
    site_for,
    table_from_rows,
)

# The roles a column can be given by ``classify_pool``, and where its values then live.
TARGETS = (Role.FEATURE, Role.ATTRIBUTE, Role.PERSONAL)


@dataclass(frozen=True)
class ClassifyReport:
    """What ``classify_pool`` changed: new roles, volunteers touched, the site's columns now."""

    site: str
    roles: dict[str, str]  # column -> the role it was given
    volunteers: int
    columns: dict[str, str]  # every column the site holds -> its role


def clean_criteria(names: Sequence[str]) -> list[str]:
    """Criteria as stored: trimmed, blanks dropped, each once (matched case-insensitively).

    >>> clean_criteria([" Gender", "gender", "", "age "])
    ['Gender', 'age']
    """
    seen: dict[str, str] = {}
    for name in names:
        text = " ".join(str(name).split())
        if text:
            seen.setdefault(normalise(text), text)
    return list(seen.values())


def deliberation_criteria(db: Database, actor: Actor, deliberation: str) -> list[str]:
    """The criteria of a deliberation (anyone who may view sites may read them)."""
    require(actor, Action.VIEW_SITE)
    with db.unit_of_work() as session:
        return [str(c) for c in deliberation_named(session, deliberation).criteria or []]


def set_criteria(
    db: Database, actor: Actor, deliberation: str, criteria: Sequence[str]
) -> list[str]:
    """Set the criteria of a deliberation (coordinators, admins); return them as stored."""
    require(actor, Action.SET_CRITERIA)
    cleaned = clean_criteria(criteria)
    with db.unit_of_work() as session:
        found = deliberation_named(session, deliberation)
        before = list(found.criteria or [])
        found.criteria = cleaned
        audit.record(
            session,
            actor,
            "deliberation.criteria",
            "deliberation",
            found.id,
            before={"criteria": before},
            after={"criteria": cleaned},
        )
        return cleaned


def remember_columns(site: Site, classification: Classification) -> None:
    """Record on the site which columns its volunteers hold, and how (names only)."""
    known = dict(site.pool_columns or {})
    by_key = {normalise(c): c for c in known}
    for column in classification.columns:
        if column.role in (Role.ID, Role.CHANNEL):
            continue
        known.pop(by_key.get(normalise(column.column), column.column), None)
        known[column.column] = str(column.role)
    site.pool_columns = dict(sorted(known.items()))


def role_changes(site: Site, classification: Classification) -> list[Problem]:
    """Warnings for columns this import would store otherwise than the site holds them."""

    def storage(role: str) -> str:
        return "personal" if role in PERSONAL_ROLES else role

    stored = {normalise(c): str(r) for c, r in (site.pool_columns or {}).items()}
    problems = []
    for column in classification.columns:
        before = stored.get(normalise(column.column))
        if before is None or column.role in (Role.ID, Role.CHANNEL):
            continue
        if storage(before) != storage(column.role):
            params = {"column": column.column, "site": site.code, "before": before}
            problems.append(
                Problem("pool_column_role_differs", {**params, "role": str(column.role)}, "warning")
            )
    return problems


def _requested(
    feature_columns: Sequence[str],
    attribute_columns: Sequence[str],
    personal_columns: Sequence[str],
) -> tuple[dict[str, Role], list[Problem]]:
    """Normalised column -> the role asked for; problems for columns asked twice."""
    asked: dict[str, list[Role]] = {}
    names: dict[str, str] = {}
    for role, columns in zip(
        TARGETS, (feature_columns, attribute_columns, personal_columns), strict=True
    ):
        for column in columns:
            key = normalise(column)
            if key:
                names.setdefault(key, str(column).strip())
                if role not in asked.setdefault(key, []):
                    asked[key].append(role)
    problems = [
        Problem(
            "pool_classify_twice",
            {"column": names[k], "roles": ", ".join(str(r) for r in roles)},
        )
        for k, roles in asked.items()
        if len(roles) > 1
    ]
    return {k: roles[0] for k, roles in asked.items()}, problems


def _move(
    volunteer: Volunteer, personal: dict[str, Any], asked: dict[str, Role]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
    """The volunteer's features, attributes and personal data with the columns moved."""
    places = [dict(volunteer.features), dict(volunteer.attributes or {}), dict(personal)]
    changed = False
    for target, place in zip(TARGETS, places, strict=True):
        for name in list(place):
            role = asked.get(normalise(name))
            if role is not None and role is not target:
                value = place.pop(name)
                # An erased volunteer has no personal data left to hold it: dropped.
                if role is not Role.PERSONAL or volunteer.status != "erased":
                    places[TARGETS.index(role)][name] = value
                changed = True
    return (places[0], places[1], places[2]) if changed else None


def classify_pool(
    db: Database,
    actor: Actor,
    site: str,
    *,
    feature_columns: Sequence[str] = (),
    attribute_columns: Sequence[str] = (),
    personal_columns: Sequence[str] = (),
) -> ClassifyReport:
    """Give stored pool columns a new role at every volunteer of the site (partner, admin).

    Raises InvalidInput (nothing changed) for a column the site does not hold, a column
    given twice, or a quota feature to be demoted to attribute or personal.
    """
    asked, problems = _requested(feature_columns, attribute_columns, personal_columns)
    if not asked:
        raise KleroError("pool_classify_nothing")
    secrets = Secrets.load()
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.CLASSIFY_POOL, lock=True)
        pool_before = pool_sha256(session, found.id)  # for ``klero audit verify --deep``
        volunteers = list(
            session.execute(
                select(Volunteer).where(Volunteer.site_id == found.id).order_by(Volunteer.id)
            ).scalars()
        )
        contacts = _contacts_of(session, volunteers)
        personal = {vid: secrets.decrypt(c.ciphertext) for vid, c in contacts.items()}
        held = _held_columns(found, volunteers, personal)
        qs = current_quota_set(session, found.id)
        in_quotas = quota_columns(table_from_rows(qs.rows).features) if qs is not None else set()
        problems += _refusals(found.code, asked, held, in_quotas)
        raise_if_errors(problems)
        changed = 0
        for v in volunteers:
            moved = _move(v, personal.get(v.id, {}), asked)
            if moved is None:
                continue
            changed += 1
            v.features, v.attributes, details = moved
            contact = contacts.get(v.id)
            if contact is not None:
                contact.ciphertext = secrets.encrypt(details)
            elif details:
                session.add(
                    VolunteerContact(volunteer_id=v.id, ciphertext=secrets.encrypt(details))
                )
        columns = _reclassified(found, held, asked)
        roles = {held[k]: str(r) for k, r in sorted(asked.items())}
        audit.record(
            session,
            actor,
            "pool.classify",
            "site",
            found.code,
            site_id=found.id,
            before={"columns": dict(found.pool_columns or {}), HASH_KEY: pool_before},
            after={
                "roles": roles,
                "volunteers": changed,
                "columns": columns,
                HASH_KEY: pool_sha256(session, found.id),
            },
        )
        found.pool_columns = columns
        return ClassifyReport(found.code, roles, changed, columns)


def _contacts_of(session: Session, volunteers: list[Volunteer]) -> dict[int, VolunteerContact]:
    """The stored (encrypted) contacts of ``volunteers``, by volunteer id."""
    if not volunteers:
        return {}
    found = session.execute(
        select(VolunteerContact).where(
            VolunteerContact.volunteer_id.in_([v.id for v in volunteers])
        )
    ).scalars()
    return {c.volunteer_id: c for c in found}


def _held_columns(
    site: Site, volunteers: list[Volunteer], personal: dict[int, dict[str, Any]]
) -> dict[str, str]:
    """Every column the site's volunteers hold: normalised name -> name."""
    held: dict[str, str] = {normalise(c): str(c) for c in site.pool_columns or {}}
    for v in volunteers:
        for name in [*v.features, *(v.attributes or {}), *personal.get(v.id, {})]:
            held.setdefault(normalise(name), str(name))
    return held


def _refusals(
    site: str, asked: dict[str, Role], held: dict[str, str], in_quotas: set[str]
) -> list[Problem]:
    """Columns asked for that the site does not hold, or quota criteria asked to leave."""
    problems: list[Problem] = []
    known = ", ".join(sorted(held.values())) or EMPTY
    for key, role in asked.items():
        if key not in held:
            params = {"site": site, "column": key, "known": known}
            problems.append(Problem("pool_classify_unknown_column", params))
        elif key in in_quotas and role is not Role.FEATURE:
            params = {"site": site, "column": held[key], "role": str(role)}
            problems.append(Problem("pool_classify_quota_column", params))
    return problems


def _reclassified(site: Site, held: dict[str, str], asked: dict[str, Role]) -> dict[str, str]:
    """The site's column roles after ``asked``; a contact or address column asked to be
    personal keeps its finer role."""
    columns = {str(c): str(r) for c, r in (site.pool_columns or {}).items()}
    by_key = {normalise(c): c for c in columns}
    for key, role in asked.items():
        name = by_key.get(key, held.get(key, key))
        before = columns.get(name)
        keep = role is Role.PERSONAL and before in PERSONAL_ROLES
        columns[name] = before if keep and before is not None else str(role)
    return dict(sorted(columns.items()))


def site_columns(db: Database, actor: Actor, site: str) -> dict[str, str]:
    """The columns a site's volunteers hold and their roles (names only; anyone who may view)."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        return {str(c): str(r) for c, r in (found.pool_columns or {}).items()}
