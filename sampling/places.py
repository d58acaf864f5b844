"""Places drawn with probability proportional to population: systematic PPS, verifiable.

How the Global Assembly 2021 and the European Citizens' Panels chose where to recruit.

Method (``PLACES_METHOD``):

1. Inclusion probabilities. A place of population p among places totalling T, when n
   places are to be drawn, has probability n·p/T. A place at least as large as the step
   T/n would exceed 1: it is taken with certainty, and the step is computed again on the
   others for the places still to draw, until no place is that large. The probabilities
   add up to n; places of population 0 are never drawn.
2. The draw. The other places are laid end to end in the order of the file, each as long
   as its probability; a random start u in [0, 1) and the points u, u+1, ..., u+n'-1
   pick the places they fall in (n' places, none twice, as each probability is below 1).
3. The start is public arithmetic: u = SHA-256(``input_sha256:stage:method:value``) read
   as a 256-bit integer divided by 2**256, where ``input_sha256`` is the SHA-256 of the
   places, populations, count and backups (``places_sha256``), ``stage`` is ``places``
   or ``backups``, ``method`` ``seed`` or ``public-number``. Computed in exact fractions.
4. Backups: a second systematic PPS draw, by the same rules, of ``backups`` places among
   those not drawn (stage ``backups``), listed in the file's order.

>>> draw = draw_places({"A": 500, "B": 300, "C": 150, "D": 50}, 2, seed=1)
>>> {name: str(p) for name, p in draw.probabilities.items()}
{'A': '1', 'B': '3/5', 'C': '3/10', 'D': '1/10'}
>>> draw.selected, len(draw.input_sha256)
(['A', 'B'], 64)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from quotas.problems import KleroError

PLACES_METHOD = "systematic-pps-1"


@dataclass(frozen=True)
class PlaceDraw:
    """A draw of places: what went in (hashed), the probabilities, the places and backups.

    ``selected`` and ``backups`` are in the file's order; ``certain`` are the places taken
    with certainty; ``start`` and ``backup_start`` the random starts of the two draws.
    """

    input_sha256: str
    method: str  # "seed" or "public-number"
    value: int
    count: int
    probabilities: dict[str, Fraction]
    certain: list[str]
    selected: list[str]
    backups: list[str]
    backup_probabilities: dict[str, Fraction]
    start: Fraction
    backup_start: Fraction | None


def inclusion_probabilities(populations: Mapping[str, int], count: int) -> dict[str, Fraction]:
    """Each place's chance of being drawn when ``count`` places are (see the module docstring).

    >>> inclusion_probabilities({"A": 6, "B": 3, "C": 1}, 2)
    {'A': Fraction(1, 1), 'B': Fraction(3, 4), 'C': Fraction(1, 4)}
    """
    populated = sum(1 for p in populations.values() if p > 0)
    if count > populated:
        raise KleroError("places_too_few", count=count, places=populated)
    left = {name: p for name, p in populations.items() if p > 0}
    certain: list[str] = []
    still = count
    while still > 0:
        total = sum(left.values())
        large = [name for name, p in left.items() if still * p >= total]
        if not large:
            break
        certain.extend(large)
        for name in large:
            del left[name]
        still -= len(large)
    total = sum(left.values())
    out: dict[str, Fraction] = {}
    for name, people in populations.items():
        if name in certain:
            out[name] = Fraction(1)
        elif people > 0 and still > 0:
            out[name] = Fraction(still * people, total)
        else:
            out[name] = Fraction(0)
    return out


def systematic_pick(probabilities: Mapping[str, Fraction], start: Fraction) -> list[str]:
    """The places that the points start, start+1, ... fall in, in the given order.

    A place of probability 1 is always picked; the others by the points on the line of
    their probabilities laid end to end.
    """
    # In integers over a common denominator (exact, and far faster than Fractions)
    scale = math.lcm(start.denominator, *(p.denominator for p in probabilities.values()))
    offset = start.numerator * (scale // start.denominator)
    picked: list[str] = []
    reached = 0
    for name, chance in probabilities.items():
        if chance.numerator >= chance.denominator:
            picked.append(name)
            continue
        before = -((offset - reached) // scale)  # ceil((reached - start) / 1)
        reached += chance.numerator * (scale // chance.denominator)
        if -((offset - reached) // scale) > before:
            picked.append(name)
    return picked


def places_sha256(populations: Mapping[str, int], count: int, backups: int) -> str:
    """The SHA-256 of the draw's inputs: method, places and populations in order, counts."""
    canonical = {
        "method": PLACES_METHOD,
        "places": [[name, int(people)] for name, people in populations.items()],
        "count": count,
        "backups": backups,
    }
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def random_start(input_sha256: str, stage: str, method: str, value: int) -> Fraction:
    """The start in [0, 1): SHA-256 of ``input_sha256:stage:method:value`` over 2**256."""
    digest = hashlib.sha256(f"{input_sha256}:{stage}:{method}:{value}".encode()).hexdigest()
    return Fraction(int(digest, 16), 2**256)


def draw_places(
    populations: Mapping[str, int],
    count: int,
    *,
    seed: int | None = None,
    public_number: int | None = None,
    backups: int = 0,
) -> PlaceDraw:
    """Draw ``count`` places (and ``backups``) by systematic PPS, from a seed or public number.

    Raises KleroError when a population is negative or when there are fewer populated
    places than ``count`` (+ ``backups``).
    """
    if (seed is None) == (public_number is None):
        raise KleroError("places_seed_or_number")
    for name, people in populations.items():
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            raise KleroError("seats_population_invalid", unit=name, population=str(people))
    method, value = ("seed", seed) if seed is not None else ("public-number", public_number)
    assert value is not None
    digest = places_sha256(populations, count, backups)
    chances = inclusion_probabilities(populations, count)
    start = random_start(digest, "places", method, value)
    selected = systematic_pick(chances, start)
    drawn = set(selected)
    rest = {name: p for name, p in populations.items() if name not in drawn}
    backup_chances: dict[str, Fraction] = {}
    backup_start = None
    chosen: list[str] = []
    if backups:
        if backups > sum(1 for p in rest.values() if p > 0):
            populated = sum(1 for p in rest.values() if p > 0)
            raise KleroError("places_too_few_backups", backups=backups, places=populated)
        backup_chances = inclusion_probabilities(rest, backups)
        backup_start = random_start(digest, "backups", method, value)
        chosen = systematic_pick(backup_chances, backup_start)
    return PlaceDraw(
        digest,
        method,
        value,
        count,
        chances,
        [name for name, p in chances.items() if p == 1],
        selected,
        chosen,
        backup_chances,
        start,
        backup_start,
    )
