"""A uniform lottery of m panels that anyone can check, and the draw of one of them.

``round_to_lottery`` turns a Distribution into m equally likely panels (repeats allowed)
so that a public event can pick one: a number 0..m-1 drawn with lottery balls, or a
randomness beacon value. ``draw`` then fills the panel's seats with people.

The draw rule, so that a third party can re-implement it from this docstring alone:

* lottery number: ``public_number mod m``, or, for a seed,
  ``int(sha256("<input_sha256>:seed:<seed>"), 16) mod m``;
* within a type needing s seats, the s members with the smallest
  ``sha256("<input_sha256>:<number>:<method>:<value>:<id>")`` hex digests (ties by id),
  where method is ``seed`` or ``public_number`` and value the seed or public number.

Ranking people by a hash, rather than by a NumPy generator, keeps the draw independent
of the NumPy version and of any programming language: only SHA-256 is needed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from quotas.exports import write_table
from quotas.polytope import PanelShape
from quotas.pool import Pool
from quotas.problems import KleroError
from quotas.tables import read_table
from sampling.distribution import Distribution
from sampling.lottery_panels import (
    Composition,
    id_index,
    merged_support,
    read_pairs,
    seat_shares,
    seats_per_type,
)
from sampling.rounding import round_counts
from sampling.rounding_ip import round_min_drop


@dataclass(frozen=True, eq=False)
class Lottery:
    """m equally likely panels, each a composition over types (panels may repeat).

    ``max_change`` is the largest change of any person's selection probability against
    the distribution it was rounded from (NaN when read back from a file); ``rounding``
    says how the counts were found (None when read back from a file).
    """

    size: int
    ids: tuple[str, ...]
    type_of: np.ndarray
    panels: tuple[Composition, ...]
    m: int
    input_sha256: str
    max_change: float
    probabilities: pd.Series
    rounding: Rounding | None = None

    def members(self) -> list[np.ndarray]:
        """Row numbers of the people of each type, ascending."""
        return _members(self.type_of)

    def table(self) -> pd.DataFrame:
        """The public lottery table: one row per number 0..m-1 and its ``type:seats`` list."""
        return pd.DataFrame(
            {
                "number": range(self.m),
                "composition": [_composition_text(p) for p in self.panels],
            }
        )

    def types_table(self, pool: Pool | None = None) -> pd.DataFrame:
        """Each person's id and type, with their feature values when ``pool`` is given."""
        frame = pd.DataFrame({"id": list(self.ids), "type": self.type_of.tolist()})
        if pool is not None:
            features = pool.frame().reindex(list(self.ids))
            for feature in features.columns:
                frame[feature] = features[feature].to_numpy()
        return frame

    def verify_draw(
        self, ids: list[str], *, seed: int | None = None, public_number: int | None = None
    ) -> bool:
        """Whether ``ids`` is exactly the panel this lottery gives for the seed or public number."""
        return sorted(ids) == list(draw(self, seed=seed, public_number=public_number).ids)


@dataclass(frozen=True)
class Rounding:
    """How a lottery was rounded from its distribution, and what it cost (probabilities).

    ``method`` is ``swaps`` (single-seat swaps over the panel polytope),
    ``integer_program`` (HiGHS over every feasible panel, on small polytopes where a drop
    above 1 / m was left) or ``local_search`` (the support's panels only: no polytope at
    hand). ``drop_floor`` is a proven lower bound on the largest drop of every lottery of
    m feasible panels, computed only where the integer program ran (0 elsewhere: no
    claim); above ``1 / m`` it proves that no lottery of m panels meets the target.
    """

    method: str  # swaps, integer_program or local_search
    max_drop: float
    max_rise: float
    drop_floor: float
    panels: int  # distinct panels holding slots
    added: int
    seconds: float

    def target_met(self, m: int) -> bool:
        """Whether every drop is at most 1 / m (within round-off)."""
        return self.max_drop * m <= 1.0 + 1e-9

    def to_dict(self, m: int) -> dict[str, float | int | str | bool]:
        """The report's ``rounding`` section."""
        return {
            "method": self.method,
            "max_drop": self.max_drop,
            "max_rise": self.max_rise,
            "drop_target": 1.0 / m,
            "drop_target_met": self.target_met(m),
            "drop_floor": self.drop_floor,
            "drop_target_impossible": self.drop_floor * m > 1.0 + 1e-9,
            "panels_distinct": self.panels,
            "panels_added": self.added,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Draw:
    """One drawn panel: its lottery number, the people, and the randomness that chose them."""

    index: int
    rows: tuple[int, ...]
    ids: tuple[str, ...]
    method: Literal["seed", "public_number"]
    value: int
    input_sha256: str

    def verify(self, lottery: Lottery) -> bool:
        """Recompute the draw from ``lottery`` and say whether it gives this very panel."""
        if lottery.input_sha256 != self.input_sha256:
            return False
        kwargs = {"seed": self.value} if self.method == "seed" else {"public_number": self.value}
        again = draw(lottery, **kwargs)
        return (again.index, again.ids) == (self.index, self.ids)


# -- rounding -------------------------------------------------------------------------


def round_to_lottery(
    dist: Distribution,
    m: int = 1000,
    *,
    input_sha256: str = "",
    shape: PanelShape | None = None,
) -> Lottery:
    """Round a distribution to a uniform lottery over ``m`` panels (repeats allowed).

    First the iterative LP rounding of ``sampling.rounding.round_counts`` (in the style of
    Beck and Fiala: every probability changes by less than (k + 1) / m, k = panel size),
    then ``sampling.rounding_ip`` lowers the largest drop below the optimum to at most
    1 / m where it can (then the drops lexicographically, then the largest rise).
    ``shape``, the panel polytope over the distribution's types, lets it use panels
    outside the support.
    """
    if isinstance(m, bool) or not isinstance(m, int) or m <= 0:
        raise KleroError("lottery_size_invalid", m=m)
    support, weights, read = merged_support(dist.panels, np.asarray(dist.weights, float))
    type_of = np.asarray(dist.type_of, dtype=np.int64)
    share = seat_shares(support, type_of, read)
    start = round_counts(share, weights, m, dist.size)
    type_counts = np.bincount(type_of) if type_of.size else np.zeros(0, dtype=np.int64)
    # The lottery's index, built once; the distribution's probabilities are indexed by id
    # in pool order, so they are read as they are once the indexes agree (reindexing
    # 100,000 ids by name costs what building the index does).
    index = id_index(dist.ids)
    probabilities = dist.probabilities
    if not probabilities.index.equals(index):
        probabilities = probabilities.reindex(index)
    before = probabilities.to_numpy(dtype=float)
    per_type = np.zeros(type_counts.size)
    per_type[type_of] = before
    found = round_min_drop(
        support, start, per_type, type_counts, m, shape=shape, share=share, pairs=read
    )
    chosen = sorted(zip(found.panels, found.counts.tolist(), strict=True))
    listed: list[Composition] = []
    for p, c in chosen:
        listed += [p] * int(c)  # m can be 100,000: whole lists, not one panel at a time
    panels = tuple(listed)
    lottery = _make(
        dist.size, dist.ids, type_of, panels, input_sha256, math.nan, index=index, seats=found.seats
    )
    diff = lottery.probabilities.to_numpy() - before
    rounding = Rounding(
        method=found.method,
        max_drop=max(0.0, float(-diff.min(initial=0.0))),
        max_rise=max(0.0, float(diff.max(initial=0.0))),
        drop_floor=found.drop_floor,
        panels=len(found.panels),
        added=found.added,
        seconds=found.seconds,
    )
    change = float(np.max(np.abs(diff), initial=0.0))
    return replace(lottery, max_change=change, rounding=rounding)


# -- drawing --------------------------------------------------------------------------


def _members(type_of: np.ndarray) -> list[np.ndarray]:
    n_types = int(type_of.max()) + 1 if type_of.size else 0
    order = np.argsort(type_of, kind="stable")
    bounds = np.searchsorted(type_of[order], np.arange(n_types + 1))
    return [order[bounds[t] : bounds[t + 1]] for t in range(n_types)]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lottery_number(
    input_sha256: str, m: int, *, seed: int | None, public_number: int | None
) -> int:
    """The lottery number 0..m-1 chosen by a seed or a public number."""
    if (seed is None) == (public_number is None):
        raise KleroError("draw_source_invalid")
    if seed is not None:
        return int(_sha(f"{input_sha256}:seed:{int(seed)}"), 16) % m
    if isinstance(public_number, bool) or not isinstance(public_number, int | np.integer):
        raise KleroError("draw_public_number_invalid", value=public_number)
    if public_number < 0:
        raise KleroError("draw_public_number_invalid", value=public_number)
    return int(public_number) % m


def draw(lottery: Lottery, *, seed: int | None = None, public_number: int | None = None) -> Draw:
    """Draw the panel of a seed or of a public number (give exactly one), reproducibly.

    See the module docstring for the rule; ``Draw.verify`` recomputes it.
    """
    index = lottery_number(lottery.input_sha256, lottery.m, seed=seed, public_number=public_number)
    method: Literal["seed", "public_number"]
    if seed is not None:
        method, value = "seed", int(seed)
    elif public_number is not None:
        method, value = "public_number", int(public_number)
    else:  # pragma: no cover - lottery_number has refused a draw without either
        raise KleroError("draw_source_invalid")
    prefix = f"{lottery.input_sha256}:{index}:{method}:{value}:"
    groups = lottery.members()
    rows: list[int] = []
    for t, seats in lottery.panels[index]:
        group = groups[t]
        ranked = sorted(
            group.tolist(), key=lambda i: (_sha(prefix + lottery.ids[i]), lottery.ids[i])
        )
        rows.extend(ranked[:seats])
    rows.sort()
    return Draw(
        index=index,
        rows=tuple(rows),
        ids=tuple(lottery.ids[i] for i in rows),
        method=method,
        value=value,
        input_sha256=lottery.input_sha256,
    )


# -- building, writing and reading ----------------------------------------------------


def _make(
    size: int,
    ids: tuple[str, ...],
    type_of: np.ndarray,
    panels: tuple[Composition, ...],
    input_sha256: str,
    max_change: float,
    *,
    index: pd.Index | None = None,
    seats: np.ndarray | None = None,
) -> Lottery:
    """The lottery of ``panels``; ``index``, the ids' index when the caller has built it,
    spares building it again; ``seats``, each type's seats over the panels when the
    rounding has counted them (``RoundingOutcome.seats``), spares reading the panels
    again (m can be 100,000 panels, of few distinct ones: read, they are tallied first)."""
    counts = np.bincount(type_of) if type_of.size else np.zeros(0, dtype=np.int64)
    per_type = np.zeros(counts.size, dtype=float)
    if seats is None:
        tally: dict[Composition, int] = {}
        for panel in panels:
            tally[panel] = tally.get(panel, 0) + 1
        times = np.array(list(tally.values()), dtype=np.int64)
        seats = seats_per_type(read_pairs(list(tally)), times, counts.size)
    per_type += seats[: counts.size]
    per_type = np.divide(per_type, counts, out=np.zeros_like(per_type), where=counts > 0)
    per_type /= max(len(panels), 1)
    probabilities = pd.Series(
        per_type[type_of], index=id_index(ids) if index is None else index, name="probability"
    )
    return Lottery(
        size, tuple(ids), type_of, panels, len(panels), input_sha256, max_change, probabilities
    )


def _composition_text(panel: Composition) -> str:
    return " ".join(f"{t}:{s}" for t, s in panel)


def types_path(path: str | Path) -> Path:
    """Where ``write_lottery`` puts the id -> type table next to the lottery table."""
    p = Path(path)
    return p.with_name(f"{p.stem}_types{p.suffix or '.csv'}")


def write_lottery(lottery: Lottery, path: str | Path, pool: Pool | None = None) -> None:
    """Publish the lottery: ``path`` (number, composition) and ``<stem>_types.csv`` (id, type)."""
    write_table(lottery.table(), path)
    write_table(lottery.types_table(pool), types_path(path))


def read_lottery(path: str | Path, input_sha256: str = "") -> Lottery:
    """Read a lottery written by ``write_lottery`` (``max_change`` is unknown: NaN)."""
    name = str(path)
    table, _ = read_table(path)
    types, _ = read_table(types_path(path))
    try:
        numbers = [int(v) for v in table["number"]]
        if numbers != list(range(len(numbers))):
            raise ValueError("the numbers are not 0, 1, 2, ... in order")
        panels = tuple(_parse_composition(text) for text in table["composition"])
        frame = pd.DataFrame({"id": types["id"], "type": [int(v) for v in types["type"]]})
    except (KeyError, ValueError) as exc:
        raise KleroError("lottery_table_invalid", path=name) from exc
    frame = frame.sort_values("id", kind="stable")
    sizes = {sum(s for _, s in p) for p in panels}
    if len(sizes) != 1:
        raise KleroError("lottery_table_sizes_differ", path=name)
    type_of = frame["type"].to_numpy(dtype=np.int64)
    if panels and max(t for p in panels for t, _ in p) >= (type_of.max(initial=-1) + 1):
        raise KleroError("lottery_table_type_unknown", path=name)
    return _make(sizes.pop(), tuple(frame["id"]), type_of, panels, input_sha256, math.nan)


def _parse_composition(text: str) -> Composition:
    pairs = []
    for item in str(text).split():
        t, s = item.split(":")
        pairs.append((int(t), int(s)))
    return tuple(sorted(pairs))


def check_draw_from_table(
    path: str | Path,
    *,
    input_sha256: str,
    seed: int | None = None,
    public_number: int | None = None,
) -> list[str]:
    """Recompute the drawn panel's ids from a published lottery table, as a third party would."""
    return list(draw(read_lottery(path, input_sha256), seed=seed, public_number=public_number).ids)
