"""The sites as listed and overviewed: where each is, how far its selection is, how balanced.

``list_sites`` and ``sites_overview`` read every site the actor may see in one
transaction with a fixed number of grouped queries (``IN`` lists of site, run and quota
set ids), whatever the number of sites: the overview of a deliberation with hundreds of
sites must not cost a query per site. Nothing here writes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from quotas.balance import CATEGORY_COLUMNS, category_balance, category_counts
from quotas.balance import representativeness_score as score_of_rows
from quotas.model import QuotaTable
from recruitment.db import Database
from recruitment.models import (
    Country,
    Deliberation,
    Organisation,
    PanelSeat,
    QuotaSet,
    SelectionRun,
    Site,
    Volunteer,
)
from recruitment.permissions import Action, Actor, allowed, require
from recruitment.usecases.common import rows_in, site_ref, table_from_rows


@dataclass(frozen=True)
class SiteView:
    """A site as listed: where, how big, who runs it, and how far its selection is."""

    code: str
    name: str
    place: str
    region: str | None
    country: str
    deliberation: str
    panel_size: int
    partner: str
    volunteers: int
    quota_version: int | None
    last_run_id: int | None
    last_run_status: str | None

    @property
    def status(self) -> str:
        """Where the site stands: ``no_quotas``, ``no_pool``, ``ready`` or its last run's status."""
        if self.quota_version is None:
            return "no_quotas"
        if self.volunteers == 0:
            return "no_pool"
        return self.last_run_status or "ready"


@dataclass(frozen=True)
class SiteSummary(SiteView):
    """A site in the overview: its listing, its panel's size and representativeness score.

    The panel is the selected seats of the site's latest succeeded run (``panel_run_id``),
    compared with the quotas that run used; ``seats`` is 0 and ``score`` NaN without one.
    """

    country_name: str
    panel_run_id: int | None
    seats: int
    score: float


@dataclass(frozen=True)
class SitesOverview:
    """Every visible site, and what aggregating their balance needs.

    ``categories`` has one row per (site with a panel, category of its run's quotas):
    ``site``, then ``quotas.balance.CATEGORY_COLUMNS`` plus ``seats`` (the panel's seats),
    ready for ``recruitment.reports.model.pooled_balance``.
    """

    sites: list[SiteSummary]
    categories: pd.DataFrame


@dataclass(frozen=True)
class _Facts:
    """What ``list_sites`` needs of the visible sites, read with grouped queries."""

    # (site, country code, country name, deliberation, partner), by site code
    sites: list[tuple[Site, str, str, str, str]]
    volunteers: dict[int, int]
    versions: dict[int, int]
    last_runs: dict[int, tuple[int, str]]  # site id -> (run id, status)
    last_panels: dict[int, int]  # site id -> latest succeeded run id


def _facts(session: Session, actor: Actor) -> _Facts:
    query = (
        select(Site, Country.code, Country.name, Deliberation.name, Organisation.name)
        .join(Country, Country.id == Site.country_id)
        .join(Deliberation, Deliberation.id == Country.deliberation_id)
        .join(Organisation, Organisation.id == Site.partner_organisation_id)
        .order_by(Site.code)
    )
    sites = [
        (site, code, name, deliberation, partner)
        for site, code, name, deliberation, partner in session.execute(query).all()
        if allowed(actor, Action.VIEW_SITE, site_ref(site))
    ]
    ids = [s.id for s, *_ in sites]
    volunteers = select(Volunteer.site_id, func.count(Volunteer.id)).where(
        Volunteer.status == "active"
    )
    versions = select(QuotaSet.site_id, func.max(QuotaSet.version))
    succeeded = case((SelectionRun.status == "succeeded", SelectionRun.id))
    runs = select(SelectionRun.site_id, func.max(SelectionRun.id), func.max(succeeded))
    last_runs: dict[int, int] = {}
    last_panels: dict[int, int] = {}
    for site_id, last, panel in rows_in(
        session, ids, runs.group_by(SelectionRun.site_id), SelectionRun.site_id
    ):
        last_runs[site_id] = int(last)
        if panel is not None:
            last_panels[site_id] = int(panel)
    status = select(SelectionRun.id, SelectionRun.status)
    statuses = dict(rows_in(session, list(last_runs.values()), status, SelectionRun.id))
    return _Facts(
        sites,
        {
            site_id: int(n)
            for site_id, n in rows_in(
                session, ids, volunteers.group_by(Volunteer.site_id), Volunteer.site_id
            )
        },
        {
            site_id: int(v)
            for site_id, v in rows_in(
                session, ids, versions.group_by(QuotaSet.site_id), QuotaSet.site_id
            )
        },
        {site_id: (run, str(statuses[run])) for site_id, run in last_runs.items()},
        last_panels,
    )


def _view(facts: _Facts, site: Site, country: str, deliberation: str, partner: str) -> SiteView:
    last = facts.last_runs.get(site.id)
    return SiteView(
        site.code,
        site.name,
        site.place,
        site.region,
        country,
        deliberation,
        site.panel_size,
        partner,
        facts.volunteers.get(site.id, 0),
        facts.versions.get(site.id),
        None if last is None else last[0],
        None if last is None else last[1],
    )


def list_sites(db: Database, actor: Actor) -> list[SiteView]:
    """The sites the actor may see (partners: their own), by code."""
    require(actor, Action.VIEW_SITE)
    with db.unit_of_work() as session:
        facts = _facts(session, actor)
        return [
            _view(facts, site, code, deliberation, partner)
            for site, code, _, deliberation, partner in facts.sites
        ]


def _panels(
    session: Session, run_ids: Iterable[int]
) -> tuple[dict[int, QuotaTable], dict[int, list[dict[str, Any]]]]:
    """Per run: the quotas it used and its selected people's features."""
    runs = list(run_ids)
    quota_sets = dict(
        rows_in(session, runs, select(SelectionRun.id, SelectionRun.quota_set_id), SelectionRun.id)
    )
    tables: dict[int, QuotaTable] = {}
    same: dict[str, QuotaTable] = {}  # sites of a country often share their census quotas
    query = select(QuotaSet.id, QuotaSet.rows)
    for qs_id, rows in rows_in(session, list(quota_sets.values()), query, QuotaSet.id):
        text = json.dumps(rows, sort_keys=True)
        if text not in same:
            same[text] = table_from_rows(rows)
        tables[qs_id] = same[text]
    people: dict[int, list[dict[str, Any]]] = {run: [] for run in runs}
    seats = (
        select(PanelSeat.run_id, Volunteer.features)
        .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
        .where(PanelSeat.kind == "selected")
    )
    for run, features in rows_in(session, runs, seats, PanelSeat.run_id):
        people[run].append(features)
    return {run: tables[qs] for run, qs in quota_sets.items()}, people


def sites_overview(db: Database, actor: Actor) -> SitesOverview:
    """Every site the actor may see with its score, and every panel's balance per category.

    One transaction and a fixed number of queries, whatever the number of sites.
    """
    require(actor, Action.VIEW_SITE)
    with db.unit_of_work() as session:
        facts = _facts(session, actor)
        quotas, people = _panels(session, facts.last_panels.values())
    summaries: list[SiteSummary] = []
    records: list[dict[str, object]] = []
    for site, code, country_name, deliberation, partner in facts.sites:
        view = _view(facts, site, code, deliberation, partner)
        run = facts.last_panels.get(site.id)
        rows: list[dict[str, object]] = []
        seats = 0
        if run is not None:
            seats = len(people[run])
            counts = category_counts(people[run], quotas[run])
            rows = category_balance(counts, seats, quotas[run])
            records += [{"site": site.code, **row, "seats": seats} for row in rows]
        score = score_of_rows(rows) if seats else math.nan
        listed = {f.name: getattr(view, f.name) for f in fields(SiteView)}
        summaries.append(
            SiteSummary(
                **listed, country_name=country_name, panel_run_id=run, seats=seats, score=score
            )
        )
    columns = ["site", *CATEGORY_COLUMNS, "seats"]
    return SitesOverview(summaries, pd.DataFrame(records, columns=columns))
