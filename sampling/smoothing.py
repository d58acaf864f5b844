"""Small categories' propensities: empirical-Bayes shrinkage towards their criterion's mean.

Raking gives every category of a criterion its own factor, estimated from the number of
volunteers in it: a category with n volunteers has a log-factor whose noise has a
standard deviation of about ``1/sqrt(n)`` (a count's Poisson noise, on the log scale).
With 3 volunteers that is 0.58, a factor of 1.8 either way; no estimator that reproduces
the category's census share can do better (the Cramér–Rao bound for the log of a
Poisson mean), and the error passes straight into the end-to-end chances ``q_i p_i``.

So categories with fewer than ``SMALL_SUPPORT`` volunteers (50: a log-factor off by more
than 0.14, a factor of 1.15, one standard deviation; measured with
``benchmarks/bench_end_to_end.py``, 30 left France 10,000's 35 to 48 overseas volunteers
raked alone and a spread of 2.6) are smoothed, criterion by criterion:

1. The raked log-factors ``l_c`` of the criterion's categories, each with variance
   ``v_c = 1/n_c``, are taken as draws around a common centre with a between-category
   variance ``tau²``, estimated by DerSimonian and Laird's method of moments (1986):
   ``tau² = max(0, (Q − (K − 1)) / (S1 − S2 / S1))`` with ``Q = Σ n_c (l_c − m)²``,
   ``m = Σ n_c l_c / Σ n_c`` (the mean weighted by support), ``S1 = Σ n_c``,
   ``S2 = Σ n_c²`` over the criterion's K well-supported categories (over all its
   categories when fewer than two are well supported). The centre ``m`` is the
   support-weighted mean of the well-supported categories.
2. A small category's factor becomes the posterior mean
   ``m + B_c (l_c − m)`` with ``B_c = tau² / (tau² + 1/n_c)``: kept when categories
   really differ and its count says much, pulled to the centre when they do not.
3. Raking runs again with each smoothed category held at its offset from the mean of its
   criterion's well-supported categories; those keep their census shares relative to
   each other exactly, and criteria without small categories keep theirs exactly.

A criterion none of whose categories has ``SMALL_SUPPORT`` volunteers is raked as before
(nothing to anchor on). Deterministic numpy (``sampling.portable`` for logs and exps).
Nothing changes for a pool whose categories all have ``SMALL_SUPPORT`` volunteers or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quotas.pool import Pool
from quotas.problems import Problem
from sampling import portable

#: Categories with fewer volunteers than this are smoothed.
SMALL_SUPPORT = 50
#: The second raking stops when no factor moves by more than this (on the log scale).
STEP_TOL = 1e-12
MAX_SWEEPS = 1000


@dataclass(frozen=True)
class Smoothed:
    """One smoothed category: its volunteers and the share of its own estimate kept (B)."""

    feature: str
    value: str
    count: int
    kept: float


def between_variance(effects: np.ndarray, counts: np.ndarray) -> float:
    """DerSimonian–Laird's ``tau²`` of log-factors with variances ``1/counts`` (0 when flat).

    >>> between_variance(np.array([0.0, 0.0, 0.0]), np.array([10.0, 20.0, 5.0]))
    0.0
    """
    present = counts > 0
    n, effect = counts[present], effects[present]
    if n.size < 2:
        return 0.0
    total = float(n.sum())
    mean = float((n * effect).sum()) / total
    q = float((n * (effect - mean) ** 2).sum())
    scale = total - float((n * n).sum()) / total
    return max(0.0, (q - (n.size - 1)) / scale) if scale > 0 else 0.0


def shrunk(
    effects: np.ndarray, counts: np.ndarray, small: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """The small categories' posterior log-factors (others unchanged), tau² and the centre.

    The centre is the support-weighted mean of the other categories (of all when every
    one is small); tau² is estimated from those others when there are two or more, so a
    small category's own noisy estimate does not widen its prior, else from all.
    """
    present = counts > 0
    trusted = present & ~small
    basis = trusted if trusted.sum() >= 2 else present
    tau2 = between_variance(effects[basis], counts[basis])
    centre = _anchor(effects, counts, trusted if trusted.any() else present)
    kept = np.divide(tau2 * counts, tau2 * counts + 1.0, out=np.zeros_like(effects), where=present)
    out = effects.copy()
    out[small] = centre + kept[small] * (effects[small] - centre)
    return out, tau2, centre


def _anchor(effect: np.ndarray, counts: np.ndarray, supported: np.ndarray) -> float:
    """The support-weighted mean log-factor of a criterion's well-supported categories."""
    return float((counts[supported] * effect[supported]).sum() / counts[supported].sum())


@dataclass(frozen=True)
class Criterion:
    """One raking margin: the pool types' category codes, the shares, the counts."""

    feature: str
    values: tuple[str, ...]
    codes: np.ndarray  # per type
    shares: np.ndarray  # per category, adding up to 1
    counts: np.ndarray  # volunteers per category


def criteria_of(pool: Pool, columns: list[int], shares: list[np.ndarray]) -> list[Criterion]:
    """The raking margins of ``pool``'s criteria ``columns`` (census ``shares`` per code)."""
    return [
        Criterion(
            pool.features[f],
            tuple(pool.values[f]),
            pool.type_vectors[:, f],
            share,
            np.bincount(pool.matrix[:, f], minlength=share.size),
        )
        for f, share in zip(columns, shares, strict=True)
    ]


def smooth(
    criteria: list[Criterion], type_counts: np.ndarray, effects: list[np.ndarray]
) -> tuple[np.ndarray, int, list[Smoothed], bool]:
    """Raking again with small categories held at their shrunk offsets.

    ``effects`` are the first raking's log-factors per criterion and category. Returns
    the per-type log-weights, the sweeps, the smoothed categories (empty: no change) and
    whether this raking settled.
    """
    held: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # criterion -> (small mask, offsets)
    found: list[Smoothed] = []
    for j, c in enumerate(criteria):
        small = (c.counts > 0) & (c.counts < SMALL_SUPPORT)
        supported = c.counts >= SMALL_SUPPORT
        if not small.any() or not supported.any():
            continue
        posterior, tau2, centre = shrunk(effects[j], c.counts.astype(float), small)
        offsets = posterior - centre
        held[j] = (small, offsets)
        for code in np.flatnonzero(small):
            n = float(c.counts[code])
            found.append(Smoothed(c.feature, c.values[code], int(n), tau2 * n / (tau2 * n + 1)))
    if not held:
        return np.zeros(type_counts.size), 0, [], True
    effects = [e.copy() for e in effects]
    sweeps, moved = 0, np.inf
    while sweeps < MAX_SWEEPS and moved > STEP_TOL:
        sweeps += 1
        moved = 0.0
        for j in range(len(criteria)):
            moved = max(moved, _sweep(criteria, type_counts, effects, j, held.get(j)))
    return _log_weights(criteria, effects), sweeps, found, moved <= STEP_TOL


def _log_weights(criteria: list[Criterion], effects: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(criteria[0].codes.size)
    for c, effect in zip(criteria, effects, strict=True):
        total += effect[c.codes]
    return total - total.max()


def _sweep(
    criteria: list[Criterion],
    type_counts: np.ndarray,
    effects: list[np.ndarray],
    j: int,
    held: tuple[np.ndarray, np.ndarray] | None,
) -> float:
    """One criterion's raking step (in place); returns the largest log-factor change."""
    c = criteria[j]
    weights = type_counts * portable.exp(_log_weights(criteria, effects))
    weighted = np.bincount(c.codes, weights=weights, minlength=c.shares.size)
    free = weighted > 0 if held is None else (weighted > 0) & ~held[0]
    target = c.shares[free] / c.shares[free].sum()
    step = np.zeros_like(effects[j])
    step[free] = portable.log(target / (weighted[free] / weighted[free].sum()))
    before = effects[j].copy()
    effects[j] = effects[j] + step
    if held is not None:
        small, offsets = held
        effects[j][small] = (
            _anchor(effects[j], c.counts, c.counts >= SMALL_SUPPORT) + offsets[small]
        )
    return float(np.abs(effects[j] - before).max())


def smoothed_problem(found: list[Smoothed]) -> Problem:
    """The warning naming the smoothed categories (with their volunteers)."""
    names = ", ".join(f"{s.feature} = {s.value} ({s.count})" for s in found)
    return Problem(
        "propensity_smoothed",
        {"count": len(found), "limit": SMALL_SUPPORT, "categories": names},
        "warning",
    )
