"""People registered at several sites of one deliberation: listed, and reported at pool import.

Coordinators see each such person by site code and pseudonym only, with the site where
the rule of ``cross_site`` lets them be selected. No contact detail is ever shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from quotas.problems import Problem
from recruitment.db import Database
from recruitment.models import Site
from recruitment.permissions import Action, Actor, PermissionDenied, roles_for
from recruitment.usecases.common import deliberation_named
from recruitment.usecases.cross_site import (
    Registration,
    deliberation_groups,
    home_site,
    linked,
    people,
    seated,
    shared_hashes,
)
from recruitment.usecases.pool_rows import PoolRow


@dataclass(frozen=True)
class DuplicatePerson:
    """One person registered at several sites: each (site, pseudonym), first registration first.

    ``eligible`` is the site where they may be selected (seated there, or registered
    there first); ``seated`` the sites where they hold a seat in the current panel.
    """

    registrations: list[tuple[str, str]]
    eligible: str
    seated: list[str]


def _person(group: tuple[Registration, ...], seats: Mapping[int, int]) -> DuplicatePerson:
    held = sorted({r.site for r in group if r.volunteer_id in seats})
    return DuplicatePerson([(r.site, r.pseudonym) for r in group], home_site(group, seats)[0], held)


def cross_site_duplicates(db: Database, actor: Actor, deliberation: str) -> list[DuplicatePerson]:
    """Everyone registered at two sites or more of ``deliberation``.

    For the roles that view every site (coordinators, admins, evaluators): pseudonyms
    and site codes only.
    """
    if actor.role not in roles_for(Action.VIEW_SITE, every_site=True):
        raise PermissionDenied(actor, Action.VIEW_SITE)
    with db.unit_of_work() as session:
        found = deliberation_named(session, deliberation)
        groups = deliberation_groups(session, found.id)
        seats = seated(session, [r.volunteer_id for g in groups for r in g])
        return [_person(g, seats) for g in groups]


def import_warnings(
    session: Session, site: Site, rows: Sequence[PoolRow], row_numbers: dict[str, int]
) -> list[Problem]:
    """A warning per row of a pool file whose person is registered at another site too.

    It names the row (number and id), both sites and the site where the person may be
    selected; never a contact detail. Called after the rows are stored, so a new
    registration is compared with the others as the selection will compare them.
    """
    shared_emails, shared_phones = shared_hashes(session, site)
    emails = {r.email_hash for r in rows if r.email_hash} & shared_emails
    phones = {r.phone_hash for r in rows if r.phone_hash} & shared_phones
    if not emails and not phones:
        return []
    groups = people(linked(session, site.country.deliberation_id, emails, phones))
    seats = seated(session, [r.volunteer_id for g in groups for r in g])
    by_hash: dict[tuple[str, str], tuple[Registration, ...]] = {}
    for group in groups:
        for r in group:
            for key in (("email", r.email_hash), ("phone", r.phone_hash)):
                if key[1] is not None:
                    by_hash[(key[0], key[1])] = group
    problems: list[Problem] = []
    for row in rows:
        keys = [("email", row.email_hash), ("phone", row.phone_hash)]
        matches = [by_hash[(k, h)] for k, h in keys if h and (k, h) in by_hash]
        if not matches:
            continue
        group = matches[0]
        others = sorted({r.site for r in group if r.site != site.code})
        if not others:
            continue
        person = _person(group, seats)
        params = {
            "row": row_numbers.get(row.external_id, 0),
            "id": row.external_id,
            "site": site.code,
            "other": others[0],
            "eligible": person.eligible,
        }
        problems.append(Problem("pool_import_duplicate_site", params, "warning"))
    return problems
