"""Time the rounding of a distribution to a uniform lottery of m = 1000 panels, and its accuracy.

Run from the repo root: ``.venv/bin/python benchmarks/bench_lottery.py``.
Instances (reproducible, fixed seeds):

* ``leximin two_features``: the engine's LEXIMIN lottery (pool 2,000, panel 200), when
  ``sampling.engine.select`` is available;
* ``synthetic 300 panels``: 300 feasible LEGACY panels of an ``sf_e_like`` pool
  (1,727 people, panel 110, 7 features) with random Dirichlet weights;
* ``legacy 2000 draws``: the LEGACY Monte Carlo lottery of the same pool (2,000 panels
  of weight 1/2,000 each: the hardest case for the LP rounding).

``max change`` is the largest change of any person's probability; ``bound`` the proven
(k + 1) / m; ``change x m`` the change in units of one lottery slot.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quotas.model import QuotaTable
from quotas.pool import Pool
from sampling.distribution import Distribution
from sampling.engine.legacy import legacy_distribution
from sampling.lottery import draw, round_to_lottery
from synthetic_data.instances import benchmark_instance

M = 1000


def load(family: str) -> tuple[Pool, QuotaTable, int]:
    frame, _, quotas, size = benchmark_instance(family, seed=1)
    pool = Pool.build(frame["id"], frame[list(quotas.features)], quotas, frame["household"])
    return pool, quotas, size


def reweighted(dist: Distribution, pool: Pool, seed: int) -> Distribution:
    """The same panels with random weights (and the probabilities they imply)."""
    weights = np.random.default_rng(seed).dirichlet(np.ones(len(dist.panels)))
    counts = pool.type_counts
    per_type = np.zeros(counts.size)
    for panel, w in zip(dist.panels, weights, strict=True):
        for t, seats in panel:
            per_type[t] += w * seats / counts[t]
    probabilities = pd.Series(per_type[dist.type_of], index=pd.Index(dist.ids, name="id"))
    return Distribution(
        "synthetic", dist.size, dist.ids, dist.type_of, dist.panels, weights, probabilities
    )


def instances() -> list[tuple[str, Distribution, int]]:
    out: list[tuple[str, Distribution, int]] = []
    try:
        from sampling.engine.select import select_distribution
    except ImportError:
        select_distribution = None
    if select_distribution is not None:
        pool, quotas, size = load("two_features")
        dist = select_distribution(pool, quotas, size, algorithm="leximin", seed=0)
        out.append(("leximin two_features", dist, int(pool.type_counts.size)))
    pool, quotas, size = load("sf_e_like")
    few = legacy_distribution(pool, quotas, size, seed=1, samples=300)
    out.append(("synthetic 300 panels", reweighted(few, pool, 2), int(pool.type_counts.size)))
    many = legacy_distribution(pool, quotas, size, seed=1, samples=2000)
    out.append(("legacy 2000 draws", many, int(pool.type_counts.size)))
    return out


def main() -> None:
    header = (
        f"{'instance':<24}{'panels':>8}{'types':>7}{'k':>5}{'m':>6}{'seconds':>9}"
        f"{'max change':>12}{'bound':>8}{'change x m':>12}{'draw ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, dist, types in instances():
        start = time.perf_counter()
        lottery = round_to_lottery(dist, M, input_sha256="0" * 64)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        draw(lottery, seed=1)
        draw_ms = (time.perf_counter() - start) * 1000
        print(
            f"{name:<24}{len(dist.panels):>8}{types:>7}{dist.size:>5}{M:>6}{seconds:>9.2f}"
            f"{lottery.max_change:>12.5f}{(dist.size + 1) / M:>8.3f}"
            f"{lottery.max_change * M:>12.2f}{draw_ms:>9.1f}"
        )


if __name__ == "__main__":
    main()
