"""Time the feasibility check on a 2,000-person, 7-feature pool for a panel of 150.

Run from the repo root: ``.venv/bin/python benchmarks/bench_feasibility.py``.
The pool is reproducible (fixed seed) with self-selection skew: a latent "engagement"
score tilts who volunteers, and work status depends on age (retired people are 65+,
students are under 35), so quotas can conflict in the way real ones do.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quotas.feasibility import FeasibilityResult, check_feasibility
from quotas.model import Category, Quota, QuotaTable

FEATURES: dict[str, list[str]] = {
    "gender": ["female", "male"],
    "age": ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"],
    "education": ["low", "medium", "high"],
    "region": ["north", "south", "east", "west", "centre"],
    "area": ["urban", "rural"],
    "work": ["employed", "unemployed", "student", "retired"],
    "origin": ["native", "eu", "non-eu", "other"],
}
SIZE = 150
PEOPLE = 2_000
RUNS = 7


def population_shares(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Census-like shares of each feature's values."""
    return {f: rng.dirichlet(np.full(len(v), 4.0)) for f, v in FEATURES.items()}


def make_pool(
    rng: np.random.Generator, shares: dict[str, np.ndarray], n: int = PEOPLE
) -> pd.DataFrame:
    """Volunteers drawn with a self-selection tilt; work status consistent with age."""
    engagement = rng.normal(size=n)
    columns: dict[str, list[str]] = {}
    for feature, values in FEATURES.items():
        if feature == "work":
            continue
        tilt = np.linspace(-0.4, 0.4, len(values))  # later values over-register
        logits = np.log(shares[feature])[None, :] + engagement[:, None] * tilt[None, :]
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        picks = [rng.choice(len(values), p=p) for p in probs]
        columns[feature] = [values[k] for k in picks]
    work = []
    for age in columns["age"]:
        if age == "65+":
            work.append("retired" if rng.random() < 0.85 else "employed")
        elif age in ("16-24", "25-34"):
            work.append(str(rng.choice(["student", "employed", "unemployed"], p=[0.4, 0.45, 0.15])))
        else:
            work.append(str(rng.choice(["employed", "unemployed"], p=[0.85, 0.15])))
    columns["work"] = work
    return pd.DataFrame(columns, index=[f"v{i:05d}" for i in range(n)])


def quotas_around(pool: pd.DataFrame, size: int, points: float = 0.05) -> QuotaTable:
    """Quotas of +/- ``points`` around the pool's own shares (so the table is attainable)."""
    out = []
    for feature, values in FEATURES.items():
        counts = pool[feature].value_counts()
        for value in values:
            share = float(counts.get(value, 0)) / len(pool)
            lo = max(0, int(np.floor((share - points) * size)))
            hi = min(size, int(np.ceil((share + points) * size)))
            out.append(Quota(Category(feature, value), lo, hi, share))
    return QuotaTable(out)


def census_quotas(shares: dict[str, np.ndarray], size: int, points: float) -> QuotaTable:
    """Quotas of +/- ``points`` around the population's shares."""
    return QuotaTable(
        Quota(
            Category(feature, value),
            max(0, int(np.floor((share - points) * size))),
            int(np.ceil((share + points) * size)),
            float(share),
        )
        for feature, values in FEATURES.items()
        for value, share in zip(values, shares[feature], strict=True)
    )


def median_seconds(
    runs: int, call: Callable[[], FeasibilityResult]
) -> tuple[float, FeasibilityResult]:
    """Median wall time of ``runs`` calls, and the last result."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    runs = 3 if "--quick" in sys.argv else RUNS
    rng = np.random.default_rng(20240601)
    shares = population_shares(rng)
    pool = make_pool(rng, shares)
    quotas = quotas_around(pool, SIZE)
    old_max = quotas.bounds("age", "65+")[1]
    conflict = quotas.with_bounds("work", "retired", old_max + 3, old_max + 10)
    # Narrow quotas around census shares that the self-selected pool does not match.
    census = census_quotas(shares, SIZE, points=0.02)
    homes: list[object] = [f"h{i // 2}" if i < 600 else None for i in range(len(pool))]
    n_types = len(pool.drop_duplicates())
    print(f"pool {len(pool)} people, {len(FEATURES)} features, {n_types} types; panel {SIZE}")
    print(f"median of {runs} runs; 'check' = exact answer only, 'full' = with conflicts and")
    print("relaxation; homes = 300 two-person households")
    header = f"{'case':<32} {'feasible':>8} {'check s':>8} {'full s':>8} {'conflicts':>9}"
    print(header + "  first sentence")
    cases = [
        ("+/-5 points", quotas, None),
        ("+/-5 points, homes", quotas, homes),
        ("retired min > 65+ max", conflict, None),
        ("retired min > 65+ max, homes", conflict, homes),
        ("census +/-2 points", census, None),
    ]
    for name, table, households in cases:
        quick, _ = median_seconds(
            runs,
            lambda t=table, h=households: check_feasibility(
                pool, t, SIZE, households=h, explain=False, relax=False
            ),
        )
        full, result = median_seconds(
            runs, lambda t=table, h=households: check_feasibility(pool, t, SIZE, households=h)
        )
        first = (result.explanation or "").split(". ")[0][:70]
        found = sum("bound_list" in p.params for p in result.conflicts)
        print(f"{name:<32} {result.feasible!s:>8} {quick:>8.3f} {full:>8.3f} {found:>9}  {first}")


if __name__ == "__main__":
    main()
