"""A lottery over feasible panels and what it means for each volunteer: every algorithm's result.

Probabilities are data (a Series by id), never report text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sampling import portable

if TYPE_CHECKING:
    from quotas.pool import Pool


@dataclass(frozen=True)
class RunFigures:
    """How the computation went."""

    seconds: float = 0.0
    iterations: int = 0
    panels: int = 0
    gap: float = 0.0  # certified optimality gap (largest over leximin levels)
    level_gaps: tuple[float, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Distribution:
    """A lottery over feasible panels, each panel given as seats per *type* of person.

    People of one type (same feature vector, no shared household) are interchangeable:
    a panel says how many seats each type gets, and the people filling them are drawn
    uniformly within the type at the end (``people_of``). Algorithms that work on
    individuals use one type per person. ``probabilities`` is every person's selection
    probability, indexed by id in pool order; it sums to ``size``.
    """

    algorithm: str
    size: int
    ids: tuple[str, ...]
    type_of: np.ndarray  # type number of each person (pool order)
    panels: tuple[tuple[tuple[int, int], ...], ...]  # per panel: sorted (type, seats) pairs
    weights: np.ndarray  # probability of each panel; sums to 1
    probabilities: pd.Series
    figures: RunFigures = field(default_factory=RunFigures)
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def over_types(
        cls,
        pool: Pool,
        algorithm: str,
        size: int,
        panels: tuple[tuple[tuple[int, int], ...], ...],
        weights: np.ndarray,
        per_type: np.ndarray,
        figures: RunFigures,
        settings: dict[str, Any],
    ) -> Distribution:
        """A lottery over ``pool``'s types; each person gets their type's ``per_type`` value."""
        probabilities = pd.Series(
            per_type[pool.type_of], index=pd.Index(pool.ids, name="id"), name="probability"
        )
        return cls(
            algorithm,
            size,
            pool.ids,
            pool.type_of,
            panels,
            weights,
            probabilities,
            figures,
            settings,
        )

    def members(self) -> list[np.ndarray]:
        """Row numbers of the people of each type, ascending."""
        n_types = int(self.type_of.max()) + 1 if self.type_of.size else 0
        order = np.argsort(self.type_of, kind="stable")
        bounds = np.searchsorted(self.type_of[order], np.arange(n_types + 1))
        return [order[bounds[t] : bounds[t + 1]] for t in range(n_types)]

    def people_of(self, j: int, rng: np.random.Generator) -> list[int]:
        """Fill panel ``j`` with people: ``seats`` drawn uniformly without replacement per type.

        Types are visited in ascending order, so the same generator state gives the same people.
        """
        groups = self.members()
        chosen: list[int] = []
        for t, seats in self.panels[j]:
            group = groups[t]
            if seats == group.size:
                chosen.extend(int(i) for i in group)
            else:
                picked = rng.choice(group.size, size=seats, replace=False)
                chosen.extend(int(group[k]) for k in sorted(picked.tolist()))
        return sorted(chosen)

    def fairness(self) -> dict[str, float]:
        """Fairness of the lottery: min, max, min/(k/n), Gini, geometric mean, share below k/n."""
        return fairness_metrics(self.probabilities.to_numpy(dtype=float), self.size)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = all equal).

    Rounding error of the sums (about 1e-16) is not inequality: equal values give exactly
    0, never a negative figure ("Gini -0.000").

    >>> gini(np.full(10, 0.1)), gini(np.array([0.0, 0.0, 1.0]))
    (0.0, 0.6666666666666666)
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0 or x.sum() <= 0 or x[0] == x[-1]:
        return 0.0
    cum = np.cumsum(x)
    return max(0.0, float((n + 1 - 2 * (cum.sum() / cum[-1])) / n))


def fairness_metrics(p: np.ndarray, size: int) -> dict[str, float]:
    """The fairness figures of a vector of selection probabilities for panels of ``size``."""
    n = p.size
    if n == 0:
        return {
            "min": 0.0,
            "max": 0.0,
            "min_over_equal": 0.0,
            "gini": 0.0,
            "geometric_mean": 0.0,
            "share_below_equal": 0.0,
            "equal": 0.0,
        }
    equal = size / n
    with np.errstate(divide="ignore"):
        geo = math.exp(float(np.mean(portable.log(p)))) if np.all(p > 0) else 0.0
    return {
        "min": float(p.min()),
        "max": float(p.max()),
        "min_over_equal": float(p.min() / equal) if equal > 0 else 0.0,
        "gini": gini(p),
        "geometric_mean": geo,
        "share_below_equal": float(np.mean(p < equal - 1e-9)),
        "equal": float(equal),
    }
