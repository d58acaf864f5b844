"""Seats of a deliberation shared among its countries and sites, and applied as panel sizes.

``plan_seats`` computes the allocation (``quotas.site_seats``) for the deliberation's
sites, grouped by country; anyone who may view every site may see it. ``apply_seats``
computes it again in one transaction and sets each site's panel size (coordinators and
admins), one audit event per changed site. A site whose panel was already selected keeps
its size: the allocation counts its panel as fixed and shares the rest.

Two small functions say what a site brings: ``site_regions`` (its catchment's regions)
and ``site_size_range`` (the panel sizes its kind allows). They are the only places to
change when sites gain catchments and kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.populations import Populations, bundled_populations
from quotas.problems import KleroError
from quotas.seats import SeatMethod
from quotas.site_seats import SeatBasis, SitePlan, SiteUnit, allocate_sites
from recruitment import audit
from recruitment.catchment import panel_bounds
from recruitment.catchment import site_regions as catchment_regions
from recruitment.db import Database
from recruitment.models import Country, SelectionRun, Site
from recruitment.permissions import Action, Actor, require
from recruitment.usecases.common import deliberation_named, site_ref


def site_regions(site: Site) -> tuple[str, ...]:
    """The regions a site recruits from: its catchment, else its region (none: the country)."""
    return tuple(catchment_regions(site)) or ((site.region,) if site.region else ())


def site_size_range(site: Site) -> tuple[int, int]:
    """The fewest and most seats a site's panel may have (online sites: up to 10,000)."""
    return panel_bounds(site.kind)


@dataclass(frozen=True)
class SeatRequest:
    """What to share and how: see ``klero seats allocate --help``.

    ``minimum``/``maximum`` bound each site's panel, within its ``site_size_range``;
    ``populations`` None means the bundled table.
    """

    deliberation: str
    total: int
    method: SeatMethod = SeatMethod.PROPORTIONAL
    minimum: int = 0
    maximum: int | None = None
    base: int = 0
    by: SeatBasis = SeatBasis.COUNTRY
    populations: Populations | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CountrySeats:
    """A country's population and seats, and their shares of the deliberation's."""

    code: str
    name: str
    sites: int
    population: int
    population_share: float
    seats: int
    seat_share: float


@dataclass(frozen=True)
class SiteSeats:
    """A site's catchment population (share of the deliberation's), its size now and its seats."""

    code: str
    country: str
    regions: tuple[str, ...]
    population: float
    population_share: float
    panel_size: int
    seats: int
    seat_share: float
    selected: bool = False  # its panel is drawn: its seats are its panel size, fixed


@dataclass(frozen=True)
class SeatAllocation:
    """The allocation of a request, by country and by site; ``changed``: sites re-sized."""

    request: SeatRequest
    countries: list[CountrySeats]
    sites: list[SiteSeats]
    applied: bool = False
    changed: list[str] = field(default_factory=list)


def plan_seats(db: Database, actor: Actor, request: SeatRequest) -> SeatAllocation:
    """The allocation of ``request`` over the deliberation's sites; nothing changes."""
    with db.unit_of_work() as session:
        sites = _sites(session, request.deliberation)
        for site in sites:
            require(actor, Action.VIEW_SITE, site_ref(site))
        return _allocation(session, sites, request)


def apply_seats(db: Database, actor: Actor, request: SeatRequest) -> SeatAllocation:
    """Set every site's panel size to its seats in ``request``'s allocation, audited."""
    require(actor, Action.ALLOCATE_SEATS)
    with db.unit_of_work() as session:
        sites = _sites(session, request.deliberation, lock=True)
        found = _allocation(session, sites, request)
        seats = {s.code: s.seats for s in found.sites}
        changing = [site for site in sites if site.panel_size != seats[site.code]]
        for site in changing:
            before = site.panel_size
            site.panel_size = seats[site.code]
            audit.record(
                session,
                actor,
                "site.panel_size",
                "site",
                site.code,
                site_id=site.id,
                before={"panel_size": before},
                after={
                    "panel_size": site.panel_size,
                    "seats": {
                        "total": request.total,
                        "method": request.method.value,
                        "by": request.by.value,
                        "populations": _source(request),
                    },
                },
            )
        session.flush()
        changed = [site.code for site in changing]
        return SeatAllocation(request, found.countries, found.sites, True, changed)


def _source(request: SeatRequest) -> str:
    return "bundled" if request.populations is None else request.populations.source


def _sites(session: Session, deliberation: str, *, lock: bool = False) -> list[Site]:
    delib = deliberation_named(session, deliberation)
    query = (
        select(Site)
        .join(Country, Country.id == Site.country_id)
        .where(Country.deliberation_id == delib.id)
        .order_by(Country.code, Site.code)
    )
    if lock:
        query = query.with_for_update(of=Site)
    found = list(session.execute(query).scalars())
    if not found:
        raise KleroError("seats_deliberation_without_sites", deliberation=deliberation)
    return found


def _selected(session: Session, site_ids: list[int]) -> set[int]:
    """The sites among ``site_ids`` with a selected panel (a succeeded run)."""
    query = select(SelectionRun.site_id).where(
        SelectionRun.site_id.in_(site_ids), SelectionRun.status == "succeeded"
    )
    return set(session.execute(query).scalars())


def _allocation(session: Session, sites: list[Site], request: SeatRequest) -> SeatAllocation:
    units = []
    selected = _selected(session, [site.id for site in sites])
    for site in sites:
        low, high = site_size_range(site)
        top = high if request.maximum is None else min(high, request.maximum)
        if site.id in selected:  # its panel is drawn: its size is fixed
            low = top = site.panel_size
        else:
            low = max(low, request.minimum)
        units.append(SiteUnit(site.code, site.country.code, low, top, site_regions(site)))
    populations = request.populations or bundled_populations()
    plan = allocate_sites(
        units, populations, request.total, request.method, base=request.base, by=request.by
    )
    names = {site.country.code: site.country.name for site in sites}
    rows = _site_rows(plan, sites, {site.code for site in sites if site.id in selected})
    return SeatAllocation(request, _countries(plan, names), rows)


def _countries(plan: SitePlan, names: dict[str, str]) -> list[CountrySeats]:
    people = sum(plan.population.values())
    total = sum(plan.countries.values())
    counts = {c: 0 for c in plan.countries}
    for code in plan.sites:
        counts[plan.site_country[code]] += 1
    return [
        CountrySeats(
            code,
            names[code],
            counts[code],
            plan.population[code],
            plan.population[code] / people if people else 0.0,
            seats,
            seats / total if total else 0.0,
        )
        for code, seats in plan.countries.items()
    ]


def _site_rows(plan: SitePlan, sites: list[Site], fixed: set[str]) -> list[SiteSeats]:
    people = sum(plan.population.values())
    total = sum(plan.sites.values())
    shares = plan.catchment
    by_code = {site.code: site for site in sites}
    return [
        SiteSeats(
            code,
            plan.site_country[code],
            site_regions(by_code[code]),
            float(shares[code]),
            float(shares[code] / people) if people else 0.0,
            by_code[code].panel_size,
            seats,
            seats / total if total else 0.0,
            code in fixed,
        )
        for code, seats in plan.sites.items()
    ]
