"""Nobody on two panels: one person registered at several sites of a deliberation is found.

Method. Two registrations (active, consenting volunteers of sites of one deliberation)
are the same person when they share a keyed contact hash (``VolunteerContact.email_hash``
or ``phone_hash``); the relation is closed transitively (e-mail shared by A and B, phone
by B and C: one person at three sites). Only people registered at two sites or more count:
duplicates within one site are refused at pool import already.

The rule, applied when a run's pool snapshot is taken (``selection``), and to the
alternates a replacement may invite (``replacements``): each person has one *home*
site, where alone they may be selected, and their registrations elsewhere are left out:

1. a site where the person holds a seat (selected or alternate, not declined, withdrawn
   or no-show) in the current panel (newest succeeded run): a seat on the panel
   (selected, or an invited alternate) before a place on a reserve list, then the
   smaller site code; else
2. the site of their first registration: the earliest ``created_at``, ties broken by
   the smaller site code, then the smaller pseudonym.

Rule 2 alone splits every person's registrations into one eligible site, and depends on
the registrations only, never on which site is selected first: sites selected in
parallel (every run's snapshot taken before any panel is stored) or one after the other
give the same pools. Rule 1 only matters when registrations changed after a panel was
drawn (a later registration linking two that shared no contact before, say): a person
seated somewhere is never taken elsewhere, and a replacement never invites an alternate
seated elsewhere. Re-runs reproduce from the stored snapshot and are not affected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from recruitment.models import Country, PanelSeat, SelectionRun, Site, Volunteer, VolunteerContact
from recruitment.usecases.seats import LOST

Ts = TypeVarTuple("Ts")

# How a person holds a seat: on a panel comes before on a reserve list.
ON_PANEL, IN_RESERVE = 0, 1
# Hashes per IN (...) list: far below every backend's limit on bound parameters.
_CHUNK = 500


class Why(StrEnum):
    """Why a registration is excluded from its site's pool."""

    SEATED_ELSEWHERE = "seated_elsewhere"
    REGISTERED_FIRST_ELSEWHERE = "registered_first_elsewhere"


@dataclass(frozen=True)
class Registration:
    """One volunteer of one site with its contact hashes (no contact detail)."""

    volunteer_id: int
    pseudonym: str
    site: str
    created_at: datetime
    email_hash: str | None
    phone_hash: str | None

    @property
    def order(self) -> tuple[datetime, str, str]:
        """Which of a person's registrations came first: time, then site code, then pseudonym."""
        return (self.created_at, self.site, self.pseudonym)


@dataclass(frozen=True)
class Exclusion:
    """A registration left out of its site's pool, and the other site that explains why."""

    volunteer_id: int
    pseudonym: str
    site: str
    other: str  # the site where the person is seated, or registered first
    why: Why


def _utc(value: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time stored is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def people(registrations: Iterable[Registration]) -> list[tuple[Registration, ...]]:
    """Registrations grouped by person (shared hashes, transitively), at two sites or more.

    Each group is in ``Registration.order``; the groups in the order of their first member.

    >>> t = datetime(2026, 12, 1, tzinfo=UTC)
    >>> a = Registration(1, "va", "A", t, "e1", None)
    >>> b = Registration(2, "vb", "B", t, "e1", "p1")
    >>> c = Registration(3, "vc", "C", t, None, "p1")
    >>> d = Registration(4, "vd", "D", t, "e9", None)
    >>> [[r.site for r in group] for group in people([d, c, b, a])]
    [['A', 'B', 'C']]
    """
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_id = {r.volunteer_id: r for r in registrations}
    owner: dict[tuple[str, str], int] = {}
    for r in sorted(by_id.values(), key=lambda r: r.volunteer_id):
        parent[r.volunteer_id] = r.volunteer_id
        for key in (("email", r.email_hash), ("phone", r.phone_hash)):
            if key[1] is None:
                continue
            other = owner.setdefault((key[0], key[1]), r.volunteer_id)
            parent[root(r.volunteer_id)] = root(other)
    groups: dict[int, list[Registration]] = {}
    for r in by_id.values():
        groups.setdefault(root(r.volunteer_id), []).append(r)
    found = [
        tuple(sorted(group, key=lambda r: r.order))
        for group in groups.values()
        if len({r.site for r in group}) > 1
    ]
    return sorted(found, key=lambda group: group[0].order)


def home_site(group: tuple[Registration, ...], seated: Mapping[int, int]) -> tuple[str, Why]:
    """The one site where a person may be selected, and why the others are not.

    ``seated`` maps volunteer ids with a live seat to ``ON_PANEL`` or ``IN_RESERVE``. A
    site where they are seated (on a panel before a reserve list, then by site code);
    else the site of their first registration.
    """
    held = sorted((seated[r.volunteer_id], r.site) for r in group if r.volunteer_id in seated)
    if held:
        return held[0][1], Why.SEATED_ELSEWHERE
    return group[0].site, Why.REGISTERED_FIRST_ELSEWHERE


def exclusions(
    groups: Sequence[tuple[Registration, ...]], seated: Mapping[int, int], site: str
) -> list[Exclusion]:
    """The registrations at ``site`` that the rule leaves out (see the module's docstring).

    ``seated``: the volunteer ids with a live seat in their site's current panel (see
    ``home_site``).

    >>> t = datetime(2026, 12, 1, tzinfo=UTC)
    >>> a = Registration(1, "va", "A", t, "e1", None)
    >>> b = Registration(2, "vb", "B", t, "e1", None)
    >>> [(x.pseudonym, x.other, x.why.value) for x in exclusions([(a, b)], {}, "B")]
    [('vb', 'A', 'registered_first_elsewhere')]
    >>> [(x.pseudonym, x.other, x.why.value) for x in exclusions([(a, b)], {2: ON_PANEL}, "A")]
    [('va', 'B', 'seated_elsewhere')]
    """
    out: list[Exclusion] = []
    for group in groups:
        home, why = home_site(group, seated)
        if home == site or all(r.site != site for r in group):
            continue
        for r in group:
            if r.site == site:
                out.append(Exclusion(r.volunteer_id, r.pseudonym, site, home, why))
    return sorted(out, key=lambda x: x.pseudonym)


def _chunks(values: set[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _active_in(query: Select[*Ts], deliberation_id: int) -> Select[*Ts]:
    """``query`` (which joins ``Volunteer``) kept to the deliberation's active volunteers."""
    return (
        query.join(Site, Site.id == Volunteer.site_id)
        .join(Country, Country.id == Site.country_id)
        .where(Country.deliberation_id == deliberation_id, Volunteer.status == "active")
    )


def _load(
    session: Session, deliberation_id: int, emails: set[str], phones: set[str]
) -> list[Registration]:
    """The deliberation's active, consenting registrations with one of these hashes."""
    base = _active_in(
        select(
            Volunteer.id,
            Volunteer.pseudonym,
            Site.code,
            Volunteer.created_at,
            VolunteerContact.email_hash,
            VolunteerContact.phone_hash,
        ).join(VolunteerContact, VolunteerContact.volunteer_id == Volunteer.id),
        deliberation_id,
    ).where(Volunteer.consent.is_(True))
    out: list[Registration] = []
    for column, values in (
        (VolunteerContact.email_hash, emails),
        (VolunteerContact.phone_hash, phones),
    ):
        for chunk in _chunks(values):
            for i, p, site, at, e, ph in session.execute(base.where(column.in_(chunk))):
                out.append(Registration(i, p, site, _utc(at), e, ph))
    return out


def linked(
    session: Session, deliberation_id: int, emails: set[str], phones: set[str]
) -> list[Registration]:
    """Every registration of the deliberation linked to these hashes, directly or through others."""
    found: dict[int, Registration] = {}
    seen_e: set[str] = set()
    seen_p: set[str] = set()
    todo_e, todo_p = set(emails), set(phones)
    while todo_e or todo_p:
        seen_e |= todo_e
        seen_p |= todo_p
        for r in _load(session, deliberation_id, todo_e, todo_p):
            found[r.volunteer_id] = r
        todo_e = {r.email_hash for r in found.values() if r.email_hash} - seen_e
        todo_p = {r.phone_hash for r in found.values() if r.phone_hash} - seen_p
    return list(found.values())


def seated(session: Session, volunteer_ids: Iterable[int]) -> dict[int, int]:
    """Which of these volunteers hold a live seat in their site's current (newest) panel.

    Each maps to ``ON_PANEL`` (selected, or an alternate invited) or ``IN_RESERVE``.
    """
    current = (
        select(func.max(SelectionRun.id))
        .where(SelectionRun.status == "succeeded")
        .group_by(SelectionRun.site_id)
    )
    ids = sorted(set(volunteer_ids))
    out: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(PanelSeat.volunteer_id, PanelSeat.kind, PanelSeat.status).where(
                PanelSeat.run_id.in_(current),
                PanelSeat.volunteer_id.in_(ids[start : start + _CHUNK]),
                PanelSeat.status.not_in(LOST),
            )
        )
        for volunteer_id, kind, status in rows:
            on_panel = kind == "selected" or status != "selected"
            out[volunteer_id] = ON_PANEL if on_panel else IN_RESERVE
    return out


def shared_hashes(session: Session, site: Site) -> tuple[set[str], set[str]]:
    """The site's contact hashes that a registration at another site of its deliberation has.

    Every person registered at the site and elsewhere has one (on the chain linking their
    registrations, the first step from this site to another shares a hash), so the
    closure from these finds them all, and a site without duplicates costs one indexed
    look-up per volunteer.
    """
    here, there = aliased(Volunteer), aliased(Volunteer)
    mine, theirs = aliased(VolunteerContact), aliased(VolunteerContact)
    found: list[set[str]] = []
    for name in ("email_hash", "phone_hash"):
        elsewhere = (
            select(theirs.volunteer_id)
            .join(there, there.id == theirs.volunteer_id)
            .join(Site, Site.id == there.site_id)
            .join(Country, Country.id == Site.country_id)
            .where(
                getattr(theirs, name) == getattr(mine, name),
                there.site_id != site.id,
                there.status == "active",
                there.consent.is_(True),
                Country.deliberation_id == site.country.deliberation_id,
            )
        )
        column = getattr(mine, name)
        query = (
            select(column)
            .join(here, here.id == mine.volunteer_id)
            .where(
                here.site_id == site.id,
                here.status == "active",
                here.consent.is_(True),
                column.is_not(None),
                elsewhere.exists(),
            )
        )
        found.append({str(h) for h in session.execute(query).scalars()})
    return found[0], found[1]


def site_groups(session: Session, site: Site) -> list[tuple[Registration, ...]]:
    """The people registered at ``site`` and at another site of its deliberation."""
    emails, phones = shared_hashes(session, site)
    if not emails and not phones:
        return []
    groups = people(linked(session, site.country.deliberation_id, emails, phones))
    return [g for g in groups if any(r.site == site.code for r in g)]


def excluded_at(session: Session, site: Site) -> list[Exclusion]:
    """The registrations of ``site`` the rule leaves out of its pool now."""
    groups = site_groups(session, site)
    ids = [r.volunteer_id for g in groups for r in g]
    return exclusions(groups, seated(session, ids), site.code)


def deliberation_groups(session: Session, deliberation_id: int) -> list[tuple[Registration, ...]]:
    """Every person registered at two sites or more of the deliberation."""
    shared: dict[str, set[str]] = {}
    for kind, column in (
        ("email", VolunteerContact.email_hash),
        ("phone", VolunteerContact.phone_hash),
    ):
        shared[kind] = {
            str(h)
            for h in session.execute(
                _active_in(
                    select(column).join(Volunteer, Volunteer.id == VolunteerContact.volunteer_id),
                    deliberation_id,
                )
                .where(column.is_not(None))
                .group_by(column)
                .having(func.count(func.distinct(Volunteer.site_id)) > 1)
            ).scalars()
        }
    return people(linked(session, deliberation_id, shared["email"], shared["phone"]))
