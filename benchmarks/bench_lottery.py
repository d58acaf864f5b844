"""The lottery people face: the largest drop and rise of a probability, old rounding vs new.

Run from the repo root: ``.venv/bin/python benchmarks/bench_lottery.py [FAMILY ...]``
(default: two_features small tight sf_e_like medium; ``online`` and ``online_de`` are the
100,000-person families, about a minute each). Per benchmark family (seed 1, LEXIMIN) and
lottery size m (1,000; 10,000; 100,000) it prints, in units of one lottery slot
(probability x m, so the goal is a drop <= 1):

* ``old drop`` / ``old rise``: the iterative LP rounding alone (``round_counts``, the
  rounding before ENGINE 2026-12-07.1), and its time;
* ``drop`` / ``rise``: ``round_to_lottery`` as the pipeline calls it (the iterative
  rounding, then single-seat swaps over the panel polytope, built inside the timing),
  its method, the panels it added outside the support, the proven floor under the
  largest drop (only where the whole integer program ran; 0: no claim) and its time;
* ``% sel``: the rounding's time as a share of the selection's (the goal: under 10 %).

Times are CPU milliseconds of this process (``time.process_time``), steadier than the
wall clock on a machine shared with other work, and the selection and each rounding are
timed alike (``steady``): each run starts after ``gc.collect()`` (a full collection owed
to the objects earlier steps left, 60-80 ms on these pools, is not charged to whichever
step happens to set it off), and a step shorter than ``STEADY`` (0.2 s) is run again
until its runs make 0.2 s, their mean shown (the same distribution or lottery each time:
nothing in them depends on the clock). So ``% sel`` compares like with like.

Before ENGINE 2026-12-07.5 the rounding searched slot moves over the support and a few
priced panels: drops up to 1.24 slots (tight, m = 10,000), rises up to 4.4 (medium). With
the swaps (2026-12-07, a loaded 2-core machine) every row's drop is at most 0.87 slots
(online: 0.61), rises at most 1.04 slots on the five default families (online: 4.6).
The swaps' state in Python lists and a leaner slot-move search (2026-12-07, the same
lotteries) cut the rounding's CPU time by 1.3-2.5x: 0.01-0.13 s on the five default
families, 1.5-1.7 s on online (was 0.01-0.21 s and 2.3-2.6 s). Against ENGINE
2026-12-07.5's selection that was 1.7-8.1 % of it on every row (was 3.2-18.1 %); the
faster selection of ENGINE 2026-12-07.6 (online: 7 s) leaves 3.8-13 % on small, tight,
sf_e_like and medium, 22-26 % on two_features (0.03 s) and 22-23 % on online. Sources
skipped by a floor under their drops, squared drops from the touched types, column-major
shares and the second Swaps taking the first one's records (2026-12-07, the same
lotteries) cut online's rounding from 1.5-1.7 s to 1.1-1.3 s (17-19 % of its selection).
On 2026-12-07 (issue 14 §1, the same 18 lotteries, bit for bit) the slot-move search
looks at one type per end of each set of types seated alike and estimates the squared
drops with a proven bound (exact sums only where bounds overlap); the swaps read their
panels with numpy, test categories as bits, list only the panels in use per type, sort
their rankings on first use and keep per-type records as tuples (no full garbage
collection during a rounding). Four runs at load 2.5-5 against three of the code before
(medians, % of the selection): online 9.9 / 10.7 / 11.0 (was 17.3 / 16.0 / 19.6; 0.60-0.65
s of a 6.9 s selection at load 2-3, 8.2-9.3 %), medium 9.8 / 8.6 / 8.2 (was 12.1 / 10.0 /
10.3), small 6.2 / 9.7 / 10.4 (was 7.0 / 9.1 / 12.6), tight 3.4-4.0, sf_e_like 5.6-6.2.
two_features stays at 24-29 %: its whole rounding is 6-9 ms against a 23-29 ms selection,
and 2.7-4 ms of it is outside the rounding modules (the polytope, the distribution's
merge and shares, the lottery's m panels and probabilities in ``sampling.lottery``).
On 2026-12-07 (issue 14 §1/§4, the same 21 lotteries, bit for bit) the swaps keep sets of
panels in use as the bits of Python integers (per type, per full or least category; a new
panel takes the place of the one it replaces, so a swap changes two types' sets, not
every type's of the panel), skip givers with a category that may give nowhere, count
their budget only from its 1024th candidate, and the last guard checks all new panels at
once. online_de (629-748 added panels, ~2,300 swaps at m = 1,000): 4.3 / 3.4 / 1.5 s ->
1.3 / 1.3 / 0.9 s CPU at load 3-3.5 (m = 1,000 / 10,000 / 100,000); online 1.05-1.15 s
-> 0.58-0.70 s; medium 79-90 -> 61-67 ms; small 38-54 -> 28-34 ms. What is left on
online_de is mostly the slot-move search (``descend``, ~0.35-0.4 s) and ~2,300 swaps
(~0.45 s).
Quiet machine, 2026-12-07 12:35 UTC, ENGINE 2026-12-07.8 (its faster selection: online
4.2 s, online_de 7.1 s), % of the selection for m = 1,000 / 10,000 / 100,000: small
7.1 / 7.0 / 8.8, tight 1.4-1.6, sf_e_like 3.0-4.2, medium 4.8-5.6; not under 10 %:
online 17.1 / 16.1 / 19.2 (0.68-0.81 s), online_de 19.5 / 18.9 / 14.2 (1.0-1.4 s),
two_features 33-39 (7-8 ms against 21 ms).
On 2026-12-07 (round4, the same lotteries, bit for bit) ``sampling.lottery`` reads the
distribution's pairs in C (merge, shares, per-type sums: 109-234 -> 80-125 ms outside
``round_min_drop``), the squared drops' estimates take all sinks at once and the
deviations use ``add.at``. Two alternating runs each at load 1.3-1.9, % of the selection
(m = 1,000 / 10,000 / 100,000): online 14.3-16.1 / 13.4-14.3 / 15.9-17.3 -> 14.2-14.9 /
12.8-14.3 / 15.6-17.1, online_de 18.7-19.7 / 18.8-21.0 / 14.2-14.6 -> 18.2-19.8 /
16.6-17.8 / 12.0-13.3: within the noise on online, 5-15 % less on online_de. Still not
under 10 %: the slot-move search (``descend``, 0.33-0.35 s CPU, ~7 ms a move) and
online_de's ~2,300 swaps (~0.5 s) are most of it.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quotas.model import QuotaTable
from quotas.polytope import PanelShape
from quotas.pool import Pool
from sampling.distribution import Distribution
from sampling.engine.select import select_distribution
from sampling.lottery import Lottery, round_to_lottery
from sampling.names import Algorithm
from sampling.rounding import round_counts
from synthetic_data.instances import benchmark_instance

SIZES = (1_000, 10_000, 100_000)
LEXIMIN = Algorithm.LEXIMIN
STEADY = 0.2  # CPU seconds: a shorter rounding is timed as the mean of repeats
DEFAULT = ("two_features", "small", "tight", "sf_e_like", "medium")
T = TypeVar("T")


def load(family: str) -> tuple[Pool, QuotaTable, int]:
    frame, _, quotas, size = benchmark_instance(family, seed=1)
    pool = Pool.build(
        frame["id"].tolist(), frame[list(quotas.features)], quotas, frame["household"].tolist()
    )
    return pool, quotas, size


def seat_shares(support: list[tuple[tuple[int, int], ...]], type_of: np.ndarray) -> np.ndarray:
    """Types x panels: a member's chance to sit in each panel (seats / head count)."""
    counts = np.bincount(type_of)
    share = np.zeros((counts.size, len(support)))
    for j, panel in enumerate(support):
        for t, seats in panel:
            share[t, j] = seats / counts[t]
    return share


def old_rounding(dist: Distribution, m: int) -> tuple[float, float, float]:
    """Largest drop and rise (slots) of the iterative LP rounding alone, and its seconds."""
    start = time.process_time()
    merged: dict[tuple[tuple[int, int], ...], float] = {}
    for panel, weight in zip(dist.panels, dist.weights, strict=True):
        merged[panel] = merged.get(panel, 0.0) + float(weight)
    support = sorted(merged)
    weights = np.array([merged[p] for p in support])
    weights /= weights.sum()
    share = seat_shares(support, np.asarray(dist.type_of))
    counts = round_counts(share, weights, m, dist.size)
    seconds = time.process_time() - start
    per_type = share @ weights
    dev = share @ counts - per_type * m
    return float(max(0.0, -dev.min())), float(max(0.0, dev.max())), seconds


def steady(run: Callable[[], T]) -> tuple[T, float]:
    """``run()``'s result and CPU seconds: one run, or the mean of as many as make
    ``STEADY`` seconds when one is shorter (a few milliseconds are mostly noise). Each run
    starts after ``gc.collect()``."""
    runs, spent = 0, 0.0
    while runs == 0 or (spent < STEADY and runs < 50):
        gc.collect()
        start = time.process_time()
        result = run()
        spent += time.process_time() - start
        runs += 1
    return result, spent / runs


def selected(pool: Pool, quotas: QuotaTable, size: int) -> tuple[Distribution, float]:
    """The LEXIMIN selection (seed 0) and its CPU seconds, timed as the rounding is."""
    return steady(lambda: select_distribution(pool, quotas, size, algorithm=LEXIMIN, seed=0))


def rounded(
    pool: Pool, quotas: QuotaTable, size: int, dist: Distribution, m: int
) -> tuple[Lottery, float]:
    """The pipeline's rounding (the polytope built inside) and its CPU seconds."""
    return steady(lambda: round_to_lottery(dist, m, shape=PanelShape.of(pool, quotas, size)))


def main(families: list[str]) -> None:
    header = (
        f"{'family':<13}{'types':>7}{'sel ms':>9}{'m':>8}{'old drop':>9}{'old rise':>9}"
        f"{'old ms':>8}{'drop':>7}{'rise':>7}{'floor':>7}{'added':>6}{'method':>16}"
        f"{'ms':>8}{'% sel':>7}"
    )
    print(header)
    print("-" * len(header))
    for family in families:
        pool, quotas, size = load(family)
        dist, selection = selected(pool, quotas, size)
        for m in SIZES:
            gc.collect()
            old_drop, old_rise, old_s = old_rounding(dist, m)
            lottery, seconds = rounded(pool, quotas, size, dist, m)
            r = lottery.rounding
            assert r is not None
            print(
                f"{family:<13}{pool.type_counts.size:>7}{1000 * selection:>9.1f}{m:>8}"
                f"{old_drop:>9.3f}{old_rise:>9.3f}{1000 * old_s:>8.1f}{r.max_drop * m:>7.3f}"
                f"{r.max_rise * m:>7.3f}{r.drop_floor * m:>7.3f}{r.added:>6}{r.method:>16}"
                f"{1000 * seconds:>8.1f}{100 * seconds / selection:>7.1f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:] or list(DEFAULT))
