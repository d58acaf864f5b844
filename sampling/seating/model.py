"""What a seating asks for and what it gives: participants, tables, rounds, constraints, figures.

A *seating* puts every participant at one table per round. The request names who must
share a table in every round (``together``), who must never share one (``apart``), who
sits at a fixed table in every round (``fixed``: facilitators), and optionally each
person's language and time zone (people meet only at tables of their language, and
online groups are formed within a few neighbouring time zones).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quotas.problems import KleroError

#: The seating engine's version: it changes whenever a seating could change for the same
#: request (and seed).
SEATING_ENGINE = "2026-12-07.2"
#: CP-SAT's limit per solve (a cell in a round), in deterministic seconds.
DEFAULT_SEATING_EFFORT = 5.0


class SeatingImpossible(KleroError):
    """Valid input, but no seating meets the constraints (exit 1, like infeasible quotas)."""

    exit_code = 1


@dataclass(frozen=True)
class SeatingRequest:
    """Who is seated, balanced on what, at tables of how many, for how many rounds.

    ``criteria`` maps each balance criterion to every person's category, in the order of
    ``ids``; ``fixed`` maps a person to a table number (from 1) for every round;
    ``languages`` and ``time_zones`` give each person's, in the order of ``ids``.
    """

    ids: tuple[str, ...]
    criteria: Mapping[str, Sequence[str]]
    table_size: int
    rounds: int
    seed: int
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, ...], ...] = ()
    fixed: Mapping[str, int] = field(default_factory=dict)
    languages: Sequence[str] | None = None
    time_zones: Sequence[str] | None = None
    effort: float = DEFAULT_SEATING_EFFORT

    def __post_init__(self) -> None:
        if self.table_size < 2:
            raise KleroError("tables_size_invalid", size=self.table_size)
        if self.rounds < 1:
            raise KleroError("tables_rounds_invalid", rounds=self.rounds)
        if not self.ids:
            raise KleroError("tables_no_people")


Groups = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SeatingSettings:
    """How to seat a panel, people named by their ids: the balance criteria, the tables and
    rounds, the columns of each person's language and time zone (and of the name a plan
    shows), and the constraints (``together``, ``apart``, ``fixed``: ``read_constraints``).

    One form for ``klero tables`` on files, for a stored site's panel and for the
    dashboard: ``request`` turns it into the ``SeatingRequest`` of the people seated.
    """

    balance: tuple[str, ...]
    table_size: int
    rounds: int = 1
    seed: int = 0
    effort: float = DEFAULT_SEATING_EFFORT
    language_column: str | None = None
    time_zone_column: str | None = None
    name_column: str | None = None
    together: Groups = ()
    apart: Groups = ()
    fixed: dict[str, int] = field(default_factory=dict)

    def request(
        self,
        ids: Sequence[str],
        column: Callable[[str], tuple[str, ...]],
        own: Callable[[str], str] = str,
    ) -> SeatingRequest:
        """The request seating ``ids``: ``column`` gives everyone's value of a column (in
        the order of ``ids``); ``own`` turns a person named in a constraint into their id."""

        def optional(name: str | None) -> tuple[str, ...] | None:
            return None if name is None else column(name)

        return SeatingRequest(
            ids=tuple(ids),
            criteria={c: column(c) for c in self.balance},
            table_size=self.table_size,
            rounds=self.rounds,
            seed=self.seed,
            together=tuple(tuple(map(own, g)) for g in self.together),
            apart=tuple(tuple(map(own, g)) for g in self.apart),
            fixed={own(k): t for k, t in self.fixed.items()},
            languages=optional(self.language_column),
            time_zones=optional(self.time_zone_column),
            effort=self.effort,
        )


@dataclass(frozen=True)
class TableFigure:
    """One table in one round: its people, and how far its mix is from the panel's."""

    round: int
    table: int
    size: int
    label: str
    deviation: float


@dataclass(frozen=True)
class SeatingFigures:
    """How good a seating is: deviation per table and round, and the pairs who meet again.

    A table's deviation is the sum, over every criterion and category, of the distance
    between the people of that category at the table and the table's share of them (its
    size times the category's share of the panel), in people. ``repeated_pairs`` lists
    every pair at the same table in more than one round (``times`` rounds), leaving out
    the pairs who must share a table.
    """

    tables: tuple[TableFigure, ...]
    repeated_pairs: tuple[tuple[str, str, int], ...]

    @property
    def deviation(self) -> float:
        """The mean deviation of a table, over every table and round (people)."""
        return float(np.mean([t.deviation for t in self.tables])) if self.tables else 0.0

    @property
    def worst_deviation(self) -> float:
        """The largest deviation of any table in any round (people)."""
        return max((t.deviation for t in self.tables), default=0.0)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: mean and largest deviation, the number of repeated pairs."""
        return {
            "deviation": round(self.deviation, 4),
            "worst_deviation": round(self.worst_deviation, 4),
            "repeated_pairs": len(self.repeated_pairs),
        }


@dataclass(frozen=True)
class Seating:
    """Every person's table in every round (``tables[r, i]``, from 1), with its figures.

    ``random`` holds the figures of a random seating of the same tables (drawn with the
    seed; each person at a table of their language, other constraints not applied), for
    comparison; ``floor`` is a mean deviation per
    table that no seating of these tables can go below; ``solves`` counts how each part of
    the seating ended (``cp-sat optimal``, ``cp-sat feasible``, ``greedy``).
    """

    request: SeatingRequest
    tables: np.ndarray
    labels: Mapping[int, str]
    figures: SeatingFigures
    random: SeatingFigures
    solves: Mapping[str, int]
    floor: float = 0.0
    engine: str = SEATING_ENGINE

    @property
    def table_count(self) -> int:
        """How many tables there are (the same in every round)."""
        return len(self.labels)

    def rows(self) -> list[dict[str, Any]]:
        """``id, round, table`` rows, round by round, in the order of the ids."""
        ids = self.request.ids
        return [
            {"id": ids[i], "round": r + 1, "table": int(self.tables[r, i])}
            for r in range(self.tables.shape[0])
            for i in range(len(ids))
        ]
