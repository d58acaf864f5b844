"""A deliberation's seats shared among its countries, then among each country's sites.

Two stages, each one of ``quotas.seats``' methods, so both stay house-monotone:

1. countries by population (``proportional`` or ``degressive``), each country within the
   sum of its sites' bounds (``degressive``: ``base`` seats per country first);
2. each country's seats among its sites: equally (``by=country``), or by catchment
   population (``by=region``: Sainte-Laguë on the population of each site's regions, a
   region shared by several sites of the country split equally among them).

``equal`` gives every site of the deliberation the same panel (World Wide Views), in one
stage: the seats that do not divide evenly go to the sites of the most populous countries.

>>> sites = [SiteUnit("FR-1", "FR", 0, 100), SiteUnit("FR-2", "FR", 0, 100),
...          SiteUnit("LU-1", "LU", 0, 100)]
>>> people = Populations({"FR": 68, "LU": 1})
>>> plan = allocate_sites(sites, people, 150, SeatMethod.DEGRESSIVE, base=20)
>>> plan.countries, plan.sites
({'FR': 128, 'LU': 22}, {'FR-1': 64, 'FR-2': 64, 'LU-1': 22})
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from quotas.populations import Populations, region_key
from quotas.problems import Choice, KleroError, Problem, raise_if_errors
from quotas.seats import SeatMethod, allocate_bounded


class SeatBasis(Choice, unknown="seats_basis_unknown", param="basis"):
    """How a country's seats are shared among its sites."""

    COUNTRY = "country"  # equally
    REGION = "region"  # by the population of each site's regions


@dataclass(frozen=True)
class SiteUnit:
    """A site as the allocation sees it: its country, the fewest and most seats, its regions."""

    code: str
    country: str
    low: int
    high: int
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SitePlan:
    """Seats per country and per site, and the populations they were shared by.

    ``catchment`` is each site's population: its equal share of its country's
    (``by=country``) or of its regions' (``by=region``, a region shared by k sites
    counting 1/k for each); a fraction when it does not divide.
    """

    countries: dict[str, int]
    sites: dict[str, int]
    population: dict[str, int]
    catchment: dict[str, Fraction]
    site_country: dict[str, str]


def allocate_sites(
    sites: Sequence[SiteUnit],
    populations: Populations,
    total: int,
    method: SeatMethod,
    *,
    base: int = 0,
    by: SeatBasis = SeatBasis.COUNTRY,
) -> SitePlan:
    """Share ``total`` seats among ``sites`` (see the module docstring).

    Raises KleroError when there is no site, a country has no population, or (``by=region``)
    a site of a country with several sites has no region with a population; and when the
    sites' bounds cannot add up to ``total``.
    """
    if not sites:
        raise KleroError("seats_no_units")
    ordered = sorted(sites, key=lambda s: (s.country, s.code))
    by_country: dict[str, list[SiteUnit]] = {}
    for site in ordered:
        by_country.setdefault(site.country, []).append(site)
    population = _country_populations(by_country, populations)
    catchment = _catchments(by_country, populations, population, by)
    if method is SeatMethod.EQUAL:
        weights = _whole_weights(catchment)
        bounds = {s.code: (s.low, s.high) for s in ordered}
        seats = allocate_bounded(weights, total, method, bounds)
    else:
        country_bounds = {
            c: (sum(s.low for s in group), sum(s.high for s in group))
            for c, group in by_country.items()
        }
        countries = allocate_bounded(population, total, method, country_bounds, base=base)
        seats = {}
        for country, group in by_country.items():
            inner = SeatMethod.EQUAL if by is SeatBasis.COUNTRY else SeatMethod.PROPORTIONAL
            weights = _whole_weights({s.code: catchment[s.code] for s in group})
            bounds = {s.code: (s.low, s.high) for s in group}
            seats.update(allocate_bounded(weights, countries[country], inner, bounds))
    totals = {c: sum(seats[s.code] for s in group) for c, group in by_country.items()}
    sites_seats = {s.code: seats[s.code] for s in ordered}
    country_of = {s.code: s.country for s in ordered}
    return SitePlan(totals, sites_seats, population, catchment, country_of)


def _country_populations(
    by_country: dict[str, list[SiteUnit]], populations: Populations
) -> dict[str, int]:
    found: dict[str, int] = {}
    problems = []
    for country in by_country:
        people = populations.country(country)
        if people is None:
            problems.append(Problem("seats_country_population_missing", {"country": country}))
        else:
            found[country] = people
    raise_if_errors(problems)
    return found


def _catchments(
    by_country: dict[str, list[SiteUnit]],
    populations: Populations,
    population: dict[str, int],
    by: SeatBasis,
) -> dict[str, Fraction]:
    """Each site's population (see ``SitePlan``); every missing region reported at once."""
    out: dict[str, Fraction] = {}
    problems = []
    for country, group in by_country.items():
        if by is SeatBasis.COUNTRY or len(group) == 1:
            out.update({s.code: Fraction(population[country], len(group)) for s in group})
            continue
        regions = {s.code: {region_key(country, r): r for r in s.regions} for s in group}
        sharing: dict[str, int] = {}
        for site in group:
            for key in regions[site.code]:
                sharing[key] = sharing.get(key, 0) + 1
        for site in group:
            weight = Fraction(0)
            for region in regions[site.code].values():
                people = populations.region(country, region)
                if people is None:
                    params = {"site": site.code, "country": country, "region": region}
                    problems.append(Problem("seats_region_population_missing", params))
                else:
                    weight += Fraction(people, sharing[region_key(country, region)])
            if not site.regions:
                params = {"site": site.code, "country": country}
                problems.append(Problem("seats_site_region_missing", params))
            out[site.code] = weight
    raise_if_errors(problems)
    return out


def _whole_weights(catchment: dict[str, Fraction]) -> dict[str, int]:
    """The same proportions as whole numbers (the seat methods compare integers)."""
    scale = math.lcm(*(f.denominator for f in catchment.values())) if catchment else 1
    return {code: int(f * scale) for code, f in catchment.items()}
