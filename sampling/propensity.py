"""Participation propensities and end-to-end targets: correcting the pool's self-selection.

Volunteers are self-selected: person i registers with a propensity q_i that depends on
who they are. LEXIMIN makes the lottery fair among volunteers; a member of the population
then reaches the panel with chance ``q_i p_i``. Following Flanigan, Gölz, Gupta, Hennig and
Procaccia ("Neutralizing Self-Selection Bias in Sampling for Sortition", NeurIPS 2020),
each volunteer stands for ``w_i = 1 / q_i`` people and the selection aims at
``p_i = t_i = k w_i / sum_j w_j``: the leximin of ``p_i / t_i`` (``select_distribution``
with ``targets``).

q is estimated under a main-effects model on the criteria (``log q_i`` a sum of one
effect per criterion):

* from population margins, by raking: weights on the pool, one factor per category,
  adjusted criterion after criterion until the weighted pool has the census shares
  (iterative proportional fitting); ``q_i ∝ 1 / w_i``;
* from a background sample of the population (a survey's rows of criteria), by logistic
  regression of "in the pool" against "in the sample" (Newton's method): the odds are
  proportional to ``q``, so ``q_i ∝ exp(x_i · beta)``.

Pure numpy, deterministic (no randomness at all). Propensities are relative: the largest
is 1; only their ratios matter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from quotas.model import normalise
from quotas.pool import Pool
from quotas.problems import Problem, raise_if_errors
from sampling import portable
from sampling.smoothing import criteria_of, smooth, smoothed_problem

#: A warning when the largest estimated propensity is more than this times the smallest:
#: a few volunteers would then stand for many people each.
EXTREME_RATIO = 25.0
#: Raking stops when every weighted share is within this of its census share.
RAKING_TOL = 1e-10
RAKING_MAX_ITERATIONS = 1000
NEWTON_MAX_ITERATIONS = 100
#: A tiny ridge keeps Newton's steps finite; it changes no estimate that is well defined.
RIDGE = 1e-8
#: A warning when a background sample's share of a category is this far from the census's.
BACKGROUND_OFF_POINTS = 5.0

Shares = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class PropensityModel:
    """What the propensities are estimated from: census margins, and a background sample.

    ``margins`` are ``{criterion: {category: share}}`` (crossed margins are not used: the
    model has main effects only). ``background`` holds the sample's distinct rows of
    criteria with their counts, ``((values...), count)`` in ``background_criteria`` order;
    when given, the model is the logistic regression and the margins check the sample.
    """

    margins: Shares
    background: tuple[tuple[tuple[str, ...], int], ...] | None = None
    background_criteria: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "margins" if self.background is None else "background"

    def record(self) -> dict[str, Any]:
        """JSON values, hashed with the run's inputs and stored with it (no personal data)."""
        out: dict[str, Any] = {
            "model": self.kind,
            "margins": {
                str(f): {str(v): float(s) for v, s in values.items()}
                for f, values in sorted(self.margins.items())
            },
        }
        if self.background is not None:
            out["background"] = {
                "criteria": list(self.background_criteria),
                "rows": [[*values, int(n)] for values, n in self.background],
            }
        return out

    def for_pool(self, features: Sequence[str]) -> PropensityModel:
        """The model on the pool's criteria only: what is used is what is recorded."""
        keep = {normalise(f) for f in features}
        margins = {f: v for f, v in self.margins.items() if normalise(f) in keep}
        if self.background is None:
            return PropensityModel(margins)
        columns = [i for i, c in enumerate(self.background_criteria) if normalise(c) in keep]
        rows = [[values[i] for i in columns] for values, n in self.background for _ in range(n)]
        criteria = [self.background_criteria[i] for i in columns]
        return PropensityModel.with_sample(margins, criteria, rows)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PropensityModel:
        """The model of a recorded run (the inverse of ``record``)."""
        background = record.get("background")
        if background is None:
            return cls(record["margins"])
        rows = tuple((tuple(str(v) for v in row[:-1]), int(row[-1])) for row in background["rows"])
        return cls(record["margins"], rows, tuple(background["criteria"]))

    @classmethod
    def with_sample(
        cls, margins: Shares, criteria: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> PropensityModel:
        """The model with a background sample given as rows of criteria (counted here)."""
        counted: dict[tuple[str, ...], int] = {}
        for row in rows:
            key = tuple(str(v) for v in row)
            counted[key] = counted.get(key, 0) + 1
        return cls(margins, tuple(sorted(counted.items())), tuple(criteria))


@dataclass(frozen=True)
class Propensities:
    """Each volunteer's estimated propensity (relative; the largest is 1) and the warnings."""

    values: np.ndarray  # per person, in pool order
    criteria: tuple[str, ...]  # the criteria the model used
    iterations: int
    warnings: tuple[Problem, ...]

    def targets(self, size: int) -> np.ndarray:
        """``t_i = k w_i / sum_j w_j`` with ``w_i = 1 / q_i``: they add up to ``size``."""
        weights = 1.0 / self.values
        return size * weights / weights.sum()

    def summary(self) -> dict[str, Any]:
        """The figures a report shows: criteria, iterations, propensity ratio, warnings."""
        return {
            "criteria": list(self.criteria),
            "iterations": self.iterations,
            "ratio": float(self.values.max() / self.values.min()),
            "warnings": [p.to_dict() for p in self.warnings],
        }


def estimate(pool: Pool, model: PropensityModel) -> Propensities:
    """Estimate every volunteer's propensity; InvalidInput when the model cannot be fitted."""
    columns, shares, criteria, warnings = _design(pool, model.margins)
    if model.background is None:
        log_q, iterations, more = _rake(pool, columns, shares)
    else:
        log_q, iterations, more = _regress(pool, columns, criteria, model)
    log_q = log_q - log_q.max()
    values = portable.exp(log_q)
    ratio = float(values.max() / values.min())
    found = [*warnings, *more]
    if ratio > EXTREME_RATIO:
        found.append(
            Problem(
                "propensity_extreme",
                {"ratio": round(ratio, 1), "limit": EXTREME_RATIO},
                "warning",
            )
        )
    return Propensities(values, tuple(criteria), iterations, tuple(found))


def _design(
    pool: Pool, margins: Shares
) -> tuple[list[int], list[np.ndarray], list[str], list[Problem]]:
    """The pool's criteria with census shares: column indices, shares per category code.

    A category with volunteers but no census share cannot be weighted (an error); one with
    a share but no volunteer is left out of the model, with a warning.
    """
    by_name = {normalise(f): values for f, values in margins.items()}
    columns: list[int] = []
    shares: list[np.ndarray] = []
    problems: list[Problem] = []
    for f, feature in enumerate(pool.features):
        given = by_name.get(normalise(feature))
        if given is None:
            continue
        census = {normalise(v): float(s) for v, s in given.items()}
        counts = np.bincount(pool.matrix[:, f], minlength=len(pool.values[f]))
        known = {normalise(v) for v in pool.values[f]}
        share = np.array([census.get(normalise(v), 0.0) for v in pool.values[f]])
        for code, value in enumerate(pool.values[f]):
            if counts[code] > 0 and share[code] <= 0:
                problems.append(
                    Problem(
                        "propensity_category_missing",
                        {"feature": feature, "value": value, "count": int(counts[code])},
                    )
                )
            elif counts[code] == 0 and share[code] > 0:
                problems.append(_empty(feature, value, share[code]))
        for value, s in sorted(census.items()):
            if value not in known and s > 0:
                problems.append(_empty(feature, value, s))
        share = np.where(counts > 0, share, 0.0)
        if share.sum() > 0:
            columns.append(f)
            shares.append(share / share.sum())
    if not columns:
        problems.append(Problem("propensity_no_criteria", {"criteria": ", ".join(pool.features)}))
    raise_if_errors(problems)
    return columns, shares, [pool.features[f] for f in columns], problems


def _empty(feature: str, value: str, share: float) -> Problem:
    return Problem(
        "propensity_category_empty",
        {"feature": feature, "value": value, "share": round(100 * share, 1)},
        "warning",
    )


def _rake(
    pool: Pool, columns: list[int], shares: list[np.ndarray]
) -> tuple[np.ndarray, int, list[Problem]]:
    """Raking over the pool's types; returns ``log q = -log w`` per person."""
    vectors, counts = pool.type_vectors, pool.type_counts.astype(float)
    log_w = np.zeros(counts.size)
    effects = [np.zeros(share.size) for share in shares]  # log-factor per category
    gap, iterations = np.inf, 0
    while iterations < RAKING_MAX_ITERATIONS:
        iterations += 1
        for j, (f, share) in enumerate(zip(columns, shares, strict=True)):
            weighted = np.bincount(
                vectors[:, f], weights=counts * portable.exp(log_w), minlength=share.size
            )
            factor = np.divide(
                share, weighted / weighted.sum(), out=np.ones_like(share), where=weighted > 0
            )
            step = portable.log(factor)
            effects[j] += step
            log_w += step[vectors[:, f]]
        log_w -= log_w.max()
        gap = _largest_gap(vectors, counts * portable.exp(log_w), columns, shares)
        if gap <= RAKING_TOL:
            break
    smoothed_log_w, sweeps, found, settled = smooth(
        criteria_of(pool, columns, shares), counts, effects
    )
    if found:  # from the first raking's factors: both must settle
        log_w, iterations = smoothed_log_w, iterations + sweeps
    settled = settled and gap <= RAKING_TOL * 1e4
    problems = [] if settled else [_not_converged(iterations)]
    if found:
        problems.append(smoothed_problem(found))
    return -log_w[pool.type_of], iterations, problems


def _not_converged(iterations: int) -> Problem:
    return Problem("propensity_not_converged", {"iterations": iterations}, "warning")


def _largest_gap(
    vectors: np.ndarray, weights: np.ndarray, columns: list[int], shares: list[np.ndarray]
) -> float:
    """The largest distance between a weighted share and its census share."""
    total = weights.sum()
    return max(
        float(
            np.abs(np.bincount(vectors[:, f], weights=weights, minlength=s.size) / total - s).max()
        )
        for f, s in zip(columns, shares, strict=True)
    )


def _regress(
    pool: Pool, columns: list[int], criteria: list[str], model: PropensityModel
) -> tuple[np.ndarray, int, list[Problem]]:
    """Logistic regression of pool (1) against background sample (0) on the criteria."""
    assert model.background is not None
    position = {normalise(c): i for i, c in enumerate(model.background_criteria)}
    problems: list[Problem] = []
    sample_codes = np.zeros((len(model.background), len(columns)), dtype=np.int64)
    sample_counts = np.array([n for _, n in model.background], dtype=float)
    for j, f in enumerate(columns):
        codes = {normalise(v): c for c, v in enumerate(pool.values[f])}
        where = position.get(normalise(pool.features[f]))
        for r, (values, _) in enumerate(model.background):
            code = codes.get(normalise(values[where])) if where is not None else None
            sample_codes[r, j] = -1 if code is None else code
    usable = (sample_codes >= 0).all(axis=1)
    sample_codes, sample_counts = sample_codes[usable], sample_counts[usable]
    problems += _sample_problems(pool, columns, sample_codes, sample_counts, model)
    raise_if_errors(problems)
    vectors, counts = pool.type_vectors[:, columns], pool.type_counts.astype(float)
    x_pool, x_sample = _dummies(pool, columns, vectors), _dummies(pool, columns, sample_codes)
    x = np.vstack([x_pool, x_sample])
    y = np.r_[np.ones(len(x_pool)), np.zeros(len(x_sample))]
    n = np.r_[counts, sample_counts]
    beta, iterations, converged = _newton(x, y, n)
    if not converged:
        problems.append(_not_converged(iterations))
    log_q = portable.matvec(x_pool, beta)
    return log_q[pool.type_of], iterations, problems


def _sample_problems(
    pool: Pool,
    columns: list[int],
    codes: np.ndarray,
    counts: np.ndarray,
    model: PropensityModel,
) -> list[Problem]:
    """Volunteers' categories the sample lacks (errors); shares far from the census."""
    problems: list[Problem] = []
    total = counts.sum()
    by_name = {normalise(f): v for f, v in model.margins.items()}
    for j, f in enumerate(columns):
        in_pool = np.bincount(pool.matrix[:, f], minlength=len(pool.values[f]))
        in_sample = np.bincount(codes[:, j], weights=counts, minlength=len(pool.values[f]))
        census = {
            normalise(v): float(s) for v, s in by_name.get(normalise(pool.features[f]), {}).items()
        }
        for c, value in enumerate(pool.values[f]):
            if in_pool[c] > 0 and in_sample[c] == 0:
                problems.append(
                    Problem(
                        "propensity_background_missing",
                        {"feature": pool.features[f], "value": value, "count": int(in_pool[c])},
                    )
                )
            share = census.get(normalise(value))
            if share is not None and total > 0:
                sample = in_sample[c] / total
                if abs(sample - share) * 100 > BACKGROUND_OFF_POINTS:
                    problems.append(
                        Problem(
                            "propensity_background_off",
                            {
                                "feature": pool.features[f],
                                "value": value,
                                "sample": round(100 * sample, 1),
                                "census": round(100 * share, 1),
                            },
                            "warning",
                        )
                    )
    return problems


def _dummies(pool: Pool, columns: list[int], codes: np.ndarray) -> np.ndarray:
    """An intercept and one indicator per category but each criterion's first."""
    parts = [np.ones((codes.shape[0], 1))]
    for j, f in enumerate(columns):
        size = len(pool.values[f])
        parts.append((codes[:, [j]] == np.arange(1, size)[None, :]).astype(float))
    return np.hstack(parts)


def _newton(x: np.ndarray, y: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, int, bool]:
    """Weighted logistic regression by Newton's method (rows counted ``n`` times)."""
    beta = np.zeros(x.shape[1])
    ridge = RIDGE * np.eye(x.shape[1])
    for iteration in range(1, NEWTON_MAX_ITERATIONS + 1):
        mu = 1.0 / (1.0 + portable.exp(-portable.matvec(x, beta)))
        gradient = portable.vecmat(n * (y - mu), x) - RIDGE * beta
        hessian = portable.gram(x * (n * mu * (1 - mu))[:, None], x) + ridge
        step = portable.solve(hessian, gradient)
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            return beta, iteration, True
    return beta, NEWTON_MAX_ITERATIONS, False


def propensity_spread(propensity: np.ndarray, probabilities: np.ndarray) -> dict[str, float | None]:
    """How unequal the end-to-end chances ``q_i p_i`` are: max/min and 95th/5th percentile.

    Percentiles are over the population: each volunteer counts for ``1 / q_i`` people.
    A ratio is None when its denominator is 0 (someone has no chance at all).
    """
    q = np.asarray(propensity, dtype=float)
    chance = q * np.asarray(probabilities, dtype=float)
    order = np.argsort(chance, kind="stable")
    weights = (1.0 / q)[order]
    cumulative = np.cumsum(weights) / weights.sum()
    sorted_chance = chance[order]

    def percentile(share: float) -> float:
        return float(sorted_chance[min(int(np.searchsorted(cumulative, share)), chance.size - 1)])

    def ratio(top: float, bottom: float) -> float | None:
        return round(top / bottom, 4) if bottom > 0 else None

    return {
        "max_min": ratio(float(chance.max()), float(chance.min())),
        "p95_p5": ratio(percentile(0.95), percentile(0.05)),
    }
