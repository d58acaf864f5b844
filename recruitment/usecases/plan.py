"""Importing a deliberation's plan: countries, partners, sites, their pools and quotas, at once.

``import_plan`` reads the plan file (``recruitment.plan_file``) and every pool and margins
file it names, checks everything, and only then writes, in one transaction: nothing is
stored when any row has an error, and every problem is listed with its row. Importing
the same plan again changes nothing and records no audit event; a changed row updates
its site (audited). Pools are imported as ``import_pool`` does (personal data encrypted;
the same file twice adds nobody); quotas are derived from the margins for the site's
catchment as ``set_quotas_from_margins_file`` does, and stored only when they differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.apportion import Method
from quotas.catchment import margins_for_catchment
from quotas.labels import LabelRow, labels_from_margins
from quotas.model import QuotaTable
from quotas.problems import InvalidInput, Problem, errors_only
from quotas.tables import read_table
from quotas.targets import quotas_from_margins
from recruitment import audit
from recruitment.catchment import catchment_names, size_problems
from recruitment.columns import Declaration
from recruitment.db import Database
from recruitment.models import Country, Deliberation, Organisation, Site
from recruitment.permissions import Action, Actor, require
from recruitment.plan_file import DEFAULT_PANEL_SIZE, PlanRow, read_plan_frame
from recruitment.security import Secrets
from recruitment.usecases.common import (
    add_country,
    add_site,
    current_quota_set,
    deliberation_named,
    organisations_named,
    quota_rows,
)
from recruitment.usecases.labels import store_labels
from recruitment.usecases.pool_rows import prepare
from recruitment.usecases.pools import import_into
from recruitment.usecases.quota_sets import store_quotas


@dataclass(frozen=True)
class PlanSiteOutcome:
    """What the plan did to one site: ``created``, ``updated`` (which fields) or ``unchanged``."""

    row: int
    site: str
    outcome: str
    changed: list[str] = field(default_factory=list)
    volunteers_added: int = 0
    quota_version: int | None = None  # the new version, when the quotas changed


@dataclass(frozen=True)
class PlanResult:
    """What ``import_plan`` did, and the warnings (e.g. pool rows skipped)."""

    deliberation: str
    countries_created: list[str]
    organisations_created: list[str]
    sites: list[PlanSiteOutcome]
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything was stored."""
        return bool(
            self.countries_created
            or self.organisations_created
            or any(s.outcome != "unchanged" or s.volunteers_added for s in self.sites)
            or any(s.quota_version is not None for s in self.sites)
        )


@dataclass
class _Files:
    """A row's pool and margins, read and checked before anything is stored."""

    quotas: QuotaTable | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    pool: pd.DataFrame | None = None
    pool_sha256: str = ""
    labels: list[LabelRow] = field(default_factory=list)  # the margins' label_<lang> columns


def import_plan(db: Database, actor: Actor, deliberation: str, path: str | Path) -> PlanResult:
    """Import the plan file at ``path`` into ``deliberation``; raise InvalidInput on any error.

    Coordinators and admins. All or nothing: every problem of every row is listed (with
    row numbers) before anything is written.
    """
    require(actor, Action.IMPORT_PLAN)
    plan = Path(path)
    frame, problems = read_table(plan)
    rows, found = read_plan_frame(frame, plan.parent)
    problems += found
    secrets = Secrets.load() if any(r.pool_file for r in rows) else None
    with db.unit_of_work() as session:
        delib = deliberation_named(session, deliberation)
        sizes = _existing_site_problems(session, delib, rows, problems)
        criteria = [str(c) for c in delib.criteria or []]
        files = {r.row: _read_files(r, sizes[r.code], criteria, problems) for r in rows}
        if errors_only(problems):
            raise InvalidInput(problems)
        countries, created_countries = _countries(session, actor, delib, rows)
        organisations, created_orgs = organisations_named(session, actor, (r.partner for r in rows))
        outcomes = []
        for row in rows:
            site, outcome = _site(session, actor, row, countries, organisations)
            outcomes.append(_fill(session, actor, secrets, site, row, files[row.row], outcome))
        store_labels(session, actor, delib, [lab for r in rows for lab in files[r.row].labels])
        warnings = [p for o in outcomes for p in o[1] if p not in problems]
        return PlanResult(
            deliberation,
            created_countries,
            created_orgs,
            [o[0] for o in outcomes],
            [*problems, *warnings],
        )


def _existing_site_problems(
    session: Session, delib: Deliberation, rows: list[PlanRow], problems: list[Problem]
) -> dict[str, int]:
    """Each row's panel size (the plan's, else the site's, else the default); problems
    appended for rows naming a site of another deliberation, or moving a site's country."""
    codes = [r.code for r in rows]
    sites = {s.code: s for s in session.execute(select(Site).where(Site.code.in_(codes))).scalars()}
    sizes: dict[str, int] = {}
    for row in rows:
        site = sites.get(row.code)
        kept = site.panel_size if site is not None else DEFAULT_PANEL_SIZE
        sizes[row.code] = row.panel_size or kept
        if site is None:
            continue
        if row.panel_size is None:  # the size it keeps must fit its (new) kind
            at: dict[str, object] = {"row": row.row, "site": row.code}
            problems += size_problems(row.kind, kept, "plan_panel_size_out_of_range", at)
        params = {"row": row.row, "site": row.code}
        if site.country.deliberation_id != delib.id:
            other = site.country.deliberation.name
            problems.append(Problem("plan_site_elsewhere", {**params, "deliberation": other}))
        elif site.country.code != row.country:
            was = {"country": row.country, "was": site.country.code}
            problems.append(Problem("plan_site_country_changed", {**params, **was}))
    return sizes


def _read_files(row: PlanRow, size: int, criteria: list[str], problems: list[Problem]) -> _Files:
    """The row's quotas (from its margins) and pool frame, checked; problems appended."""
    files = _Files()
    try:
        if row.margins_file is not None:
            frame, found = read_table(row.margins_file)
            margins, more = margins_for_catchment(
                frame, row.margins_file.name, row.country, row.regions
            )
            files.labels, labelled = labels_from_margins(frame, row.margins_file.name)
            problems += found + more + labelled
            if margins is not None:
                files.quotas = quotas_from_margins(
                    margins, size, tolerance_points=row.tolerance_points
                )
                files.settings = {
                    "tolerance_seats": None,
                    "tolerance_points": row.tolerance_points,
                    "method": str(Method.LARGEST_REMAINDER),
                    "panel_size": size,
                    "file": row.margins_file.name,
                }
        if row.pool_file is not None:
            files.pool, found = read_table(row.pool_file)
            problems += found
            files.pool_sha256 = hashlib.sha256(row.pool_file.read_bytes()).hexdigest()
            prepared = prepare(
                files.pool,
                quotas=files.quotas,
                criteria=criteria,
                declaration=_declaration(row),
                source=row.pool_file.name,
            )
            problems += prepared.problems
    except InvalidInput as refused:
        problems += refused.problems
    return files


def _declaration(row: PlanRow) -> Declaration:
    return Declaration(id_column="id", address_columns=tuple(row.address_columns))


def _countries(
    session: Session, actor: Actor, delib: Deliberation, rows: list[PlanRow]
) -> tuple[dict[str, Country], list[str]]:
    """The deliberation's countries by code, the plan's missing ones created first."""
    known = {
        c.code: c
        for c in session.execute(
            select(Country).where(Country.deliberation_id == delib.id)
        ).scalars()
    }
    created: list[str] = []
    for row in rows:
        if row.country in known:
            continue
        known[row.country] = add_country(session, actor, delib, row.country, row.country_name)
        created.append(row.country)
    return known, created


def _fields(row: PlanRow, org: Organisation, site: Site | None) -> dict[str, Any]:
    """The site's fields the plan sets (an existing site keeps its size when none is given)."""
    size = row.panel_size or (site.panel_size if site is not None else DEFAULT_PANEL_SIZE)
    regions = catchment_names(row.regions)
    return {
        "name": row.name,
        "kind": row.kind,
        "regions": regions,
        "region": regions[0] if regions else (site.region if site is not None else None),
        "languages": row.languages,
        "panel_size": size,
        "partner": org.name,
    }


def _current(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "kind": site.kind,
        "regions": list(site.regions or []),
        "region": site.region,
        "languages": list(site.languages or []),
        "panel_size": site.panel_size,
        "partner": site.partner.name,
    }


def _site(
    session: Session,
    actor: Actor,
    row: PlanRow,
    countries: dict[str, Country],
    organisations: dict[str, Organisation],
) -> tuple[Site, PlanSiteOutcome]:
    """Create the row's site, or update what changed; audited either way."""
    org = organisations[row.partner]
    site = session.execute(
        select(Site).where(Site.code == row.code).with_for_update()
    ).scalar_one_or_none()
    wanted = _fields(row, org, site)
    values = {k: v for k, v in wanted.items() if k != "partner"}
    if site is None:
        site = Site(
            code=row.code,
            country_id=countries[row.country].id,
            partner_organisation_id=org.id,
            **values,
        )
        add_site(session, actor, site, after={**wanted, "country": row.country})
        return site, PlanSiteOutcome(row.row, row.code, "created")
    before = _current(site)
    changed = sorted(k for k in wanted if wanted[k] != before[k])
    if not changed:
        return site, PlanSiteOutcome(row.row, row.code, "unchanged")
    for key in changed:
        if key == "partner":
            site.partner_organisation_id = org.id
        else:
            setattr(site, key, wanted[key])
    session.flush()
    audit.record(
        session,
        actor,
        "site.update",
        "site",
        row.code,
        site_id=site.id,
        before={k: before[k] for k in changed},
        after={k: wanted[k] for k in changed},
    )
    return site, PlanSiteOutcome(row.row, row.code, "updated", changed)


def _fill(
    session: Session,
    actor: Actor,
    secrets: Secrets | None,
    site: Site,
    row: PlanRow,
    files: _Files,
    outcome: PlanSiteOutcome,
) -> tuple[PlanSiteOutcome, list[Problem]]:
    """Set the site's quotas (when they differ) and import its pool; the outcome and warnings."""
    version = None
    if files.quotas is not None:
        table = files.quotas
        previous = current_quota_set(session, site.id)
        same = previous is not None and previous.rows == quota_rows(table)
        if not same or (previous is not None and previous.settings != files.settings):
            version = store_quotas(session, actor, site, table, "margins", files.settings).version
    added, warnings = 0, []
    if files.pool is not None and row.pool_file is not None:
        assert secrets is not None  # loaded whenever a row has a pool file
        report = import_into(
            session,
            secrets,
            actor,
            site,
            files.pool,
            _declaration(row),
            source=row.pool_file.name,
            source_sha256=files.pool_sha256,
        )
        added, warnings = len(report.added), [p for p in report.problems if p.severity != "error"]
    result = PlanSiteOutcome(
        outcome.row, outcome.site, outcome.outcome, outcome.changed, added, version
    )
    return result, warnings
