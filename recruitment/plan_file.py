"""A deliberation's plan file read and checked row by row (no database): sites and their files.

Columns (header names matched like other tables: case, spaces, hyphens ignored):
``site_code, site_name, country, region, partner, panel_size, kind, languages, pool_file,
margins_file, address_columns, tolerance_points``. Only ``site_code, site_name, country,
partner`` are required, in every row. ``region`` is the catchment (``;``-separated
regions of the country, ``quotas.regions``; empty = the whole country); ``kind`` is
``in_person`` (default) or ``online``; ``languages`` are ``;``-separated BCP-47 tags;
file paths are relative to the plan file and may not leave its folder;
``address_columns`` are ``;``-separated pool columns that make households.
Every problem has the row's number (the header is row 1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd

from quotas.formats import column_cells, header_key
from quotas.problems import Problem
from quotas.regions import Region, country_name, parse_catchment, split_list
from recruitment.catchment import kind_problems, size_problems

REQUIRED = ("site_code", "site_name", "country", "partner")
OPTIONAL = (
    "region",
    "panel_size",
    "kind",
    "languages",
    "pool_file",
    "margins_file",
    "address_columns",
    "tolerance_points",
)
#: A new site's panel when the plan gives none (``klero seats allocate --apply`` sets it).
DEFAULT_PANEL_SIZE = 100
NAME_MAX, CODE_MAX = 200, 60
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class PlanRow:
    """One site of the plan, checked; file paths resolved."""

    row: int
    code: str
    name: str
    country: str  # ISO 3166-1 alpha-2, upper case
    country_name: str
    regions: list[Region]
    partner: str
    panel_size: int | None
    kind: str
    languages: list[str]
    pool_file: Path | None
    margins_file: Path | None
    address_columns: list[str] = field(default_factory=list)
    tolerance_points: float | None = None


def read_plan_frame(frame: pd.DataFrame, folder: Path) -> tuple[list[PlanRow], list[Problem]]:
    """The plan's rows and every problem (the rows are only usable without errors)."""
    keys = {header_key(c) for c in frame.columns}
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        return [], [Problem("plan_missing_columns", {"missing": ", ".join(missing)})]
    numbers = frame.attrs.get("row_numbers")
    cells = {c: column_cells(frame, c) for c in (*REQUIRED, *OPTIONAL)}
    rows: list[PlanRow] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for index in range(len(frame)):
        number = int(numbers[index]) if numbers is not None else index + 2
        values = {c: cells[c][index] for c in cells}
        row, found = _row(number, values, folder)
        code = values["site_code"]
        if code and code in first_row:
            params = {"row": number, "site": code, "first": first_row[code]}
            found.append(Problem("plan_site_repeated", params))
        first_row.setdefault(code, number)
        problems += found
        if row is not None:
            rows.append(row)
    if not len(frame):
        problems.append(Problem("plan_empty"))
    return rows, problems


def _row(number: int, v: dict[str, str], folder: Path) -> tuple[PlanRow | None, list[Problem]]:
    at: dict[str, object] = {"row": number}
    problems = [Problem("plan_blank_cell", {**at, "column": c}) for c in REQUIRED if not v[c]]
    for column, limit in (("site_code", CODE_MAX), ("site_name", NAME_MAX), ("partner", NAME_MAX)):
        if len(v[column]) > limit:
            params = {**at, "column": column, "length": len(v[column]), "max": limit}
            problems.append(Problem("plan_cell_too_long", params))
    country = v["country"].strip().upper()
    name = country_name(country) if country else None
    regions: list[Region] = []
    if country and name is None:
        problems.append(Problem("plan_country_unknown", {**at, "country": v["country"]}))
    elif country:
        regions, found = parse_catchment(country, v["region"], at, "plan_region_unknown")
        problems += found
    kind = v["kind"].strip().lower() or "in_person"
    problems += kind_problems(kind, "plan_kind_unknown", at)
    size = _size(v["panel_size"], kind, v["site_code"], at, problems)
    languages = split_list(v["languages"])
    problems += [
        Problem("plan_language_invalid", {**at, "language": t})
        for t in languages
        if not _LANGUAGE.fullmatch(t)
    ]
    points = _points(v["tolerance_points"], at, problems)
    pool = _path(folder, v["pool_file"], "pool_file", at, problems)
    margins = _path(folder, v["margins_file"], "margins_file", at, problems)
    if problems:
        return None, problems
    row = PlanRow(
        number,
        v["site_code"],
        v["site_name"],
        country,
        str(name),
        regions,
        v["partner"],
        size,
        kind,
        languages,
        pool,
        margins,
        split_list(v["address_columns"]),
        points,
    )
    return row, []


def _size(
    text: str, kind: str, site: str, at: dict[str, object], problems: list[Problem]
) -> int | None:
    if not text:
        return None
    number = _number(text)
    if not math.isfinite(number) or number != int(number):
        problems.append(Problem("plan_panel_size_not_number", {**at, "text": text}))
        return None
    code = "plan_panel_size_out_of_range"
    problems += size_problems(kind, int(number), code, {**at, "site": site})
    return int(number)


def _points(text: str, at: dict[str, object], problems: list[Problem]) -> float | None:
    if not text:
        return None
    number = _number(text)
    if not math.isfinite(number) or number < 0:
        problems.append(Problem("plan_tolerance_invalid", {**at, "text": text}))
        return None
    return number


def _number(text: str) -> float:
    """The number a cell holds, NaN when it holds none (the callers say what was wrong)."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _path(
    folder: Path, text: str, column: str, at: dict[str, object], problems: list[Problem]
) -> Path | None:
    """The file a cell names, relative to the plan's folder (never outside it), or None."""
    if not text:
        return None
    windows = "\\" in text
    parts: Sequence[str] = (PureWindowsPath if windows else PurePosixPath)(text).parts
    inside = parts and not PurePosixPath(text).is_absolute() and not PureWindowsPath(text).drive
    if not inside or ".." in parts:
        problems.append(Problem("plan_file_outside", {**at, "column": column, "file": text}))
        return None
    path = folder.joinpath(*parts)
    if not path.is_file():
        problems.append(Problem("plan_file_missing", {**at, "column": column, "file": text}))
        return None
    return path
