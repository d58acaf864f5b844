"""LEGACY, the practitioners' greedy selection, and its selection probabilities by Monte Carlo.

Kept as the baseline that fair algorithms are compared with: it meets the quotas but
gives some volunteers almost no chance. Its probabilities have no closed form, so
``legacy_distribution`` estimates them from many draws and states how far off they may be.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from quotas.model import QuotaTable, normalise
from quotas.pool import Pool
from quotas.problems import EnvironmentFailure, KleroError
from sampling.distribution import Distribution, RunFigures

CONFIDENCE = 0.95


@dataclass(frozen=True)
class _Layout:
    """Pool and quotas as flat arrays over all categories, prepared once for many draws."""

    size: int
    cats: np.ndarray  # person x feature -> global category number
    lo: np.ndarray  # min seats of each category
    hi: np.ndarray  # max seats of each category
    feature_of: np.ndarray  # category -> feature number
    members: tuple[np.ndarray, ...]  # category -> row numbers of its people
    mates: tuple[np.ndarray, ...]  # person -> row numbers of their household mates

    @classmethod
    def of(cls, pool: Pool, quotas: QuotaTable, size: int) -> _Layout:
        offsets = np.cumsum([0, *(len(v) for v in pool.values)])
        cats = (pool.matrix.astype(np.int64) + offsets[:-1]).reshape(pool.size, len(pool.features))
        lo: list[int] = []
        hi: list[int] = []
        feature_of: list[int] = []
        by_key = {(normalise(q.feature), normalise(q.value)): q for q in quotas}
        for f, feature in enumerate(pool.features):
            for value in pool.values[f]:
                q = by_key[(normalise(feature), normalise(value))]
                lo.append(int(q.min))
                hi.append(min(int(q.max), size))
                feature_of.append(f)
        n_cats = int(offsets[-1])
        members = tuple(np.flatnonzero((cats == c).any(axis=1)) for c in range(n_cats))
        empty = np.zeros(0, dtype=np.int64)
        mates_of: list[np.ndarray] = [empty] * pool.size
        for rows in pool.households():
            for i in rows:
                mates_of[int(i)] = rows[rows != i]
        return cls(
            size=size,
            cats=cats,
            lo=np.array(lo, dtype=np.int64),
            hi=np.array(hi, dtype=np.int64),
            feature_of=np.array(feature_of, dtype=np.int64),
            members=members,
            mates=tuple(mates_of),
        )


def _attempt(layout: _Layout, rng: np.random.Generator) -> list[int] | None:
    """One greedy pass; the selected rows, or None when it runs into a dead end."""
    n = layout.cats.shape[0]
    n_cats = layout.lo.size
    available = np.ones(n, dtype=bool)
    left = np.bincount(layout.cats.ravel(), minlength=n_cats).astype(np.int64)
    seated = np.zeros(n_cats, dtype=np.int64)

    def remove(rows: np.ndarray) -> None:
        rows = rows[available[rows]]
        if rows.size:
            available[rows] = False
            left[:] -= np.bincount(layout.cats[rows].ravel(), minlength=n_cats)

    for c in np.flatnonzero(layout.hi <= 0):
        remove(layout.members[c])
    chosen: list[int] = []
    for seat in range(layout.size):
        need = layout.lo - seated
        short = need > 0
        if short.any():
            # The category in most danger of missing its minimum goes first; ties go to the
            # first in table order so the rule needs no extra randomness.
            ratio = np.where(short, need / np.maximum(left, 1), -1.0)
            group = layout.members[int(np.argmax(ratio))]
            candidates = group[available[group]]
        else:
            candidates = np.flatnonzero(available)
        if candidates.size == 0:
            return None
        person = int(candidates[rng.integers(candidates.size)])
        chosen.append(person)
        remove(np.array([person, *layout.mates[person]], dtype=np.int64))
        mine = layout.cats[person]
        seated[mine] += 1
        for c in mine[seated[mine] >= layout.hi[mine]]:
            remove(layout.members[int(c)])
        # Give up early when the minimums can no longer be met.
        need = np.maximum(layout.lo - seated, 0)
        seats_left = layout.size - seat - 1
        if (need > left).any() or int(available.sum()) < seats_left:
            return None
        per_feature = np.bincount(layout.feature_of, weights=need, minlength=layout.cats.shape[1])
        if (per_feature > seats_left).any():
            return None
    return sorted(chosen)


def legacy_panel(
    pool: Pool, quotas: QuotaTable, size: int, rng: np.random.Generator, *, attempts: int = 200
) -> list[int]:
    """Draw one panel (sorted row numbers) with the greedy LEGACY method, restarting on failure.

    Raises KleroError ``legacy_failed`` when ``attempts`` passes in a row fail.

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> p = Pool.build(["a", "b", "c"], pd.DataFrame({"g": ["f", "m", "m"]}), q)
    >>> legacy_panel(p, q, 2, np.random.default_rng(0))[0]
    0
    """
    panel, _ = _draw(_Layout.of(pool, quotas, size), rng, attempts)
    return panel


def _draw(layout: _Layout, rng: np.random.Generator, attempts: int) -> tuple[list[int], int]:
    for failures in range(attempts):
        panel = _attempt(layout, rng)
        if panel is not None:
            return panel, failures
    raise EnvironmentFailure("legacy_failed", size=layout.size, attempts=attempts)


def hoeffding_half_width(samples: int, estimates: int, confidence: float = CONFIDENCE) -> float:
    """Half-width of simultaneous confidence intervals for ``estimates`` means of [0, 1] values.

    Hoeffding's inequality with a union bound: every estimate is within the half-width of
    its true value with probability at least ``confidence``.
    """
    if samples <= 0 or estimates <= 0:
        return 1.0
    return math.sqrt(math.log(2 * estimates / (1 - confidence)) / (2 * samples))


def _binomial_cdf(successes: int, trials: int, p: float) -> float:
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if successes >= trials else 0.0
    logs = [
        math.lgamma(trials + 1)
        - math.lgamma(j + 1)
        - math.lgamma(trials - j + 1)
        + j * math.log(p)
        + (trials - j) * math.log1p(-p)
        for j in range(successes + 1)
    ]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def clopper_pearson_upper(successes: int, trials: int, confidence: float = CONFIDENCE) -> float:
    """One-sided upper confidence bound of a binomial proportion (exact, by bisection)."""
    if successes >= trials:
        return 1.0
    alpha = 1 - confidence
    low, high = successes / trials, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if _binomial_cdf(successes, trials, mid) > alpha:
            low = mid
        else:
            high = mid
    return high


def legacy_distribution(
    pool: Pool,
    quotas: QuotaTable,
    size: int,
    *,
    seed: int = 0,
    samples: int = 2000,
    attempts: int = 200,
    progress: Callable[[str, float], None] | None = None,
) -> Distribution:
    """Estimate LEGACY's lottery from ``samples`` greedy draws (deterministic given ``seed``).

    Panels are recorded as compositions over the pool's types, and the panel weights are
    their empirical frequencies. LEGACY treats people of one type alike (it only sees
    categories, and a type shares no household), so a person's probability is estimated
    by the type average ``mean(seats of the type / people of the type)``: unbiased, and
    less noisy than counting the person's own selections.

    ``figures.gap`` is the half-width of simultaneous 95 % confidence intervals for all
    probabilities (Hoeffding over the types, union bound). ``figures.extra`` also holds
    ``min_upper_95``, a one-sided exact (Clopper-Pearson) 95 % upper bound on the smallest
    selection probability from the least-selected person's own count, ``restarts`` and
    ``samples``.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples <= 0:
        raise KleroError("legacy_samples_invalid", samples=samples)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    drawn = _sample(pool, _Layout.of(pool, quotas, size), rng, samples, attempts, progress)
    n_types = int(pool.type_counts.size)
    panels = tuple(sorted(drawn.found))
    weights = np.array([drawn.found[p] for p in panels], dtype=float) / samples
    per_type = np.zeros(n_types, dtype=float)
    counts = pool.type_counts.astype(float)
    for composition, w in zip(panels, weights, strict=True):
        for t, seats_t in composition:
            per_type[t] += w * seats_t / counts[t]
    half_width = hoeffding_half_width(samples, n_types)
    least = int(drawn.person_counts.min()) if pool.size else 0
    figures = RunFigures(
        seconds=time.perf_counter() - start,
        iterations=samples,
        panels=len(panels),
        gap=half_width,
        extra={
            "samples": samples,
            "restarts": drawn.restarts,
            "confidence": CONFIDENCE,
            "half_width": half_width,
            "min_upper_95": clopper_pearson_upper(least, samples) if pool.size else 0.0,
            "least_selected_count": least,
        },
    )
    settings = {"seed": seed, "samples": samples, "attempts": attempts}
    return Distribution.over_types(
        pool, "legacy", size, panels, weights, per_type, figures, settings
    )


@dataclass
class _Draws:
    """What ``samples`` greedy draws found: how often each type composition came up."""

    found: dict[tuple[tuple[int, int], ...], int]  # composition -> times drawn
    person_counts: np.ndarray  # times each person was drawn
    restarts: int  # failed passes in all


def _sample(
    pool: Pool,
    layout: _Layout,
    rng: np.random.Generator,
    samples: int,
    attempts: int,
    progress: Callable[[str, float], None] | None,
) -> _Draws:
    """Draw ``samples`` panels in turn from ``rng`` and count them by type composition."""
    type_of = pool.type_of
    n_types = int(pool.type_counts.size)
    drawn = _Draws({}, np.zeros(pool.size, dtype=np.int64), 0)
    step = max(1, samples // 100)
    for s in range(samples):
        panel, failures = _draw(layout, rng, attempts)
        drawn.restarts += failures
        drawn.person_counts[panel] += 1
        seats = np.bincount(type_of[panel], minlength=n_types)
        key = tuple((int(t), int(seats[t])) for t in np.flatnonzero(seats))
        drawn.found[key] = drawn.found.get(key, 0) + 1
        if progress is not None and (s + 1) % step == 0:
            progress("legacy draws", (s + 1) / samples)
    return drawn
