"""Expected quota deviation after drop-outs: no alternates, ``scaled`` and ``optimised``.

For benchmark instances, a panel is drawn with the LEGACY greedy method (the leximin
lottery takes minutes on these pools; LEGACY panels sit near the quota minimums, as
drawn panels often do). Drop-outs: 15 % base, 25 % for age 16-24, 22 % for
education none/primary. Alternates are chosen on one scenario sample (seed 1, 500
scenarios) and evaluated on a fresh one (seed 1000, 2,000 scenarios). The deviation is
the sum over categories of the seats missing or in excess, divided by k.

The ``bound`` column is what no list of alternates can beat: a called alternate lowers
the deviation by at most one seat per feature, at most min(vacancies, alternates who
answer) are called, and alternates answer at most as often as the least drop-out-prone
person (a binomial count, on the same evaluation scenarios).

Usage: python benchmarks/bench_alternates.py [--quick]
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from sampling.alternates import select_alternates
from sampling.dropouts import Layout, dropout_rates, expected_deviation, simulate
from sampling.legacy import legacy_panel
from sampling.pool import Pool
from synthetic_data.instances import benchmark_instance

RATES = {("*", "*"): 0.15, ("age", "16-24"): 0.25, ("education", "none/primary"): 0.22}
OPTIMISE = {"scenarios": 500, "seed": 1}
EVALUATE = {"scenarios": 2000, "seed": 1000}


def lower_bound(pool: Pool, quotas: object, panel: list[str], rates: dict, count: int) -> float:
    """Expected deviation per seat below which no ``count`` alternates can go (see above)."""
    layout = Layout.of(pool, quotas)  # type: ignore[arg-type]
    per_person = dropout_rates(pool, quotas, rates)  # type: ignore[arg-type]
    rows = sorted(pool.index_of(i) for i in panel)
    sim = simulate(layout, rows, [], per_person, **EVALUATE)
    answer = 1.0 - float(per_person.min())
    features = len(pool.features)
    total = 0.0
    for a in range(count + 1):
        weight = math.comb(count, a) * answer**a * (1 - answer) ** (count - a)
        gain = features * np.minimum(sim.vacancies, a)
        total += weight * float(np.maximum(sim.deviation - gain, 0).mean())
    return total / len(rows)


def run(family: str, seed: int, counts: tuple[int, ...]) -> list[list[str]]:
    """Rows of the table for one instance."""
    frame, _, quotas, size = benchmark_instance(family, seed)
    pool = Pool.build(frame["id"], frame[list(quotas.features)], quotas, frame["household"])
    panel = [pool.ids[r] for r in legacy_panel(pool, quotas, size, np.random.default_rng(seed))]
    rates = {k: v for k, v in RATES.items() if k[0] == "*" or k[0] in quotas.features}
    none = expected_deviation(pool, quotas, panel, [], dropout=rates, **EVALUATE)
    rows = []
    for count in counts:
        found: dict[str, float] = {}
        took: dict[str, float] = {}
        for method in ("scaled", "optimised"):
            start = time.perf_counter()
            chosen = select_alternates(
                pool,
                quotas,
                panel,
                count,
                method=method,
                dropout=rates,
                **OPTIMISE,  # type: ignore[arg-type]
            )
            took[method] = time.perf_counter() - start
            found[method] = expected_deviation(
                pool, quotas, panel, chosen.ids, dropout=rates, **EVALUATE
            )
        cut = 1 - found["optimised"] / found["scaled"] if found["scaled"] > 0 else 0.0
        bound = lower_bound(pool, quotas, panel, rates, count)
        best_cut = 1 - bound / found["scaled"] if found["scaled"] > 0 else 0.0
        rows.append(
            [
                family,
                str(seed),
                str(size),
                str(count),
                f"{none:.4f}",
                f"{found['scaled']:.4f}",
                f"{found['optimised']:.4f}",
                f"{bound:.4f}",
                f"{100 * cut:.1f} %",
                f"{100 * best_cut:.1f} %",
                f"{took['scaled']:.1f}",
                f"{took['optimised']:.1f}",
            ]
        )
    return rows


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    seeds = (0,) if quick else (0, 1, 2)
    counts = (5, 10) if quick else (5, 10, 20)
    header = [
        "family",
        "seed",
        "k",
        "alternates",
        "none",
        "scaled",
        "optimised",
        "bound",
        "optimised vs scaled",
        "best possible",
        "scaled s",
        "optimised s",
    ]
    table = [header]
    cuts: dict[int, list[float]] = {c: [] for c in counts}
    for family in ("small", "two_features", "sf_e_like"):
        for seed in seeds:
            for row in run(family, seed, counts):
                table.append(row)
                cuts[int(row[3])].append(float(row[8].rstrip(" %")))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    print("Expected quota deviation per seat after drop-outs (fresh scenario sample)")
    for r in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)))
    for count, values in cuts.items():
        print(
            f"mean reduction of optimised vs scaled, {count} alternates: "
            f"{sum(values) / len(values):.1f} % (target: at least 30 %)"
        )


if __name__ == "__main__":
    main()
