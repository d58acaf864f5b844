"""Populations of countries and their regions: the bundled world table, or a user's file.

The bundled table (``quotas/data/populations.csv``, described in ``populations.md``
beside it) gives every country's population by ISO 3166-1 alpha-2 code: World Bank
figures for 2019 where the World Bank has one (216 countries and territories), the
``countryinfo`` package's figures for 28 more. A user's file replaces it, in one of two
shapes (CSV or XLSX):

- ``unit, population``: a unit is a country (``IN``) or a first-level region by its
  ISO 3166-2 code (``IN-BR``);
- ``country, region, population``: a row with an empty region is the country's; else the
  region is a name (``Bihar``) or an ISO 3166-2 code.

Regions match regardless of case, accents, hyphens and spaces, and a code matches its
name: ``IN-BR``, ``Bihar`` and ``Bihār`` are one region.

>>> region_key("IN", "Bihār") == region_key("IN", "IN-BR") == region_key("in", " bihar ")
True
>>> region_key("FR", "Grand-Est") == region_key("FR", "grand est")
True
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

from quotas.formats import column_cells, header_key, missing_columns, whole_number
from quotas.problems import InvalidInput, KleroError, Problem, raise_if_errors
from quotas.seats import POPULATION_COLUMNS, read_populations
from quotas.tables import read_table

REGION_COLUMNS = ["country", "region", "population"]


@dataclass(frozen=True)
class Populations:
    """Countries' populations (ISO alpha-2 -> people) and their regions' (by ``region_key``)."""

    countries: dict[str, int]
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    source: str = ""

    def country(self, code: str) -> int | None:
        """The population of the country ``code`` (any case), or None when unknown."""
        return self.countries.get(code.strip().upper())

    def region(self, country: str, region: str) -> int | None:
        """The population of ``region`` of ``country`` (a name or code), or None."""
        code = country.strip().upper()
        return self.regions.get(code, {}).get(region_key(code, region))


def region_key(country: str, region: str) -> str:
    """The matching key of a region: its ISO 3166-2 name when ``region`` is a code, folded."""
    text = region.strip()
    named = _subdivision_names().get(text.upper())
    if named is not None and text.upper().startswith(country.strip().upper() + "-"):
        text = named
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


@cache
def _subdivision_names() -> dict[str, str]:
    import pycountry  # loaded on the first region lookup only

    return {s.code.upper(): s.name for s in pycountry.subdivisions}


@cache
def bundled_populations() -> Populations:
    """Every country's population from the table shipped with Kleroterion (see the docstring)."""
    text = files("quotas").joinpath("data", "populations.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return Populations({row["country"]: int(row["population"]) for row in rows}, {}, "bundled")


def read_area_populations(path: str | Path) -> Populations:
    """Countries' and regions' populations from a user's file (either shape above)."""
    frame, problems = read_table(path)
    keys = {header_key(c) for c in frame.columns}
    if not set(REGION_COLUMNS) <= keys:
        if not set(POPULATION_COLUMNS) <= keys:
            problems.append(
                missing_columns("seats_population_columns", str(path), frame, REGION_COLUMNS)
            )
            raise InvalidInput(problems)
        return _from_units(read_populations(path), str(path))
    rows = frame.attrs.get("row_numbers", range(2, len(frame) + 2))
    found = Populations({}, {}, str(path))
    for row, country, region, cell in zip(
        rows,
        column_cells(frame, "country"),
        column_cells(frame, "region"),
        column_cells(frame, "population"),
        strict=True,
    ):
        number = whole_number(cell.replace(",", "").replace("_", "").replace(" ", ""))
        unit = f"{country}/{region}" if region else country
        params = {"source": str(path), "row": int(row), "unit": unit, "population": cell}
        if not country:
            problems.append(Problem("seats_unit_missing", {"source": str(path), "row": int(row)}))
        elif number is None or number < 0:
            problems.append(Problem("seats_population_invalid_cell", params))
        elif not _add(found, country, region, number):
            problems.append(Problem("seats_unit_repeated", params))
    raise_if_errors(problems)
    return found


def _from_units(units: dict[str, int], source: str) -> Populations:
    found = Populations({}, {}, source)
    for unit, number in units.items():
        country, _, rest = unit.partition("-")
        if not _add(found, country, unit if rest else "", number):
            raise KleroError("seats_region_repeated", source=source, unit=unit)
    return found


def _add(found: Populations, country: str, region: str, number: int) -> bool:
    """Record one row; False when its country (or region) already has one."""
    code = country.strip().upper()
    if not region:
        if code in found.countries:
            return False
        found.countries[code] = number
        return True
    regions = found.regions.setdefault(code, {})
    key = region_key(code, region)
    if key in regions:
        return False
    regions[key] = number
    return True
