"""Raking weights: weights for a panel's answers so that its weighted make-up is the census's.

Raking (iterative proportional fitting, Deming and Stephan 1940) starts from weight 1 for
everyone and, criterion after criterion, multiplies the weights of each category's
members so that the category's weighted share equals its census share; the sweeps repeat
until every category (single criteria and crossed pairs) is within ``TOLERANCE`` of its
census share. Weights are scaled to a mean of 1 (they add up to the panel's size).

Trimming (``cap``): after each sweep, weights above ``cap`` times the mean are lowered to
it, and raking goes on; the weights that come out never exceed the cap. Without a cap,
raking converges whenever some positive weights meet the margins; with one, it may not.

The Kish design effect ``n Σw² / (Σw)²`` says how much the weights widen a weighted
estimate's variance; the effective sample size ``n / deff`` is the number of unweighted
answers carrying as much information (Kish 1965).

Problems are ``WeightsInfeasible`` (exit 1): a category with a census share but nobody
on the panel, people in a category with no census share, or no convergence. Then a
linear program (``quotas.raking_proof``) proves either that no positive weights meet the
margins, naming the conflicting categories, or that some do and raking is slow (with
the largest gap left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quotas.model import Category, Quota, QuotaTable, crossed_feature, crossed_value
from quotas.pool import Pool
from quotas.problems import KleroError
from quotas.raking_proof import prove
from quotas.targets import Margins

#: Largest gap between a weighted share and its census share accepted (0.0001 point).
TOLERANCE = 1e-6
#: Rounds before giving up, and rounds without progress before giving up earlier.
MAX_SWEEPS = 2_000
STALL_SWEEPS = 200


class WeightsInfeasible(KleroError):
    """The panel cannot be weighted to the census margins as asked: exit 1."""

    exit_code = 1


@dataclass(frozen=True)
class Dimension:
    """One raking margin: each person's category index (``codes``) and the census shares."""

    feature: str
    values: tuple[str, ...]
    codes: np.ndarray  # int, one per person, indexing ``values``
    shares: np.ndarray  # float, one per value, adding up to 1


@dataclass(frozen=True)
class Weights:
    """Raking's result: a weight per person (mean 1) and its summary figures."""

    weights: np.ndarray
    sweeps: int
    largest_gap: float  # largest |weighted share − census share| left

    @property
    def design_effect(self) -> float:
        """Kish's design effect n Σw² / (Σw)² (1 when every weight is 1)."""
        w = self.weights
        return float(len(w) * (w * w).sum() / w.sum() ** 2)

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size (Σw)² / Σw²."""
        return float(len(self.weights) / self.design_effect)


def dimension(
    feature: str, values: Sequence[str], codes: np.ndarray, shares: Sequence[float]
) -> Dimension:
    """A Dimension with shares normalised to add up to 1 (negative shares read as 0)."""
    raw = np.clip(np.asarray(shares, dtype=float), 0, None)
    total = raw.sum()
    return Dimension(
        feature, tuple(values), np.asarray(codes, dtype=np.int64), raw / total if total else raw
    )


def weighted_shares(dim: Dimension, weights: np.ndarray) -> np.ndarray:
    """The weighted share of each category of ``dim``."""
    totals = np.bincount(dim.codes, weights=weights, minlength=len(dim.values))
    return totals / weights.sum()


def largest_gap(dims: Sequence[Dimension], weights: np.ndarray) -> tuple[float, str, str]:
    """The largest |weighted share − census share|, with its criterion and category."""
    best = (0.0, "", "")
    for dim in dims:
        gaps = np.abs(weighted_shares(dim, weights) - dim.shares)
        at = int(np.argmax(gaps))
        if gaps[at] > best[0]:
            best = (float(gaps[at]), dim.feature, dim.values[at])
    return best


def check_support(dims: Sequence[Dimension]) -> None:
    """Raise WeightsInfeasible for an empty category with a census share, or the reverse."""
    for dim in dims:
        members = np.bincount(dim.codes, minlength=len(dim.values))
        for value, count, share in zip(dim.values, members, dim.shares, strict=True):
            if count == 0 and share > 0:
                points = round(float(share) * 100, 2)
                raise WeightsInfeasible(
                    "weights_empty_category", feature=dim.feature, value=value, share=points
                )
            if count > 0 and share == 0:
                raise WeightsInfeasible(
                    "weights_no_census_share", feature=dim.feature, value=value, count=int(count)
                )


def _above_cap(weights: np.ndarray, cap: float | None) -> bool:
    return cap is not None and weights.max() > cap * weights.mean() * (1 + 1e-9)


def _stalled(best: list[float]) -> bool:
    """Whether the last STALL_SWEEPS rounds cut the smallest gap by less than 0.1 %."""
    return len(best) > STALL_SWEEPS and best[-1] > 0.999 * best[-1 - STALL_SWEEPS]


def _unreached(dims: Sequence[Dimension], params: dict[str, object]) -> WeightsInfeasible:
    """Why raking stopped short: no positive weights exist (proven, naming the conflicting
    categories), positive weights exist but raking is slow (proven), or not known."""
    proof = prove(dims)
    if proof.outcome == "infeasible":
        names = ", ".join(f"{feature} = {value}" for feature, value in proof.categories)
        return WeightsInfeasible(
            "weights_infeasible_proven", categories=names, count=len(proof.categories)
        )
    if proof.outcome == "feasible":
        return WeightsInfeasible("weights_slow", **params)
    return WeightsInfeasible("weights_not_converged", **params)


def rake(dims: Sequence[Dimension], size: int, *, cap: float | None = None) -> Weights:
    """Raking weights (mean 1) for ``size`` people meeting every dimension's shares.

    >>> codes = np.array([0, 0, 0, 1])  # three women, one man
    >>> w = rake([dimension("gender", ["female", "male"], codes, [0.5, 0.5])], 4)
    >>> w.weights.round(4).tolist(), round(w.design_effect, 4)
    ([0.6667, 0.6667, 0.6667, 2.0], 1.3333)
    """
    if size == 0:
        raise WeightsInfeasible("weights_no_panel")
    check_support(dims)
    weights = np.ones(size)
    gap = largest_gap(dims, weights)
    sweeps = 0
    best = [gap[0]]  # the smallest gap after each round
    while gap[0] > TOLERANCE or _above_cap(weights, cap):
        if sweeps == MAX_SWEEPS or _stalled(best):
            points = round(gap[0] * 100, 2)
            params = {"gap": points, "feature": gap[1], "value": gap[2], "sweeps": sweeps}
            if cap is not None:
                rake(dims, size)  # without the cap: says so when the margins are the cause
                raise WeightsInfeasible("weights_trim_too_low", trim=cap, **params)
            raise _unreached(dims, params)
        for dim in dims:
            current = np.bincount(dim.codes, weights=weights, minlength=len(dim.values))
            factor = dim.shares * weights.sum() / current
            weights = weights * factor[dim.codes]
        weights = weights * (size / weights.sum())
        if cap is not None:
            weights = np.minimum(weights, cap)  # the mean is 1 before this line
        sweeps += 1
        gap = largest_gap(dims, weights)
        best.append(min(best[-1], gap[0]))
    return Weights(weights * (size / weights.sum()), sweeps, gap[0])


def margins_quotas(margins: Margins) -> QuotaTable:
    """The margins as a quota table without bounds (0 to 0), to read a panel file against.

    Crossed pairs become crossed criteria (``"gender x age"``), read from both columns.
    """
    rows = [
        Quota(Category(f, v), 0, 0, float(s))
        for f, values in margins.features.items()
        for v, s in values.items()
    ]
    for (first, second), cells in margins.crossed.items():
        name = crossed_feature(first, second)
        rows += [
            Quota(Category(name, crossed_value(a, b)), 0, 0, float(s))
            for (a, b), s in cells.items()
        ]
    return QuotaTable(rows)


def census_shares(quotas: QuotaTable, feature: str) -> list[float]:
    """A criterion's census shares: the quotas' target shares, else their midpoints' shares."""
    found = [quotas.quota(feature, v) for v in quotas.values(feature)]
    if all(q.target_share is not None for q in found):
        return [float(q.target_share or 0) for q in found]
    return [(q.min + q.max) / 2 for q in found]


def dimensions(pool: Pool, quotas: QuotaTable) -> list[Dimension]:
    """One raking dimension per criterion of ``quotas`` (as ``pool`` holds them)."""
    return [
        dimension(feature, pool.values[f], pool.matrix[:, f], census_shares(quotas, feature))
        for f, feature in enumerate(pool.features)
    ]


CATEGORY_COLUMNS = ("feature", "value", "count", "census_share", "panel_share", "weighted_share")


def category_table(dims: Sequence[Dimension], weights: np.ndarray) -> pd.DataFrame:
    """Per category: people, census share, unweighted and weighted panel shares."""
    rows = []
    for dim in dims:
        counts = np.bincount(dim.codes, minlength=len(dim.values))
        weighted = weighted_shares(dim, weights)
        for j, value in enumerate(dim.values):
            rows.append(
                {
                    "feature": dim.feature,
                    "value": value,
                    "count": int(counts[j]),
                    "census_share": float(dim.shares[j]),
                    "panel_share": float(counts[j] / len(weights))
                    if len(weights)
                    else float("nan"),
                    "weighted_share": float(weighted[j]),
                }
            )
    return pd.DataFrame(rows, columns=list(CATEGORY_COLUMNS))


def chosen_criteria(quotas: QuotaTable, names: Sequence[str] | None) -> QuotaTable:
    """The quotas of the criteria ``names`` (all when None); an unknown name exits 2."""
    if names is None:
        return quotas
    known = ", ".join(quotas.features)
    if not names:
        raise KleroError("weights_no_criteria", known=known)
    found = [quotas.feature_name(n) for n in names]
    unknown = [n for n, f in zip(names, found, strict=True) if f is None]
    if unknown:
        raise KleroError("weights_unknown_criteria", criteria=", ".join(unknown), known=known)
    keep = set(found)
    return QuotaTable(q for q in quotas if q.feature in keep)


def weightable(pool: Pool, quotas: QuotaTable) -> list[str]:
    """The criteria whose categories can all be given their census shares on this panel."""
    out = []
    for dim in dimensions(pool, quotas):
        try:
            check_support([dim])
        except WeightsInfeasible:
            continue
        out.append(dim.feature)
    return out


def pool_weights(
    pool: Pool, quotas: QuotaTable, cap: float | None = None
) -> tuple[Weights, pd.DataFrame]:
    """Raking weights for a pool (a panel) to ``quotas``' census shares, and the category table."""
    dims = dimensions(pool, quotas)
    result = rake(dims, len(pool), cap=cap)
    return result, category_table(dims, result.weights)
