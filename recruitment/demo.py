"""A demo deliberation to explore the service: countries, sites, synthetic pools, one user per role.

``create_demo(url)`` upgrades the database, then fills it through the use cases (so the
audit trail starts clean) and returns the logins it made, with their passwords.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Unpack

import pandas as pd
from sqlalchemy import func
from sqlalchemy import select as select_

from quotas.problems import KleroError
from quotas.targets import Margins
from recruitment import usecases as uc
from recruitment.db import open_database, upgrade
from recruitment.models import User
from recruitment.permissions import Actor
from recruitment.security import Secrets, create_key_file
from sampling import SelectionSettings
from synthetic_data import ADDRESS_COLUMNS, PII_COLUMNS, generate_pool, margins_dict, margins_object

DELIBERATION = "Global Deliberation Day (demo)"
# (country code, country name, partner organisation,
#  [(site code, site name, panel size, region: the first-level subdivision, as in the margins)])
COUNTRIES = [
    (
        "FR",
        "France",
        "Démocratie Ouverte (demo)",
        [
            ("FR-lyon", "Lyon", 50, "Auvergne-Rhône-Alpes"),
            ("FR-lille", "Lille", 60, "Hauts-de-France"),
        ],
    ),
    (
        "KE",
        "Kenya",
        "Nairobi Civic Forum (demo)",
        [("KE-nairobi", "Nairobi", 50, "Nairobi City")],
    ),
    ("BR", "Brazil", "Rede Cidadã (demo)", [("BR-recife", "Recife", 50, "Pernambuco")]),
]
# The census features quotas are set on (region and literacy stay in the pool as data).
QUOTA_FEATURES = ("gender", "age", "education", "urban_rural")
# What every site may keep in clear: the quotas' features, region and literacy. The
# rest of a synthetic pool (names, contacts, addresses, households) is personal.
CRITERIA = (*QUOTA_FEATURES, "region", "literacy")


@dataclass(frozen=True)
class Demo:
    """What the demo made: logins (role, organisation, password), sites and the first run."""

    url: str
    logins: dict[str, tuple[str, str | None, str]]
    sites: list[str]
    run_id: int | None
    key_file: str | None = None
    notes: list[str] = field(default_factory=list)


def add_synthetic_site(
    db: uc.Database,
    admin: Actor,
    partner: Actor,
    site: uc.NewSite,
    margins: Margins,
    pool: pd.DataFrame,
    *,
    source: str = "<frame>",
    **columns: Unpack[uc.ColumnOptions],
) -> None:
    """Create ``site`` (as ``admin``); its partner sets quotas from ``margins``, imports ``pool``.

    The quotas allow 5 percentage points either side of the census shares.
    """
    uc.create_site(db, admin, site)
    uc.set_quotas_from_margins(db, partner, site.code, margins, tolerance_points=5)
    uc.import_frame(db, partner, site.code, pool, source=source, **columns)


def _password() -> str:
    return secrets.token_urlsafe(9)


def create_demo(
    url: str | None = None, *, seed: int = 2026, pool_size: int = 300, select: bool = True
) -> Demo:
    """Create the demo deliberation in the (empty) database at ``url``; return the logins."""
    key_file = None
    try:
        Secrets.load()
    except KleroError as exc:
        if exc.code != "secret_key_missing":
            raise
        key_file = str(create_key_file())
    upgrade(url)
    db = open_database(url)
    try:
        return _fill(db, seed, pool_size, select, key_file)
    finally:
        db.dispose()


def has_users(url: str | None = None) -> bool:
    """Whether the database at ``url`` exists with its schema and has at least one user."""
    try:
        db = open_database(url)
    except KleroError as error:
        if error.code == "db_not_initialised":
            return False
        raise
    try:
        with db.unit_of_work() as session:
            return bool(session.execute(select_(func.count(User.id))).scalar_one())
    finally:
        db.dispose()


def _fill(db: uc.Database, seed: int, pool_size: int, select: bool, key_file: str | None) -> Demo:
    logins: dict[str, tuple[str, str | None, str]] = {"admin": ("admin", None, _password())}
    try:
        admin = uc.bootstrap_admin(db, "admin", logins["admin"][2])
    except KleroError as exc:
        if exc.code == "users_exist":
            raise KleroError("demo_needs_empty_database", url=db.url) from exc
        raise
    uc.create_deliberation(db, admin, DELIBERATION, "A demo: synthetic volunteers, real workflow.")
    uc.set_criteria(db, admin, DELIBERATION, CRITERIA)
    for login, role in (("coordinator", "coordinator"), ("evaluator", "evaluator")):
        logins[login] = (role, None, _password())
        uc.create_user(db, admin, login, logins[login][2], role)
    sites: list[str] = []
    partners: dict[str, Actor] = {}
    for number, (code, name, organisation, country_sites) in enumerate(COUNTRIES):
        uc.create_country(db, admin, DELIBERATION, code, name)
        uc.create_organisation(db, admin, organisation)
        login = f"partner-{code.lower()}"
        logins[login] = ("partner", organisation, _password())
        uc.create_user(db, admin, login, logins[login][2], "partner", organisation)
        partner = uc.authenticate(db, login, logins[login][2])
        margins = margins_object(
            {f: v for f, v in margins_dict(code).items() if f in QUOTA_FEATURES}
        )
        for offset, (site, site_name, size, region) in enumerate(country_sites):
            frame = generate_pool(code, pool_size, seed + 10 * number + offset)
            place = f"{site_name}, {name}"
            add_synthetic_site(
                db,
                admin,
                partner,
                uc.NewSite(DELIBERATION, code, site, site_name, size, organisation, region, place),
                margins,
                frame.drop(columns=["household"], errors="ignore"),
                source=f"synthetic {site}",
                address_columns=list(ADDRESS_COLUMNS),
                contact_columns=list(PII_COLUMNS),
            )
            sites.append(site)
            partners[site] = partner
    run_id = None
    if select:
        first = sites[0]
        run_id = uc.run_selection(
            db, partners[first], first, SelectionSettings(seed=seed, alternates=5)
        ).run_id
    return Demo(db.url, logins, sites, run_id, key_file)
