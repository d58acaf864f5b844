"""A seating request split into independent cells: units, languages, time zones, chunks.

People who must share a table become one *unit* (seated whole). Units are grouped into
*blocks*, one per language and group of neighbouring time zones (zones are merged in
order of their offset until a block fills a table); each block gets its own tables, whose
sizes differ by at most one. A block larger than ``MAX_CELL`` people is dealt, in order
of the people's categories, into *cells* of about equal size and mix, each with its own
tables: cells are solved independently, which is what lets 10,000 people be seated in
seconds. Every check of the constraints that can be made without solving is made here.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quotas.problems import InvalidInput, Problem
from sampling.seating.model import SeatingImpossible, SeatingRequest

#: The most people solved together (larger blocks are dealt into cells of this size).
MAX_CELL = 300


@dataclass(frozen=True)
class Cell:
    """People seated together at their own tables: units, tables, constraints."""

    label: str
    units: tuple[np.ndarray, ...]  # each unit's people (indices into the request's ids)
    fixed: np.ndarray  # each unit's table (index into ``tables``), or -1
    tables: np.ndarray  # table numbers (from 1)
    sizes: np.ndarray  # each table's number of people
    apart: tuple[np.ndarray, ...]  # groups of units that never share a table

    @property
    def weights(self) -> np.ndarray:
        """Each unit's number of people."""
        return np.array([len(u) for u in self.units], dtype=np.int64)


def units_of(request: SeatingRequest) -> list[np.ndarray]:
    """The groups of people who must share a table (linked by ``together``), in id order."""
    index = _index(request)
    parent = list(range(len(request.ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for group in request.together:
        members = [index[p] for p in group]
        for other in members[1:]:
            a, b = root(members[0]), root(other)
            parent[max(a, b)] = min(a, b)
    found: dict[int, list[int]] = {}
    for i in range(len(request.ids)):
        found.setdefault(root(i), []).append(i)
    return [np.array(found[k], dtype=np.int64) for k in sorted(found)]


def _index(request: SeatingRequest) -> dict[str, int]:
    return {p: i for i, p in enumerate(request.ids)}


def check_request(request: SeatingRequest) -> None:
    """Raise InvalidInput listing every repeated id and unknown id of the constraints."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for person in request.ids:
        if person in seen:
            problems.append(Problem("tables_id_repeated", {"id": person}))
        seen.add(person)
    named = [("together", g) for g in request.together] + [("apart", g) for g in request.apart]
    named.append(("fixed", tuple(request.fixed)))
    for what, group in named:
        problems += [
            Problem("tables_id_unknown", {"id": p, "what": what}) for p in group if p not in seen
        ]
    problems += [
        Problem("tables_table_invalid", {"id": p, "table": t})
        for p, t in request.fixed.items()
        if t < 1
    ]
    if problems:
        raise InvalidInput(problems)


def make_cells(request: SeatingRequest, rng: np.random.Generator) -> list[Cell]:
    """The request's cells, in the order of their tables' numbers (checked, or raises)."""
    check_request(request)
    ids = request.ids
    units = units_of(request)
    unit_of = np.empty(len(ids), dtype=np.int64)
    for u, members in enumerate(units):
        unit_of[members] = u
    _check_units(request, units)
    cells: list[Cell] = []
    first_table = 1
    for label, block in _blocks(request, units):
        count = sum(len(units[u]) for u in block)
        tables = math.ceil(count / request.table_size)
        sizes = _sizes(count, tables)
        numbers = np.arange(first_table, first_table + tables)
        fixed = _fixed_tables(request, units, block, numbers, sizes)
        apart = _apart_groups(request, unit_of, block)
        for g in apart:
            if len(g) > tables:
                raise SeatingImpossible(
                    "tables_apart_too_many", id=ids[units[g[0]][0]], count=len(g), tables=tables
                )
        whole = Cell(
            label=label,
            units=tuple(units[u] for u in block),
            fixed=fixed,
            tables=np.asarray(numbers, dtype=np.int64),
            sizes=np.asarray(sizes, dtype=np.int64),
            apart=tuple(apart),
        )
        cells += _chunks(whole, request, rng)
        first_table += tables
    return cells


def _check_units(request: SeatingRequest, units: list[np.ndarray]) -> None:
    ids = request.ids
    where = {u_index: i for i, u in enumerate(units) for u_index in u.tolist()}
    for members in units:
        first = ids[members[0]]
        if len(members) > request.table_size:
            raise SeatingImpossible(
                "tables_together_too_large", id=first, count=len(members), size=request.table_size
            )
        tables = {request.fixed[ids[i]] for i in members if ids[i] in request.fixed}
        if len(tables) > 1:
            raise SeatingImpossible(
                "tables_fixed_conflict", id=first, tables=", ".join(map(str, sorted(tables)))
            )
        if request.languages is not None:
            spoken = sorted({request.languages[i] for i in members})
            if len(spoken) > 1:
                raise SeatingImpossible(
                    "tables_together_languages", id=first, languages=", ".join(spoken)
                )
    for group in request.apart:
        seen: dict[int, str] = {}
        for person in group:
            unit = where[_index(request)[person]]
            if unit in seen and seen[unit] != person:
                raise SeatingImpossible("tables_together_apart", id=seen[unit], other=person)
            seen[unit] = person


def _sizes(count: int, tables: int) -> np.ndarray:
    """``tables`` sizes adding up to ``count``, differing by at most one (larger first)."""
    base, extra = divmod(count, tables)
    return np.array([base + 1] * extra + [base] * (tables - extra), dtype=np.int64)


_ZONE = re.compile(r"^(?:utc|gmt)?\s*([+-−]?)\s*(\d{1,2})(?::?(\d{2}))?$", re.I)


def zone_offset(zone: str) -> float | None:
    """A time zone's offset from UTC in hours (``UTC+3``, ``+05:30``, ``-4``), or None."""
    text = zone.strip()
    if text.lower() in ("utc", "gmt", "z"):
        return 0.0
    found = _ZONE.match(text)
    if not found:
        return None
    sign = -1.0 if found.group(1) in ("-", "−") else 1.0
    return sign * (int(found.group(2)) + int(found.group(3) or 0) / 60)


def _zone_key(zone: str) -> tuple[int, float, str]:
    offset = zone_offset(zone)
    return (0, offset, "") if offset is not None else (1, 0.0, zone)


def _blocks(request: SeatingRequest, units: list[np.ndarray]) -> list[tuple[str, list[int]]]:
    """Units grouped by language, then by neighbouring time zones, each filling a table."""
    languages = request.languages
    zones = request.time_zones
    by_language: dict[str, list[int]] = {}
    for u, unit in enumerate(units):
        key = languages[unit[0]] if languages is not None else ""
        by_language.setdefault(key, []).append(u)
    blocks: list[tuple[str, list[int]]] = []
    for language in sorted(by_language):
        block = by_language[language]
        if zones is None:
            blocks.append((language, block))
            continue
        by_zone: dict[str, list[int]] = {}
        for u in block:
            by_zone.setdefault(zones[units[u][0]], []).append(u)
        groups: list[tuple[list[str], list[int]]] = []
        for zone in sorted(by_zone, key=_zone_key):
            if groups and sum(len(units[u]) for u in groups[-1][1]) < request.table_size:
                groups[-1][0].append(zone)
                groups[-1][1].extend(by_zone[zone])
            else:
                groups.append(([zone], list(by_zone[zone])))
        if len(groups) > 1 and sum(len(units[u]) for u in groups[-1][1]) < request.table_size:
            names, members = groups.pop()
            groups[-1][0].extend(names)
            groups[-1][1].extend(members)
        for names, members in groups:
            zone_label = names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"
            blocks.append((" ".join(filter(None, (language, zone_label))), members))
    return blocks


def _fixed_tables(
    request: SeatingRequest,
    units: list[np.ndarray],
    block: list[int],
    numbers: np.ndarray,
    sizes: np.ndarray,
) -> np.ndarray:
    """Each unit's fixed table as an index into ``numbers`` (-1: none); checked."""
    ids = request.ids
    fixed = np.full(len(block), -1, dtype=np.int64)
    seated = np.zeros(len(numbers), dtype=np.int64)
    for k, u in enumerate(block):
        tables = [request.fixed[ids[i]] for i in units[u] if ids[i] in request.fixed]
        if not tables:
            continue
        table = tables[0]
        if not numbers[0] <= table <= numbers[-1]:
            raise InvalidInput(
                [
                    Problem(
                        "tables_fixed_elsewhere",
                        {
                            "id": ids[units[u][0]],
                            "table": table,
                            "first": int(numbers[0]),
                            "last": int(numbers[-1]),
                        },
                    )
                ]
            )
        fixed[k] = table - numbers[0]
        seated[fixed[k]] += len(units[u])
        if seated[fixed[k]] > sizes[fixed[k]]:
            raise SeatingImpossible(
                "tables_table_full",
                table=table,
                count=int(seated[fixed[k]]),
                size=int(sizes[fixed[k]]),
            )
    return fixed


def _apart_groups(
    request: SeatingRequest, unit_of: np.ndarray, block: list[int]
) -> list[np.ndarray]:
    """The apart groups as positions in ``block`` (only the units of the block; 2 or more)."""
    position = {u: k for k, u in enumerate(block)}
    index = _index(request)
    groups = []
    for group in request.apart:
        found = sorted(
            {position[int(unit_of[index[p]])] for p in group if int(unit_of[index[p]]) in position}
        )
        if len(found) > 1:
            groups.append(np.array(found, dtype=np.int64))
    return groups


def profile_keys(request: SeatingRequest, units: Sequence[np.ndarray]) -> list[tuple[str, ...]]:
    """Each unit's categories (its first member's), criterion by criterion."""
    columns = [request.criteria[c] for c in request.criteria]
    return [tuple(column[members[0]] for column in columns) for members in units]


def _chunks(whole: Cell, request: SeatingRequest, rng: np.random.Generator) -> list[Cell]:
    """A block's cell dealt into cells of at most about ``MAX_CELL`` people, alike in their mix."""
    units, fixed, numbers, sizes = whole.units, whole.fixed, whole.tables, whole.sizes
    count = int(sizes.sum())
    parts = math.ceil(count / MAX_CELL)
    if parts == 1:
        return [whole]
    bounds = np.linspace(0, len(numbers), parts + 1).round().astype(np.int64)
    room = np.array([sizes[a:b].sum() for a, b in itertools.pairwise(bounds)], dtype=float)
    capacity = room.copy()
    chunk_of = np.full(len(units), -1, dtype=np.int64)
    for k in np.flatnonzero(fixed >= 0).tolist():
        chunk_of[k] = int(np.searchsorted(bounds, fixed[k], side="right") - 1)
        room[chunk_of[k]] -= len(units[k])
    keys = profile_keys(request, units)
    shuffled = rng.permutation(len(units))
    order = sorted(
        (int(k) for k in shuffled if fixed[k] < 0), key=lambda k: (-len(units[k]), keys[k])
    )
    for k in order:
        size = len(units[k])
        fits = np.flatnonzero(room >= size)
        if len(fits) == 0:
            raise SeatingImpossible("tables_impossible")
        best = fits[np.argmax(room[fits] / capacity[fits])]
        chunk_of[k] = best
        room[best] -= size
    cells = []
    for c, (a, b) in enumerate(itertools.pairwise(bounds)):
        members = np.flatnonzero(chunk_of == c)
        local = {int(k): j for j, k in enumerate(members)}
        sub_apart = []
        for g in whole.apart:
            inside = [local[int(k)] for k in g if int(k) in local]
            if len(inside) > 1:
                sub_apart.append(np.array(inside, dtype=np.int64))
        cells.append(
            Cell(
                label=whole.label,
                units=tuple(units[k] for k in members),
                fixed=np.where(fixed[members] >= 0, fixed[members] - a, -1).astype(np.int64),
                tables=numbers[a:b],
                sizes=sizes[a:b],
                apart=tuple(sub_apart),
            )
        )
    return cells
