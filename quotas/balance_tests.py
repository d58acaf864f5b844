"""Balance tests: is a panel's make-up, criterion by criterion, what chance would give?

For one criterion, a panel of ``n`` people has ``counts`` per category and the census
says ``shares``. If the panel were ``n`` people drawn at random from the population, the
counts would follow the multinomial distribution with those shares. Three figures:

* **Goodness of fit** (Pearson's X² = Σ (count − n·share)² / (n·share)): the p-value is
  the chance that a random sample of ``n`` people from the census shares is at least
  as far from them as the panel (a larger X²). It is computed **exactly** (summing the
  multinomial probabilities of every possible panel make-up) when any expected count
  is under 5 and the make-ups are few; by **Monte Carlo** (``MC_DRAWS`` multinomial
  samples from a fixed seed, p = (1 + hits) / (1 + draws), Davison and Hinkley 1997)
  when they are too many; and from the **chi-square distribution** with
  categories − 1 degrees of freedom when every expected count is at least 5 (Cochran's
  rule). A small p-value (under 0.05) says the gap is larger than chance alone usually
  makes; a large one does NOT prove the panel is balanced (small panels have little
  power), and a stratified lottery under quotas is not a random sample, so with quotas
  met the p-values are usually large.
* **Total variation distance** (TVD): half the sum of |panel share − census share|, the
  share of the panel that would have to change category to match the census (0 to 1).
* **Largest gap**: the category with the largest |panel share − census share|, and a
  95 % **Wilson score** interval for its panel share (Wilson 1927), shifted by the
  census share: the range of gaps the panel is consistent with, taking the census
  share as known.

Categories with a census share of 0 are left out of X²; anyone in one makes p = 0.
Pure functions (numpy only); the same inputs give the same figures in any process.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Expected count under which the chi-square approximation is not used (Cochran's rule).
SMALL_EXPECTED = 5.0
#: Most panel make-ups summed exactly; beyond it, Monte Carlo.
EXACT_LIMIT = 50_000
#: Monte Carlo samples, and their fixed seed (same figures in any process).
MC_DRAWS = 20_000
MC_SEED = 20_261_207
#: z for a two-sided 95 % interval.
Z95 = 1.959963984540054
#: Relative slack when comparing X² values that are equal in exact arithmetic.
_SLACK = 1e-9

TEST_COLUMNS = (
    "feature",
    "n",
    "categories",
    "statistic",
    "df",
    "p_value",
    "method",
    "tvd",
    "gap_value",
    "panel_share",
    "census_share",
    "gap",
    "gap_low",
    "gap_high",
)


@dataclass(frozen=True)
class Fit:
    """A goodness-of-fit test: Pearson's X², its degrees of freedom, p-value and method."""

    statistic: float
    df: int
    p_value: float
    method: str  # "exact", "monte_carlo", "chi_square", or "none" (nothing to test)


def chi_square_sf(x: float, df: int) -> float:
    """P(X > x) for X chi-square with ``df`` (integer) degrees of freedom, in closed form.

    Even ``df``: e^{-x/2} Σ_{i<df/2} (x/2)^i / i!; odd ``df``: erfc(√(x/2)) plus
    √(2x/π) e^{-x/2} Σ_{j=1}^{(df-1)/2} x^{j-1} / (1·3···(2j−1)); terms in logarithms.

    >>> round(chi_square_sf(3.841458820694124, 1), 6), round(chi_square_sf(2.0, 2), 6)
    (0.05, 0.367879)
    """
    if df < 1:
        raise ValueError("df must be at least 1")
    if x <= 0:
        return 1.0
    half = x / 2
    if df % 2 == 0:
        logs = [-half + i * math.log(half) - math.lgamma(i + 1) for i in range(df // 2)]
        return min(1.0, math.fsum(math.exp(v) for v in logs))
    total = math.erfc(math.sqrt(half))
    log_term = 0.5 * math.log(2 * x / math.pi) - half
    terms = []
    for j in range(1, (df - 1) // 2 + 1):
        if j > 1:
            log_term += math.log(x) - math.log(2 * j - 1)
        terms.append(math.exp(log_term))
    return min(1.0, total + math.fsum(terms))


def pearson(counts: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Pearson's X² of each row of ``counts`` (2-D) against ``expected`` (all > 0)."""
    return (((counts - expected) ** 2) / expected).sum(axis=-1)


def compositions(n: int, k: int) -> np.ndarray:
    """Every way of putting ``n`` people in ``k`` categories, one row each (stars and bars)."""
    if k == 1:
        return np.array([[n]], dtype=np.int64)
    bars = np.array(list(itertools.combinations(range(n + k - 1), k - 1)), dtype=np.int64)
    bars = bars.reshape(-1, k - 1)
    edges = np.hstack([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), n + k - 1)])
    return np.diff(edges, axis=1) - 1


def outcome_count(n: int, k: int) -> int:
    """How many panel make-ups ``compositions(n, k)`` has."""
    return math.comb(n + k - 1, k - 1)


def goodness_of_fit(
    counts: Sequence[int],
    shares: Sequence[float],
    *,
    exact_limit: int = EXACT_LIMIT,
    draws: int = MC_DRAWS,
) -> Fit:
    """Pearson's X² test of ``counts`` against census ``shares`` (normalised to add up to 1).

    ``exact_limit`` and ``draws`` are the module's constants unless a test sets them.

    >>> fit = goodness_of_fit([3, 1], [0.5, 0.5])
    >>> fit.method, round(fit.p_value, 4)  # P(|heads − 2| >= 1) in 4 fair coin tosses
    ('exact', 0.625)
    """
    observed = np.asarray(counts, dtype=np.int64)
    weights = np.asarray(shares, dtype=float)
    n = int(observed.sum())
    positive = weights > 0
    if n == 0 or not positive.any():
        return Fit(float("nan"), 0, float("nan"), "none")
    probs = weights[positive] / weights[positive].sum()
    if observed[~positive].sum() > 0:
        return Fit(float("inf"), max(int(positive.sum()) - 1, 0), 0.0, "exact")
    kept = observed[positive]
    k = len(kept)
    if k == 1:
        return Fit(0.0, 0, 1.0, "exact")
    expected = n * probs
    statistic = float(pearson(kept[None, :].astype(float), expected)[0])
    cut = statistic * (1 - _SLACK) - _SLACK
    if expected.min() >= SMALL_EXPECTED:
        return Fit(statistic, k - 1, chi_square_sf(statistic, k - 1), "chi_square")
    if outcome_count(n, k) <= exact_limit:
        table = compositions(n, k)
        log_fact = np.array([math.lgamma(i + 1) for i in range(n + 1)])
        log_p = log_fact[n] - log_fact[table].sum(axis=1) + (table * np.log(probs)).sum(axis=1)
        far = pearson(table.astype(float), expected) >= cut
        p_value = float(math.fsum(np.exp(log_p[far])))
        return Fit(statistic, k - 1, min(1.0, p_value), "exact")
    rng = np.random.default_rng(MC_SEED)
    samples = rng.multinomial(n, probs, size=draws).astype(float)
    hits = int((pearson(samples, expected) >= cut).sum())
    return Fit(statistic, k - 1, (1 + hits) / (1 + draws), "monte_carlo")


def wilson_interval(count: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``count / n`` (95 % by default).

    >>> [round(v, 4) for v in wilson_interval(0, 10)]
    [0.0, 0.2775]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if count == 0 else max(0.0, centre - half)
    return (low, 1.0 if count == n else min(1.0, centre + half))


def criterion_test(
    feature: str, values: Sequence[str], counts: Sequence[int], shares: Sequence[float]
) -> dict[str, object]:
    """One criterion's figures (the columns ``TEST_COLUMNS``); census shares normalised."""
    observed = np.asarray(counts, dtype=np.int64)
    census = np.asarray(shares, dtype=float)
    census = np.where(np.isfinite(census) & (census > 0), census, 0.0)
    total = census.sum()
    census = census / total if total > 0 else census
    n = int(observed.sum())
    fit = goodness_of_fit(observed.tolist(), census.tolist())
    panel = observed / n if n else np.full(len(observed), np.nan)
    gaps = panel - census
    row: dict[str, object] = {
        "feature": feature,
        "n": n,
        "categories": len(values),
        "statistic": fit.statistic,
        "df": fit.df,
        "p_value": fit.p_value,
        "method": fit.method,
        "tvd": float(np.abs(gaps).sum() / 2) if n else float("nan"),
    }
    if not n or not len(values):
        return row | dict.fromkeys(TEST_COLUMNS[8:], float("nan")) | {"gap_value": ""}
    at = int(np.argmax(np.abs(gaps)))  # the first of equal gaps, in the criterion's order
    low, high = wilson_interval(int(observed[at]), n)
    return row | {
        "gap_value": values[at],
        "panel_share": float(panel[at]),
        "census_share": float(census[at]),
        "gap": float(gaps[at]),
        "gap_low": low - float(census[at]),
        "gap_high": high - float(census[at]),
    }


def balance_tests(rows: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per unit (``by``) and criterion: ``TEST_COLUMNS`` from category rows.

    ``rows`` has ``by`` columns then ``feature, value, count, target_share`` (one row per
    category: ``quotas.balance.balance_table`` or a pooled balance). Units and criteria in
    order of first appearance.
    """
    keys = list(by)
    out = []
    for group, part in rows.groupby([*keys, "feature"], sort=False, dropna=False):
        labels = group if isinstance(group, tuple) else (group,)
        test = criterion_test(
            str(part["feature"].iloc[0]),
            [str(v) for v in part["value"]],
            [int(c) for c in part["count"]],
            [float(s) for s in part["target_share"]],
        )
        out.append(dict(zip(keys, labels[: len(keys)], strict=True)) | test)
    return pd.DataFrame(out, columns=[*keys, *TEST_COLUMNS])
