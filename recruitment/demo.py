"""A demo global deliberation day to explore the service, made from a plan file.

``create_demo(url)`` upgrades the database, then fills it through the use cases (so the
audit trail starts clean): the plan of 21 sites in 8 countries (one online site) with
synthetic pools, one user per role and a partner per organisation, and every panel
drawn in one batch. It returns the logins it made, with their passwords.
"""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, Unpack

import pandas as pd
from sqlalchemy import func
from sqlalchemy import select as select_

from quotas.exports import write_table
from quotas.problems import KleroError
from quotas.targets import Margins
from recruitment import usecases as uc
from recruitment.db import open_database, upgrade
from recruitment.models import User
from recruitment.permissions import Actor
from recruitment.security import Secrets, create_key_file
from sampling import SelectionSettings
from synthetic_data import ADDRESS_COLUMNS, generate_pool, margins_frame

DELIBERATION = "Global Deliberation Day (demo)"
#: The demo's plan: 21 sites in 8 countries on four continents, one of them online
#: (``recruitment/data/demo/plan.csv``; its pools and margins are made at run time).
PLAN = "data/demo/plan.csv"
# The census features quotas are set on (region and literacy stay in the pool as data).
QUOTA_FEATURES = ("gender", "age", "education", "urban_rural")
# What every site may keep in clear: the quotas' features, region and literacy. The
# rest of a synthetic pool (names, contacts, addresses, households) is personal.
CRITERIA = (*QUOTA_FEATURES, "region", "literacy")
#: How the demo's panels are drawn: every site in one batch, only the first site's, none.
DemoSelect = Literal["batch", "first", "none"]


def plan_rows(sites: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The demo plan's rows (all, or those of ``sites`` in the plan's order)."""
    text = resources.files("recruitment").joinpath(PLAN).read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return rows if sites is None else [r for r in rows if r["site_code"] in set(sites)]


def write_plan(folder: Path, rows: list[dict[str, str]], seed: int, pool_size: int) -> Path:
    """The demo plan in ``folder``, with a synthetic pool per site and margins per country.

    A site has ``pool_size`` volunteers (at least twice its panel). A regional site's
    volunteers live in its region; an online or national site's come from the whole
    country. Households come from the address columns.
    """
    (folder / "pools").mkdir()
    (folder / "margins").mkdir()
    for country in sorted({r["country"] for r in rows}):
        margins = margins_frame(country)
        quota_margins = margins[margins["feature"].isin(QUOTA_FEATURES)]
        write_table(quota_margins, folder / "margins" / f"{country}.csv")
    out = []
    for number, row in enumerate(rows):
        # Twice the panel at least: an online site's panel of 150 needs a bigger pool.
        people = max(pool_size, 2 * int(row["panel_size"]))
        frame = generate_pool(row["country"], people, seed + number)
        if row["region"]:
            frame["region"] = row["region"]
        pool = f"pools/{row['site_code']}.csv"
        write_table(frame.drop(columns=["household"], errors="ignore"), folder / pool)
        files = {"pool_file": pool, "margins_file": f"margins/{row['country']}.csv"}
        out.append({**row, **files, "address_columns": ";".join(ADDRESS_COLUMNS)})
    plan = folder / "plan.csv"
    write_table(pd.DataFrame(out).assign(tolerance_points=5), plan)
    return plan


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


@dataclass(frozen=True)
class DemoChoice:
    """Which of the plan's sites the demo makes (None: all), how it draws their panels."""

    sites: Sequence[str] | None
    select: DemoSelect
    key_file: str | None


def create_demo(
    url: str | None = None,
    *,
    seed: int = 2026,
    pool_size: int = 300,
    select: DemoSelect = "batch",
    sites: Sequence[str] | None = None,
) -> Demo:
    """Create the demo deliberation in the (empty) database at ``url``; return the logins.

    The deliberation comes from the demo plan (``plan_rows``; ``sites`` keeps only those
    sites), imported as ``klero deliberation import-plan`` does; with ``select="batch"``
    (the default) every site's panel is then drawn in one batch, as ``klero select
    --deliberation ... --all-ready`` does, on every core of this machine.
    """
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
        return _fill(db, seed, pool_size, DemoChoice(sites, select, key_file))
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


def _fill(db: uc.Database, seed: int, pool_size: int, choice: DemoChoice) -> Demo:
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
    rows = plan_rows(choice.sites)
    with tempfile.TemporaryDirectory(prefix="klero-demo-") as folder:
        uc.import_plan(db, admin, DELIBERATION, write_plan(Path(folder), rows, seed, pool_size))
    partners: dict[str, str] = {}  # organisation -> login of its partner
    for row in rows:
        organisation = row["partner"]
        if organisation not in partners:
            partners[organisation] = login = f"partner-{row['country'].lower()}"
            logins[login] = ("partner", organisation, _password())
            uc.create_user(db, admin, login, logins[login][2], "partner", organisation)
    sites = [r["site_code"] for r in rows]
    run_id = _select(db, logins, partners, rows, seed, choice.select)
    return Demo(db.url, logins, sites, run_id, choice.key_file)


def _select(
    db: uc.Database,
    logins: dict[str, tuple[str, str | None, str]],
    partners: dict[str, str],
    rows: list[dict[str, str]],
    seed: int,
    how: DemoSelect,
) -> int | None:
    """Draw the demo's panels; the run id of the first site's panel (None if not drawn)."""
    settings = SelectionSettings(seed=seed, alternates=5)
    first = rows[0]["site_code"]
    if how == "first":
        login = partners[rows[0]["partner"]]
        partner = uc.authenticate(db, login, logins[login][2])
        return uc.run_selection(db, partner, first, settings).run_id
    if how == "batch":
        coordinator = uc.authenticate(db, "coordinator", logins["coordinator"][2])
        report = uc.run_batch_on(db, coordinator, DELIBERATION, settings)
        return next((o.run_id for o in report.outcomes if o.site == first), None)
    return None
