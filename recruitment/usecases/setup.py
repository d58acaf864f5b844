"""Setting up a deliberation: organisations, users, deliberations, countries and sites.

Signing in is ``recruitment.usecases.signin``.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from quotas.problems import InvalidInput, KleroError, Problem, raise_if_errors
from quotas.regions import parse_catchment
from recruitment import audit
from recruitment.catchment import catchment_names, kind_problems, size_problems
from recruitment.db import Database
from recruitment.models import (
    REGION_MAX,
    ROLES,
    Country,
    Deliberation,
    Organisation,
    Site,
    User,
)
from recruitment.permissions import Action, Actor, require
from recruitment.security import hash_password
from recruitment.usecases.common import (
    add_country,
    add_organisation,
    add_site,
    deliberation_named,
    organisation_named,
)

# For new users; existing users keep their passwords until they change them.
MIN_PASSWORD = 12


def actor_of(user: User) -> Actor:
    """The actor a user signs in as."""
    return Actor(user.id, user.login, user.role, user.organisation_id)


def _unique(
    session: Session, model: type, column: InstrumentedAttribute[str], name: str, taken: str
) -> None:
    if session.execute(select(model).where(column == name)).first() is not None:
        raise KleroError(taken, name=name)


def _new_user(
    session: Session, login: str, password: str, role: str, organisation: str | None
) -> User:
    if role not in ROLES:
        raise KleroError("role_unknown", role=role, known=", ".join(ROLES))
    if len(password) < MIN_PASSWORD:
        raise KleroError("password_too_short", min=MIN_PASSWORD)
    org_id = None
    if organisation is not None:
        org_id = organisation_named(session, organisation).id
    elif role == "partner":
        raise KleroError("partner_needs_organisation")
    _unique(session, User, User.login, login, "user_already_exists")
    user = User(
        login=login, role=role, organisation_id=org_id, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    return user


def bootstrap_admin(db: Database, login: str, password: str) -> Actor:
    """Create the first admin of an empty database (no acting user needed, nor allowed later)."""
    with db.unit_of_work() as session:
        count = session.execute(select(func.count(User.id))).scalar_one()
        if count:
            raise KleroError("users_exist", count=count)
        user = _new_user(session, login, password, "admin", None)
        actor = actor_of(user)
        audit.record(session, actor, "user.bootstrap", "user", login, after={"role": "admin"})
        return actor


def create_organisation(db: Database, actor: Actor, name: str) -> int:
    """Create a partner organisation; return its id."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    with db.unit_of_work() as session:
        _unique(session, Organisation, Organisation.name, name, "organisation_already_exists")
        return add_organisation(session, actor, name).id


def create_user(
    db: Database,
    actor: Actor,
    login: str,
    password: str,
    role: str,
    organisation: str | None = None,
) -> int:
    """Create a user with a role (and an organisation, required for partners); return its id."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    with db.unit_of_work() as session:
        user = _new_user(session, login, password, role, organisation)
        audit.record(
            session,
            actor,
            "user.create",
            "user",
            login,
            after={"role": role, "organisation": organisation},
        )
        return user.id


def create_deliberation(db: Database, actor: Actor, name: str, description: str = "") -> int:
    """Create a deliberation; return its id."""
    require(actor, Action.MANAGE_DELIBERATIONS)
    with db.unit_of_work() as session:
        _unique(session, Deliberation, Deliberation.name, name, "deliberation_already_exists")
        item = Deliberation(name=name, description=description)
        session.add(item)
        session.flush()
        audit.record(
            session, actor, "deliberation.create", "deliberation", item.id, after={"name": name}
        )
        return item.id


def create_country(db: Database, actor: Actor, deliberation: str, code: str, name: str) -> int:
    """Add a country (ISO code and name) to a deliberation; return its id."""
    require(actor, Action.MANAGE_DELIBERATIONS)
    with db.unit_of_work() as session:
        delib = deliberation_named(session, deliberation)
        code = code.strip().upper()
        taken = session.execute(
            select(Country).where(Country.deliberation_id == delib.id, Country.code == code)
        ).first()
        if taken is not None:
            raise KleroError("country_already_exists", name=code)
        return add_country(session, actor, delib, code, name).id


def clean_region(region: str | None, site: str) -> str | None:
    """A site's region as stored: white space trimmed and collapsed; empty means none.

    >>> clean_region("  Auvergne-Rhône-Alpes ", "FR-lyon"), clean_region(" ", "FR-lyon")
    ('Auvergne-Rhône-Alpes', None)
    """
    if region is None:
        return None
    cleaned = " ".join(region.split())
    if len(cleaned) > REGION_MAX:
        params = {"site": site, "length": len(cleaned), "max": REGION_MAX}
        raise InvalidInput([Problem("region_too_long", params)])  # exit code 2: bad input
    return cleaned or None


def _catchment_audit(kind: str, regions: list[str]) -> dict[str, object]:
    """The kind and catchment in a site's audit event, when they are not the defaults."""
    return {"kind": kind, "regions": regions} if kind != "in_person" or regions else {}


class NewSite(NamedTuple):
    """A site to create: in a deliberation's country, run by a partner organisation.

    ``region`` is the country's first-level subdivision the site is in (free text, trimmed;
    empty means none); the sites overview filters and aggregates by it.
    """

    deliberation: str
    country: str
    code: str
    name: str
    panel_size: int
    partner: str  # the partner organisation's name
    region: str | None = None
    place: str = ""
    kind: str = "in_person"  # or "online": no place needed, panels up to 10,000
    regions: str = ""  # the catchment: ";"-separated regions (names or ISO codes); "" = country


def create_site(db: Database, actor: Actor, site: NewSite) -> int:
    """Create ``site``; return its id."""
    require(actor, Action.CREATE_SITE)
    region = clean_region(site.region, site.code)
    raise_if_errors(kind_problems(site.kind, "site_kind_unknown", {"site": site.code}))
    raise_if_errors(
        size_problems(site.kind, site.panel_size, "panel_size_out_of_range", {"site": site.code})
    )
    catchment, problems = parse_catchment(site.country, site.regions, {"site": site.code})
    raise_if_errors(problems)
    names = catchment_names(catchment)
    region = names[0] if names else region
    with db.unit_of_work() as session:
        delib = deliberation_named(session, site.deliberation)
        found = session.execute(
            select(Country).where(
                Country.deliberation_id == delib.id, Country.code == site.country.strip().upper()
            )
        ).scalar_one_or_none()
        if found is None:
            raise KleroError("country_not_found", key=site.country)
        org = organisation_named(session, site.partner)
        _unique(session, Site, Site.code, site.code, "site_already_exists")
        row = Site(
            code=site.code,
            country_id=found.id,
            name=site.name,
            place=site.place,
            region=region,
            regions=names,
            kind=site.kind,
            panel_size=site.panel_size,
            partner_organisation_id=org.id,
        )
        after = {
            "name": site.name,
            "place": site.place,
            "region": region,
            "country": found.code,
            "panel_size": site.panel_size,
            "partner": site.partner,
            **_catchment_audit(site.kind, names),
        }
        return add_site(session, actor, row, after).id
