"""A lottery over feasible panels and what it means for each volunteer: the result of every algorithm.

Probabilities are data (a Series by id), never report text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


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
    """Panels (tuples of row numbers into the pool, sorted) with their probabilities.

    ``probabilities`` is every person's selection probability, indexed by id in pool order.
    """

    algorithm: str
    size: int
    ids: tuple[str, ...]
    panels: tuple[tuple[int, ...], ...]
    weights: np.ndarray
    probabilities: pd.Series
    figures: RunFigures = field(default_factory=RunFigures)
    settings: dict[str, Any] = field(default_factory=dict)

    def panel_ids(self, j: int) -> list[str]:
        """The ids of panel ``j``."""
        return [self.ids[i] for i in self.panels[j]]

    def fairness(self) -> dict[str, float]:
        """Fairness of the lottery: min, max, min/(k/n), Gini, geometric mean, share below k/n."""
        return fairness_metrics(self.probabilities.to_numpy(dtype=float), self.size)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = all equal)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum.sum() / cum[-1])) / n)


def fairness_metrics(p: np.ndarray, size: int) -> dict[str, float]:
    """The fairness figures of a vector of selection probabilities for panels of ``size``."""
    n = p.size
    if n == 0:
        return {"min": 0.0, "max": 0.0, "min_over_equal": 0.0, "gini": 0.0,
                "geometric_mean": 0.0, "share_below_equal": 0.0, "equal": 0.0}
    equal = size / n
    with np.errstate(divide="ignore"):
        geo = float(np.exp(np.mean(np.log(np.clip(p, 0.0, None))))) if np.all(p > 0) else 0.0
    return {
        "min": float(p.min()),
        "max": float(p.max()),
        "min_over_equal": float(p.min() / equal) if equal > 0 else 0.0,
        "gini": gini(p),
        "geometric_mean": geo,
        "share_below_equal": float(np.mean(p < equal - 1e-9)),
        "equal": float(equal),
    }
