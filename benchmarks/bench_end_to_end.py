"""End-to-end fairness on self-selected synthetic pools, measured against the true propensities.

Each instance is a synthetic pool (``generate_pool(..., truth=True)``: main-effect
self-selection on education and age, and a civic engagement nobody observes) with quotas
from its country's margins (5 points of tolerance). For each, the spread of the true
end-to-end chances ``q_i p_i`` (max/min, and 95th/5th percentile over the population:
each volunteer counts for 1/q_i people) under

* ``LEXIMIN``: plain LEXIMIN (fair among volunteers);
* ``end to end``: ``--end-to-end`` with propensities raked to the margins (what a user
  runs), over the published lottery of 1,000 panels;
* ``true q``: the same selection given the true propensities (what a perfect estimate
  would reach: the gap to ``end to end`` is estimation noise, not the selection);
* ``noise floor``: the max/min that count noise alone leaves to any estimate reproducing
  the margins of the categories raking keeps (those with ``SMALL_SUPPORT`` volunteers or
  more): each such category's log-factor is off by a normal error of variance 1/n
  (the Cramér–Rao bound for the log of a Poisson count's mean), a volunteer's error is
  the sum over their categories, and the figure is the median of ``exp(max − min)``
  over 200 draws (fixed seed), with how often it is above 2 (``floor > 2``) and the
  median p95/p5 of the chances a selection with p_i ∝ 1/(estimated q_i) would give.
  Smoothed categories add their bias on top.

The goal (issue 16): max/min at most 2 and p95/p5 at most 1.5.

Usage: python benchmarks/bench_end_to_end.py [--quick]
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import numpy as np

from quotas.pool import Pool
from quotas.targets import quotas_from_margins
from sampling import (
    SMALL_SUPPORT,
    PropensityModel,
    SelectionRequest,
    SelectionSettings,
    select_panel,
)
from sampling.engine.select import select_distribution
from sampling.propensity import Propensities, propensity_spread
from synthetic_data.generate import generate_pool, margins_object, population_margins

#: (country, pool, panel, criteria)
STANDARD = ("gender", "age", "education", "urban_rural", "region", "literacy")
INSTANCES = [
    ("XX", 1_000, 80, STANDARD),
    ("XX", 2_000, 150, STANDARD),
    ("XX", 5_000, 150, STANDARD),
    ("FR", 2_000, 100, STANDARD),
    ("FR", 10_000, 200, STANDARD),
]
QUICK = INSTANCES[:2]
SEEDS = (1, 2, 3)
HEADER = [
    "country",
    "pool",
    "k",
    "seed",
    "q ratio",
    "LEXIMIN max/min",
    "p95/p5",
    "end to end max/min",
    "p95/p5",
    "true q max/min",
    "p95/p5",
    "noise floor",
    "floor > 2",
    "p95/p5",
    "goal met",
    "seconds",
]


def _cell(value: float | None) -> str:
    return "inf" if value is None else f"{value:.2f}"


def noise_floor(pool: Pool, truth: np.ndarray, draws: int = 200) -> tuple[float, float, float]:
    """Count noise alone (see the docstring): the median max/min, how often it is above 2,
    and the median p95/p5 (over the population, as the spreads)."""
    rng = np.random.default_rng(0)
    found, percentiles = [], []
    for _ in range(draws):
        error = np.zeros(len(pool))
        for f in range(len(pool.features)):
            counts = np.bincount(pool.matrix[:, f], minlength=len(pool.values[f])).astype(float)
            sd = np.where(counts >= SMALL_SUPPORT, 1 / np.sqrt(np.maximum(counts, 1)), 0.0)
            error += (rng.standard_normal(counts.size) * sd)[pool.matrix[:, f]]
        found.append(float(np.exp(error.max() - error.min())))
        # a selection with p_i ∝ 1 / estimated q_i gives chances q_i p_i ∝ exp(error_i)
        percentiles.append(propensity_spread(truth, np.exp(error) / truth)["p95_p5"] or np.inf)
    shares = (float(np.median(found)), float(np.mean(np.array(found) > 2)))
    return (*shares, float(np.median(percentiles)))


def run(country: str, size: int, panel: int, criteria: tuple[str, ...], seed: int) -> list[str]:
    """One row: the three spreads of one instance."""
    margins = {f: dict(population_margins(country)[f]) for f in criteria}
    frame = generate_pool(country, size, seed, pii=False, truth=True)
    quotas = quotas_from_margins(margins_object(margins), panel, tolerance_points=5)
    pool = Pool.build(list(frame["id"]), frame[list(criteria)], quotas, list(frame["household"]))
    truth = frame["true_propensity"].to_numpy(dtype=float)
    settings = SelectionSettings(seed=seed, end_to_end=PropensityModel(margins))
    start = time.perf_counter()
    result = select_panel(SelectionRequest(pool, quotas, panel, settings.for_pool(pool)))
    seconds = time.perf_counter() - start
    assert result.end_to_end is not None
    lottery = result.lottery.probabilities.reindex(list(pool.ids)).to_numpy(dtype=float)
    plain = propensity_spread(truth, result.end_to_end.leximin)
    mine = propensity_spread(truth, lottery)
    known = Propensities(truth, tuple(criteria), 0, ())
    ideal = select_distribution(pool, quotas, panel, seed=seed, targets=known.targets(panel))
    best = propensity_spread(truth, ideal.probabilities.reindex(list(pool.ids)).to_numpy())
    floor = noise_floor(pool, truth)
    met = (mine["max_min"] or np.inf) <= 2 and (mine["p95_p5"] or np.inf) <= 1.5
    return [
        country,
        f"{size:,}",
        str(panel),
        str(seed),
        f"{truth.max() / truth.min():.1f}",
        _cell(plain["max_min"]),
        _cell(plain["p95_p5"]),
        _cell(mine["max_min"]),
        _cell(mine["p95_p5"]),
        _cell(best["max_min"]),
        _cell(best["p95_p5"]),
        _cell(floor[0]),
        f"{floor[1]:.0%}",
        _cell(floor[2]),
        "yes" if met else "no",
        f"{seconds:.1f}",
    ]


def main(argv: list[str]) -> int:
    instances = QUICK if "--quick" in argv else INSTANCES
    seeds = SEEDS[:1] if "--quick" in argv else SEEDS
    rows = [HEADER]
    for country, size, panel, criteria in instances:
        for seed in seeds:
            rows.append(run(country, size, panel, criteria, seed))
            print(f"  {country} {size} seed {seed} done", file=sys.stderr, flush=True)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"End-to-end chances q_i p_i with the true propensities ({when})")
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for r in rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)))
    print("seconds: the end-to-end run (estimate, plain LEXIMIN to compare, LEXIMIN of p/t).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
