"""A site's catchment and kind: the regions it recruits from, and its panel size bounds.

A site recruits from its whole country (no regions) or from one or more first-level
subdivisions (``Site.regions``, ISO 3166-2 names; ``Site.region`` is the first of them).
An online site has no place and may have a panel of up to ``ONLINE_PANEL_SIZE_MAX``;
an in-person site's panel is ``PANEL_SIZE_MIN`` to ``PANEL_SIZE_MAX``.
"""

from __future__ import annotations

from collections.abc import Sequence

from quotas.problems import Problem
from quotas.regions import Region, parse_catchment
from recruitment.models import (
    ONLINE_PANEL_SIZE_MAX,
    PANEL_SIZE_MAX,
    PANEL_SIZE_MIN,
    SITE_KINDS,
    Site,
)


def site_regions(site: Site) -> list[str]:
    """The names of the regions ``site`` recruits from; [] means its whole country."""
    return [str(r) for r in site.regions or []]


def site_catchment(site: Site) -> list[Region]:
    """``site``'s catchment as regions of its country (names no longer known are left out)."""
    regions, _ = parse_catchment(site.country.code, ";".join(site_regions(site)), {})
    return regions


def panel_bounds(kind: str) -> tuple[int, int]:
    """The smallest and largest panel of a site of ``kind``."""
    if kind == "online":
        return PANEL_SIZE_MIN, ONLINE_PANEL_SIZE_MAX
    return PANEL_SIZE_MIN, PANEL_SIZE_MAX


def kind_problems(kind: str, code: str, params: dict[str, object]) -> list[Problem]:
    """A problem ``code`` if ``kind`` is not a site kind."""
    if kind in SITE_KINDS:
        return []
    return [Problem(code, {**params, "kind": kind, "known": ", ".join(SITE_KINDS)})]


def size_problems(kind: str, size: int, code: str, params: dict[str, object]) -> list[Problem]:
    """A problem ``code`` if a panel of ``size`` does not fit a site of ``kind``."""
    low, high = panel_bounds(kind)
    if low <= size <= high:
        return []
    return [Problem(code, {**params, "size": size, "min": low, "max": high})]


def catchment_names(regions: Sequence[Region]) -> list[str]:
    """The names stored in ``Site.regions`` for a catchment."""
    return [r.name for r in regions]
