"""Raking weights and balance tests: seconds, rounds and the weights' figures by panel size.

Panels of 50 to 2,000 people with six criteria (2 to 6 categories each) and one crossed
pair; margins are the weighted shares of hidden positive weights, so they can be met.
Balance tests: the crossed pair (6 cells) against its margins, exact / Monte Carlo /
chi-square as ``quotas.balance_tests`` chooses (the tiny row: 12 people, exact).
Run from the repository root: ``.venv/bin/python benchmarks/bench_weights.py [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime

import numpy as np

from quotas.balance_tests import goodness_of_fit
from quotas.raking import Dimension, dimension, rake

SIZES = (50, 200, 1000, 2000)
CATEGORIES = (2, 3, 4, 5, 6, 3)


def panel(n: int, seed: int) -> list[Dimension]:
    """Six criteria and their first two crossed, with margins some weights meet."""
    rng = np.random.default_rng(seed)
    codes = [rng.integers(0, k, size=n) for k in CATEGORIES]
    for c, k in zip(codes, CATEGORIES, strict=True):
        c[:k] = np.arange(k)  # every category has someone
    # Self-selection: each category over- or under-represented, as in real panels.
    effects = [rng.normal(0, 0.4, size=k) for k in CATEGORIES]
    log_w = sum(e[c] for e, c in zip(effects, codes, strict=True)) + rng.normal(0, 0.2, n)
    hidden = np.exp(log_w)
    codes.append(codes[0] * CATEGORIES[1] + codes[1])
    sizes = [*CATEGORIES, CATEGORIES[0] * CATEGORIES[1]]
    dims = []
    for f, (c, k) in enumerate(zip(codes, sizes, strict=True)):
        totals = np.bincount(c, weights=hidden, minlength=k)
        dims.append(dimension(f"f{f}", [str(j) for j in range(k)], c, totals / totals.sum()))
    return dims


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Panels up to 200 people.")
    options = parser.parse_args(argv)
    sizes = [12, *(s for s in SIZES if not options.quick or s <= 200)]
    print(f"Raking weights and balance tests ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    print(f"{'people':>7}{'rake s':>9}{'rounds':>8}{'deff':>7}{'n_eff':>8}{'trim 3 s':>11}", end="")
    print(f"{'test':>13}{'test s':>9}")
    for n in sizes:
        dims = panel(n, 7)
        times, result = [], rake(dims, n)
        for _ in range(3):
            started = time.perf_counter()
            result = rake(dims, n)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        try:
            rake(dims, n, cap=3.0)
            trimmed = f"{time.perf_counter() - started:.3f}"
        except Exception:  # a cap the margins cannot meet: say so in the table
            trimmed = "infeasible"
        crossed = dims[-1]
        counts = np.bincount(crossed.codes, minlength=len(crossed.values)).tolist()
        started = time.perf_counter()
        fit = goodness_of_fit(counts, crossed.shares.tolist())
        test_seconds = time.perf_counter() - started
        print(
            f"{n:>7,}{statistics.median(times):>9.3f}{result.sweeps:>8}"
            f"{result.design_effect:>7.2f}{result.effective_size:>8.1f}{trimmed:>11}"
            f"{fit.method:>13}{test_seconds:>9.3f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
