"""What a deliberation's report holds, and the pooled balance every multi-site view uses.

Pure (pandas, no database): ``recruitment.usecases.reports`` fills a ``Report``; the
files (``recruitment.reports``), the dashboard's overview and its Representativeness
page read it or call ``pooled_balance`` on their own rows, so every view of a group of
sites shows the same numbers.

Pooling (``pooled_balance``). Sites are pooled criterion by criterion: the base of a
criterion in a unit is every site of the unit whose quotas have that criterion. A
category's pooled share is its selected people summed over those sites divided by their
seats summed; its pooled target is the sites' target shares weighted by each site's
weight (its panel size), over the same sites. A site without a category counts 0 for it
(its people are in its other categories), so, per criterion, pooled targets add up to 100 %
when each site's targets do, and so do the panel's and the pool's shares. A unit's weight
is its seats: seats are allocated to countries and sites by population (``klero seats
allocate``), so a unit's seats stand for its population (with the degressive method,
smaller countries weigh a little more, exactly as they do in the deliberation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from quotas.balance import aggregate_scores
from quotas.labels import Labels
from quotas.model import normalise


class Level(StrEnum):
    """The units a report is made of: the whole deliberation, its countries or its regions."""

    GLOBAL = "global"
    COUNTRY = "country"
    REGION = "region"


#: The columns naming a unit at each level.
UNIT_KEYS: dict[Level, tuple[str, ...]] = {
    Level.GLOBAL: (),
    Level.COUNTRY: ("country",),
    Level.REGION: ("country", "region"),
}
#: The columns of ``pooled_balance`` after the unit's columns.
POOLED_COLUMNS = (
    "feature",
    "value",
    "groups",
    "seats",
    "count",
    "target_seats",
    "share",
    "target_share",
    "deviation",
    "pool_count",
    "pool_share",
)


def pooled_balance(rows: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per unit (``by``) and category: the sites' panels and pools pooled as described above.

    ``rows`` has one row per (site, category of its quotas): ``site``, the ``by`` columns,
    ``feature, value, count, target_share``, ``seats`` (the site's selected people, the
    base of shares), ``weight`` (what its target counts for: its panel size) and, when
    known, ``pool_count`` and ``pool`` (the site's pool size). Returns the ``by`` columns
    then ``POOLED_COLUMNS``: ``groups`` is the number of sites with the criterion, ``seats``
    their seats, ``target_seats = target_share * seats``; units sorted by ``by``,
    categories in order of first appearance (first spelling shown).

    >>> rows = pd.DataFrame({"site": ["a", "a", "b", "b", "b"], "feature": ["edu"] * 5,
    ...     "value": ["low", "high", "low", "mid", "high"], "count": [6, 4, 2, 3, 5],
    ...     "seats": [10, 10, 10, 10, 10], "weight": [10, 10, 10, 10, 10],
    ...     "target_share": [0.5, 0.5, 0.2, 0.3, 0.5]})
    >>> out = pooled_balance(rows)
    >>> out[["value", "share", "target_share"]].values.tolist()
    [['low', 0.4, 0.35], ['high', 0.45, 0.5], ['mid', 0.15, 0.15]]
    """
    keys = list(by)
    columns = [*keys, *POOLED_COLUMNS]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = rows.assign(
        _feature=rows["feature"].map(normalise),
        _value=rows["value"].map(normalise),
        _targeted=rows["target_share"].astype(float) * rows["weight"],
        pool_count=rows.get("pool_count", np.nan),
        pool=rows.get("pool", np.nan),
    )
    per_feature = [*keys, "_feature"]
    bases = (
        frame.drop_duplicates([*per_feature, "site"])
        .groupby(per_feature, sort=False, dropna=False)
        .agg(
            groups=("site", "size"),
            seats=("seats", "sum"),
            _weight=("weight", "sum"),
            _pool=("pool", lambda s: s.sum(min_count=1)),
        )
        .reset_index()
    )
    categories = (
        frame.groupby([*per_feature, "_value"], sort=False, dropna=False)
        .agg(
            feature=("feature", "first"),
            value=("value", "first"),
            count=("count", "sum"),
            _targeted=("_targeted", "sum"),
            pool_count=("pool_count", lambda s: s.sum(min_count=1)),
        )
        .reset_index()
    )
    out = categories.merge(bases, on=per_feature, how="left", sort=False)
    seats = out["seats"].where(out["seats"] > 0)
    out["share"] = out["count"] / seats
    out["target_share"] = out["_targeted"] / out["_weight"].where(out["_weight"] > 0)
    out["target_seats"] = out["target_share"] * out["seats"]
    out["deviation"] = out["share"] - out["target_share"]
    out["pool_share"] = out["pool_count"] / out["_pool"].where(out["_pool"] > 0)
    if keys:
        out = out.sort_values(keys, kind="stable", na_position="last")
    return out[columns].reset_index(drop=True)


def pooled_scores(pooled: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per unit of ``pooled_balance``: the representativeness score and the largest gap.

    Columns: the ``by`` columns, ``score`` (``quotas.balance.representativeness_score``
    of the pooled rows), ``max_abs_deviation``.
    """
    return aggregate_scores(pooled, by)


@dataclass(frozen=True)
class RunFacts:
    """Where a site's panel comes from: its run, as recorded (the provenance of its numbers).

    ``lowest_probability`` and ``gini`` are the run's stored figures: the lottery's own
    (``fairness_source == "lottery"``) when the run recorded them, else the optimum
    distribution's (``"optimum"``), which the lottery rounds.
    """

    site: str
    run_id: int
    algorithm: str
    engine: str
    input_sha256: str
    started_at: str
    seed: int | None
    public_number: int | None
    quota_version: int | None
    lowest_probability: float | None
    gini: float | None
    fairness_source: str


@dataclass(frozen=True)
class SiteFacts:
    """One site in a report: where it is, its pool by channel, its panel and what became of it."""

    code: str
    name: str
    country: str
    region: str
    partner: str
    panel_size: int
    volunteers: dict[str, int]  # channel -> active volunteers
    run: RunFacts | None
    seats: int  # selected people of the run (0 without one)
    statuses: dict[str, int]  # status -> seats of the panel and invited alternates
    replacements: int  # alternates invited in place of someone
    score: float
    tables: int = 0  # tables of the site's current table plan (0: no plan)


@dataclass(frozen=True)
class Unit:
    """One unit of a report (the whole deliberation, a country or a region) and its figures."""

    country: str  # "" at the global level
    region: str  # "" unless at the region level (or a site without a region)
    sites: int
    panels: int
    planned_seats: int  # the sites' panel sizes
    seats: int  # the panels' selected people
    volunteers: dict[str, int]
    statuses: dict[str, int]
    replacements: int
    score: float
    max_abs_deviation: float
    lowest_probability: float | None
    highest_gini: float | None
    runs: tuple[int, ...]


@dataclass(frozen=True)
class Report:
    """A deliberation's report at one level; every number traceable to ``runs``."""

    deliberation: str
    level: Level
    country: str | None  # the country filter, if any
    generated_at: str  # ISO 8601, UTC
    engine: str  # the engine version of this installation
    units: list[Unit]
    sites: list[SiteFacts]
    balance: pd.DataFrame  # pooled_balance by the level's unit keys
    site_rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # pooled_balance's input
    country_names: dict[str, str] = field(default_factory=dict)
    channels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    labels: Labels = field(default_factory=lambda: Labels([]))  # criteria, categories

    def country_scores(self) -> dict[str, float]:
        """Each country's pooled score, whatever the report's level (for the map)."""
        if self.site_rows.empty:
            return {}
        scores = pooled_scores(pooled_balance(self.site_rows, ["country"]), ["country"])
        return {str(c): float(v) for c, v in zip(scores["country"], scores["score"], strict=True)}

    @property
    def keys(self) -> tuple[str, ...]:
        """The columns naming a unit in ``balance``."""
        return UNIT_KEYS[self.level]

    @property
    def runs(self) -> list[RunFacts]:
        """The runs every panel figure comes from, by site."""
        return [s.run for s in self.sites if s.run is not None]

    def unit_balance(self, unit: Unit) -> pd.DataFrame:
        """The pooled rows of one unit."""
        part = self.balance
        values = {"country": unit.country, "region": unit.region}
        for key in self.keys:
            part = part[part[key] == values[key]]
        return part.reset_index(drop=True)

    def largest_gaps(self, unit: Unit, count: int = 3) -> pd.DataFrame:
        """The unit's ``count`` categories furthest from their targets, largest first."""
        part = self.unit_balance(unit).dropna(subset=["deviation"])
        order = part["deviation"].abs().sort_values(ascending=False, kind="stable").index
        return part.loc[order[:count]].reset_index(drop=True)

    def unit_sites(self, unit: Unit) -> list[SiteFacts]:
        """The unit's sites."""
        return [
            s
            for s in self.sites
            if (not unit.country or s.country == unit.country)
            and (self.level != Level.REGION or s.region == unit.region)
        ]
