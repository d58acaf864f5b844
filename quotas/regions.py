"""Countries and their first-level subdivisions (ISO 3166-1 and 3166-2, from ``pycountry``).

``pycountry`` ships the ISO data, so nothing is downloaded. A region is found by its ISO
3166-2 code (``FR-ARA``, or ``ARA`` within France) or by its name, matched regardless of
case, accents, hyphens, apostrophes and spaces: ``Bihar`` finds ``Bihār`` and
``Grand Est`` finds ``Grand-Est``. A catchment is one or more regions of one country,
written ``;``-separated; an empty catchment is the whole country.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from quotas.problems import Problem

#: Separates the regions of a catchment (and the languages of a site) in a cell.
LIST_SEPARATOR = ";"


@dataclass(frozen=True, order=True)
class Region:
    """A first-level subdivision: its ISO 3166-2 code and its name (without variants)."""

    code: str
    name: str


def match_key(text: str) -> str:
    """``text`` reduced for matching: no accents, case, spaces or punctuation.

    >>> match_key("Bihār") == match_key("bihar"), match_key("Grand Est") == match_key("Grand-Est")
    (True, True)
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum())


def country_name(code: str) -> str | None:
    """The English short name of the country with ISO 3166-1 alpha-2 ``code``, or None."""
    import pycountry

    cleaned = code.strip().upper()
    if len(cleaned) != 2 or not cleaned.isalpha():
        return None
    found = pycountry.countries.get(alpha_2=cleaned)
    return None if found is None else str(found.name)


@cache
def first_level(country: str) -> tuple[Region, ...]:
    """The first-level subdivisions of ``country`` (alpha-2), sorted by code."""
    import pycountry

    subdivisions = pycountry.subdivisions.get(country_code=country.upper()) or []
    return tuple(
        sorted(
            Region(str(s.code), str(s.name).split(" [")[0])
            for s in subdivisions
            if s.parent_code is None
        )
    )


@cache
def _index(country: str) -> Mapping[str, Region]:
    index: dict[str, Region] = {}
    for region in first_level(country):
        index.setdefault(match_key(region.code), region)
        index.setdefault(match_key(region.code.split("-", 1)[1]), region)
    for region in first_level(country):
        index[match_key(region.name)] = region  # a name wins over a short code
    return index


def find_region(country: str, text: str) -> Region | None:
    """The region of ``country`` that ``text`` names (code or name), or None."""
    key = match_key(text)
    return _index(country.upper()).get(key) if key else None


def split_list(text: str) -> list[str]:
    """The non-empty items of a ``;``-separated cell, trimmed."""
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def parse_catchment(
    country: str, text: str, params: Mapping[str, object], code: str = "region_unknown"
) -> tuple[list[Region], list[Problem]]:
    """The regions a ``;``-separated cell names (in order, without repeats) and the problems.

    A name that is no region of ``country`` is a problem ``code``, with ``params`` (e.g.
    the row and source) and the ``region`` and ``country``.
    """
    regions: list[Region] = []
    problems: list[Problem] = []
    for part in split_list(text):
        region = find_region(country, part)
        if region is None:
            problems.append(Problem(code, {**params, "region": part, "country": country.upper()}))
        elif region not in regions:
            regions.append(region)
    return regions, problems
