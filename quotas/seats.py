"""Seats of a deliberation shared among countries (or sites) by population, within bounds.

Three methods, as real global deliberations used them:

- ``proportional``: Sainte-Laguë / Webster, the divisor method rounding to the nearest
  whole seat: each unit gets ``round(population / D)`` seats, clamped to its bounds, for
  the divisor D that makes the seats add up to the total.
- ``degressive``: the Cambridge Compromise (European Parliament): ``base + ceil(population
  / D)`` seats, clamped to the bounds; small units get more seats per inhabitant.
- ``equal``: the same number for every unit (World Wide Views: ~100 per site); the seats
  that do not divide evenly go to the most populous units.

Method. Every method hands out seats one at a time, each to the unit with the best
priority among those below their maximum, after giving each unit its minimum (and, for
``degressive``, its base). The priorities are the divisor methods' (``p / (2s + 1)`` for
Webster; ``p / a`` for Cambridge, ``a`` the seats above the base, so every populated
unit first gets one seat above its base), compared exactly in integers; ties go to the
larger population, then to the unit listed first. Handing out seats in order makes every
method *house-monotone*: with one more seat in total, no unit loses one. The divisor
methods are also *population-monotone*: a unit whose population grows, others
unchanged, never loses a seat.

>>> allocate({"FR": 68, "DE": 84, "LU": 1}, 20, SeatMethod.PROPORTIONAL)
{'FR': 9, 'DE': 11, 'LU': 0}
>>> allocate({"FR": 68, "DE": 84, "LU": 1}, 20, SeatMethod.DEGRESSIVE, base=2)
{'FR': 8, 'DE': 9, 'LU': 3}
>>> allocate({"FR": 68, "DE": 84, "LU": 1}, 20, SeatMethod.EQUAL)
{'FR': 7, 'DE': 7, 'LU': 6}
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

from quotas.formats import column_cells, header_key, missing_columns, whole_number
from quotas.problems import Choice, InvalidInput, KleroError, Problem, raise_if_errors
from quotas.tables import read_table


class SeatMethod(Choice, unknown="seats_method_unknown", param="method"):
    """How a total of seats is shared among units (see the module docstring)."""

    PROPORTIONAL = "proportional"
    DEGRESSIVE = "degressive"
    EQUAL = "equal"


def allocate(
    populations: Mapping[str, int],
    total: int,
    method: SeatMethod = SeatMethod.PROPORTIONAL,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    base: int = 0,
) -> dict[str, int]:
    """Share ``total`` seats among the units of ``populations``, each within [minimum, maximum].

    ``base`` (``degressive`` only) is the Cambridge Compromise's fixed seats per unit,
    given before the proportional part (at least the minimum). Raises KleroError when a
    population is negative or not whole, or when the bounds cannot add up to ``total``.
    """
    for unit, value in populations.items():
        _population(unit, value)
    cap = total if maximum is None else maximum
    start = max(minimum, base) if method is SeatMethod.DEGRESSIVE else minimum
    _check_bounds(len(populations), total, start, minimum, cap)
    return _hand_out(populations, total, method, {u: (start, cap) for u in populations}, base)


def allocate_bounded(
    populations: Mapping[str, int],
    total: int,
    method: SeatMethod,
    bounds: Mapping[str, tuple[int, int]],
    *,
    base: int = 0,
) -> dict[str, int]:
    """``allocate`` with each unit's own (fewest, most) seats, e.g. a country's sites' sum.

    Raises KleroError when a unit's bounds are crossed (``base`` counts as its fewest
    for ``degressive``) or when the bounds cannot add up to ``total``.

    >>> bounds = {"FR": (0, 6), "LU": (2, 9)}
    >>> allocate_bounded({"FR": 68, "LU": 1}, 10, SeatMethod.PROPORTIONAL, bounds)
    {'FR': 6, 'LU': 4}
    """
    if not populations:
        raise KleroError("seats_no_units")
    starts: dict[str, tuple[int, int]] = {}
    for unit, (low, high) in bounds.items():
        start = max(low, base) if method is SeatMethod.DEGRESSIVE else low
        if low < 0 or high < start:
            raise KleroError("seats_bounds_invalid", minimum=start, maximum=high)
        starts[unit] = (start, high)
    low_sum = sum(starts[u][0] for u in populations)
    high_sum = sum(starts[u][1] for u in populations)
    if not low_sum <= total <= high_sum:
        raise KleroError("seats_total_outside_bounds", total=total, low=low_sum, high=high_sum)
    return _hand_out(populations, total, method, starts, base)


def _hand_out(
    populations: Mapping[str, int],
    total: int,
    method: SeatMethod,
    bounds: Mapping[str, tuple[int, int]],
    base: int,
) -> dict[str, int]:
    """Each unit's start seats, then one seat at a time by priority (bounds already checked)."""
    units = list(populations)
    people = [_population(unit, populations[unit]) for unit in units]
    seats = [bounds[unit][0] for unit in units]
    caps = [bounds[unit][1] for unit in units]
    rank = {i: r for r, i in enumerate(_priority_order(people))}

    def entry(i: int) -> tuple[tuple[int, Fraction, int], int]:
        return _priority(method, people[i], seats[i], base, rank[i]), i

    waiting = [entry(i) for i in range(len(units)) if seats[i] < caps[i]]
    heapq.heapify(waiting)
    for _ in range(total - sum(seats)):
        _, best = heapq.heappop(waiting)  # the caps leave room for every seat (checked)
        seats[best] += 1
        if seats[best] < caps[best]:
            heapq.heappush(waiting, entry(best))
    return dict(zip(units, seats, strict=True))


def _population(unit: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise KleroError("seats_population_invalid", unit=unit, population=str(value))
    return value


def _check_bounds(units: int, total: int, start: int, minimum: int, cap: int) -> None:
    if units == 0:
        raise KleroError("seats_no_units")
    if minimum < 0 or cap < start:
        raise KleroError("seats_bounds_invalid", minimum=start, maximum=cap)
    if total < units * start:
        raise KleroError(
            "seats_total_below_minimum", total=total, units=units, minimum=start, low=units * start
        )
    if total > units * cap:
        raise KleroError(
            "seats_total_above_maximum", total=total, units=units, maximum=cap, high=units * cap
        )


def _priority_order(people: list[int]) -> list[int]:
    """Unit positions by population, largest first; ties in the order given (stable)."""
    return sorted(range(len(people)), key=lambda i: -people[i])


def _priority(
    method: SeatMethod, people: int, seats: int, base: int, rank: int
) -> tuple[int, Fraction, int]:
    """A unit's claim to its next seat: the smallest key gets it (exact, ties by ``rank``)."""
    if method is SeatMethod.EQUAL:
        return 0, Fraction(seats), rank
    if method is SeatMethod.PROPORTIONAL:
        return 0, -Fraction(people, 2 * seats + 1), rank
    # Cambridge: a unit with a seats above the base reaches ceil(p / D) = a + 1 when
    # p / a > D, so its priority is p / a: infinite for a first seat when p > 0
    above = seats - base
    if above == 0:
        return (-1 if people > 0 else 0), Fraction(0), rank
    return 0, -Fraction(people, above), rank


POPULATION_COLUMNS = ["unit", "population"]


def read_populations(path: str | Path, name: str = "unit") -> dict[str, int]:
    """The ``unit, population`` table of a CSV or XLSX file, in file order.

    ``name`` is the first column's name (``place`` for ``klero locations draw``).

    ``unit`` names a country (ISO code), region or site; ``population`` is a whole number
    of at least 0. Raises InvalidInput listing every problem (row numbers as shown in a
    spreadsheet) when the file cannot be used.
    """
    frame, problems = read_table(path)
    source = str(path)
    keys = {header_key(c) for c in frame.columns}
    expected = [name, "population"]
    if not set(expected) <= keys:
        problems.append(missing_columns("seats_population_columns", source, frame, expected))
        raise InvalidInput(problems)
    rows = frame.attrs.get("row_numbers", range(2, len(frame) + 2))
    out: dict[str, int] = {}
    seen: set[str] = set()
    for row, unit, cell in zip(
        rows, column_cells(frame, name), column_cells(frame, "population"), strict=True
    ):
        number = whole_number(cell.replace(",", "").replace("_", "").replace(" ", ""))
        if not unit:
            problems.append(Problem("seats_unit_missing", {"source": source, "row": int(row)}))
        elif unit in seen:
            problems.append(
                Problem("seats_unit_repeated", {"source": source, "row": int(row), "unit": unit})
            )
        elif number is None or number < 0:
            params = {"source": source, "row": int(row), "unit": unit, "population": cell}
            problems.append(Problem("seats_population_invalid_cell", params))
        else:
            out[unit] = number
        seen.add(unit)
    raise_if_errors(problems)
    return out
