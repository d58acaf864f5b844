"""A deliberation's report at the global, country or region level (``recruitment.reports``).

``deliberation_report`` reads, in one transaction and a fixed number of grouped queries
(``IN`` lists of ids), every site of the deliberation the actor may see (partners: their
own organisation's), its active volunteers by channel, its latest succeeded run, that
run's quotas, selected people's criteria and seat statuses. Nothing here writes, and
nothing personal is read: volunteers' criteria only, never a contact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quotas.balance import category_balance, category_counts, representativeness_score
from quotas.model import QuotaTable
from quotas.problems import KleroError
from recruitment.channels import CHANNELS
from recruitment.db import Database
from recruitment.models import (
    SEAT_STATUSES,
    Country,
    Organisation,
    PanelSeat,
    QuotaSet,
    SelectionRun,
    Site,
    Volunteer,
)
from recruitment.permissions import Action, Actor, allowed, require
from recruitment.reports.model import (
    UNIT_KEYS,
    Level,
    Report,
    RunFacts,
    SiteFacts,
    Unit,
    pooled_balance,
    pooled_scores,
)
from recruitment.usecases.common import (
    deliberation_named,
    rows_in,
    site_ref,
    table_from_rows,
)
from recruitment.usecases.labels import labels_of
from recruitment.usecases.reruns import EARLIER_ENGINE
from recruitment.usecases.tables import table_counts
from sampling import ENGINE


def parse_level(text: str) -> Level:
    """The level a user typed (``global``, ``country``, ``region``); exit 2 otherwise."""
    try:
        return Level(text.strip().lower())
    except ValueError:
        raise KleroError("report_level_unknown", level=text) from None


def fairness_of(figures: dict[str, Any] | None) -> tuple[float | None, float | None, str]:
    """Lowest probability, Gini and their source: the lottery's figures when stored."""
    stored = figures or {}
    if "lottery_min" in stored:
        return float(stored["lottery_min"]), _float(stored.get("lottery_gini")), "lottery"
    return _float(stored.get("min")), _float(stored.get("gini")), "optimum"


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _run_facts(
    session: Session, runs: dict[int, int], codes: dict[int, str]
) -> tuple[dict[int, RunFacts], dict[int, QuotaTable]]:
    """Per run id: its provenance and the quotas it used."""
    columns = select(
        SelectionRun.id,
        SelectionRun.site_id,
        SelectionRun.algorithm,
        SelectionRun.settings,
        SelectionRun.input_sha256,
        SelectionRun.started_at,
        SelectionRun.seed,
        SelectionRun.public_number,
        SelectionRun.fairness,
        SelectionRun.quota_set_id,
    )
    facts: dict[int, RunFacts] = {}
    quota_sets: dict[int, int] = {}
    for run_id, site_id, algorithm, settings, sha, at, seed, public, figures, qs in rows_in(
        session, runs.values(), columns, SelectionRun.id
    ):
        lowest, gini, source = fairness_of(figures)
        quota_sets[run_id] = qs
        facts[run_id] = RunFacts(
            codes[site_id],
            run_id,
            algorithm,
            str((settings or {}).get("engine", EARLIER_ENGINE)),
            sha,
            at.isoformat(),
            seed,
            public,
            None,
            lowest,
            gini,
            source,
        )
    tables: dict[int, tuple[int, QuotaTable]] = {}
    query = select(QuotaSet.id, QuotaSet.version, QuotaSet.rows)
    for qs_id, version, rows in rows_in(session, quota_sets.values(), query, QuotaSet.id):
        tables[qs_id] = (version, table_from_rows(rows))
    out = {
        run_id: replace(fact, quota_version=tables[quota_sets[run_id]][0])
        for run_id, fact in facts.items()
    }
    return out, {run: tables[qs][1] for run, qs in quota_sets.items()}


def _seats(
    session: Session, run_ids: Iterable[int]
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, Counter[str]], Counter[int]]:
    """Per run: its selected people's criteria, its seats' statuses and its replacements.

    Statuses count the panel's seats and the alternates invited in someone's place.
    """
    people: dict[int, list[dict[str, Any]]] = {}
    statuses: dict[int, Counter[str]] = {}
    replacements: Counter[int] = Counter()
    query = select(
        PanelSeat.run_id,
        PanelSeat.kind,
        PanelSeat.status,
        PanelSeat.replaces_id,
        Volunteer.features,
    ).join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
    for run, kind, status, replaces, features in rows_in(session, run_ids, query, PanelSeat.run_id):
        if kind == "selected":
            people.setdefault(run, []).append(features or {})
        if kind == "selected" or replaces is not None:
            statuses.setdefault(run, Counter())[status] += 1
        if replaces is not None:
            replacements[run] += 1
    return people, statuses, replacements


def _read(
    session: Session, actor: Actor, deliberation: str, country: str | None
) -> tuple[list[SiteFacts], pd.DataFrame, dict[str, str]]:
    """The visible sites' facts and their panels' balance rows (one per site and category)."""
    found = deliberation_named(session, deliberation)
    query = (
        select(Site, Country.code, Country.name, Organisation.name)
        .join(Country, Country.id == Site.country_id)
        .join(Organisation, Organisation.id == Site.partner_organisation_id)
        .where(Country.deliberation_id == found.id)
        .order_by(Country.code, Site.code)
    )
    if country is not None:
        query = query.where(func.upper(Country.code) == country.strip().upper())
    rows = [
        (site, code, name, partner)
        for site, code, name, partner in session.execute(query).all()
        if allowed(actor, Action.VIEW_SITE, site_ref(site))
    ]
    ids = [site.id for site, *_ in rows]
    codes = {site.id: site.code for site, *_ in rows}
    names = {code: name for _, code, name, _ in rows}
    channels: dict[int, dict[str, int]] = {}
    by_channel = (
        select(Volunteer.site_id, Volunteer.channel, func.count(Volunteer.id))
        .where(Volunteer.status == "active")
        .group_by(Volunteer.site_id, Volunteer.channel)
    )
    for site_id, channel, n in rows_in(session, ids, by_channel, Volunteer.site_id):
        channels.setdefault(site_id, {})[channel] = int(n)
    latest = (
        select(SelectionRun.site_id, func.max(SelectionRun.id))
        .where(SelectionRun.status == "succeeded")
        .group_by(SelectionRun.site_id)
    )
    runs = {
        site_id: int(run) for site_id, run in rows_in(session, ids, latest, SelectionRun.site_id)
    }
    facts, quotas = _run_facts(session, runs, codes)
    people, statuses, replacements = _seats(session, runs.values())
    tables = table_counts(session, ids)
    sites: list[SiteFacts] = []
    balance: list[dict[str, object]] = []
    for site, code, _, partner in rows:
        run = runs.get(site.id)
        panel = people.get(run, []) if run is not None else []
        region = site.region or ""
        score = math.nan
        if run is not None and panel:
            lines = category_balance(category_counts(panel, quotas[run]), len(panel), quotas[run])
            score = representativeness_score(lines)
            balance += [
                {"site": site.code, "country": code, "region": region, **line}
                | {"seats": len(panel), "weight": len(panel)}
                for line in lines
            ]
        sites.append(
            SiteFacts(
                site.code,
                site.name,
                code,
                region,
                partner,
                site.panel_size,
                channels.get(site.id, {}),
                None if run is None else facts[run],
                len(panel),
                dict(statuses.get(run, Counter())) if run is not None else {},
                replacements[run] if run is not None else 0,
                score,
                tables.get(site.id, 0),
            )
        )
    return sites, pd.DataFrame(balance), names


def _units(level: Level, sites: Sequence[SiteFacts], scores: pd.DataFrame) -> list[Unit]:
    """The level's units, with their sites' figures summed and their pooled scores."""
    keys = UNIT_KEYS[level]
    groups: dict[tuple[str, ...], list[SiteFacts]] = {}
    for site in sites:
        values = {"country": site.country, "region": site.region}
        groups.setdefault(tuple(values[k] for k in keys), []).append(site)
    pooled = {
        tuple(str(row[k]) for k in keys): (float(row["score"]), float(row["max_abs_deviation"]))
        for row in scores.to_dict("records")
    }
    units = []
    for key, members in sorted(groups.items()):
        named = dict(zip(keys, key, strict=True))
        runs = [s.run for s in members if s.run is not None]
        lows = [r.lowest_probability for r in runs if r.lowest_probability is not None]
        ginis = [r.gini for r in runs if r.gini is not None]
        score, gap = pooled.get(key, (math.nan, math.nan))
        units.append(
            Unit(
                named.get("country", ""),
                named.get("region", ""),
                len(members),
                len(runs),
                sum(s.panel_size for s in members),
                sum(s.seats for s in members),
                dict(sum((Counter(s.volunteers) for s in members), Counter())),
                dict(sum((Counter(s.statuses) for s in members), Counter())),
                sum(s.replacements for s in members),
                score,
                gap,
                min(lows) if lows else None,
                max(ginis) if ginis else None,
                tuple(r.run_id for r in runs),
            )
        )
    return units


def deliberation_report(
    db: Database,
    actor: Actor,
    deliberation: str,
    level: Level | str = Level.GLOBAL,
    *,
    country: str | None = None,
) -> Report:
    """The report of ``deliberation`` at ``level`` (optionally one country's sites only).

    Coordinators, evaluators and admins see every site; partners their own sites only.
    """
    require(actor, Action.VIEW_SITE)
    chosen = level if isinstance(level, Level) else parse_level(level)
    with db.unit_of_work() as session:
        sites, rows, names = _read(session, actor, deliberation, country)
        labels = labels_of(session, deliberation_named(session, deliberation).id)
    if country is not None and not sites:
        raise KleroError("report_country_empty", country=country.strip().upper())
    keys = UNIT_KEYS[chosen]
    balance = pooled_balance(rows, keys)
    units = _units(chosen, sites, pooled_scores(balance, keys))
    return Report(
        deliberation,
        chosen,
        None if country is None else country.strip().upper(),
        datetime.now(UTC).replace(microsecond=0).isoformat(),
        ENGINE,
        units,
        sites,
        balance,
        rows,
        names,
        CHANNELS,
        SEAT_STATUSES,
        labels,
    )
