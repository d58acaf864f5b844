"""The LP relaxation of a leximin level: fractional expected seats instead of a lottery of panels.

Any lottery's expected seats ``x_t = n_t p_t`` satisfy the quotas on average, so the
relaxation's optimum is an upper bound on each level and its duals are a cheap, usually
near-optimal, starting point for the column generation's dual smoothing. Solved in one
persistent HiGHS model; fixing a type changes its row in place, so levels warm-start.

``LikeTypes`` merges the types that differ only by a shared household (people in one are each
their own type) into one column for the relaxation: fewer columns and rows for the same
leximin point whenever no household row binds there (``sampling.engine.decompose`` checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from quotas.polytope import PanelShape
from quotas.pool import distinct_rows
from quotas.solvers import INF, new_highs, solve_highs


class Shaped(Protocol):
    """Anything with a panel polytope over types: a ``PanelOracle`` or ``LikeTypes``."""

    @property
    def shape(self) -> PanelShape: ...


@dataclass(frozen=True)
class LikeTypes:
    """Types with the same features (and the same coverability and target) merged into one.

    ``index[t]`` is type ``t``'s merged type; ``shape`` is the polytope over merged types,
    without the household rows (each merged type's seats are its members' sum).
    """

    index: np.ndarray
    shape: PanelShape

    @classmethod
    def of(
        cls, shape: PanelShape, coverable: np.ndarray, targets: np.ndarray | None = None
    ) -> LikeTypes:
        """The like types of ``shape``, in the keys' lexicographic order."""
        key = [shape.vectors.astype(np.int64), coverable.astype(np.int64)[:, None]]
        if targets is not None:
            key.append(np.asarray(targets, dtype=np.float64).view(np.int64)[:, None])
        first, index = distinct_rows(np.column_stack(key))
        vectors = shape.vectors[first]
        members = [np.flatnonzero(vectors[:, f] == j) for f, j in shape.categories]
        merged = PanelShape(
            size=shape.size,
            counts=np.bincount(index, weights=shape.counts).astype(np.int64),
            vectors=vectors,
            households=[],
            categories=shape.categories,
            members=members,
            lo=shape.lo,
            hi=shape.hi,
        )
        return cls(index, merged)

    @property
    def first(self) -> np.ndarray:
        """A type of each merged type (its first)."""
        return np.unique(self.index, return_index=True)[1]


class Relaxation:
    """Max z s.t. ``x_t / n_t >= z`` (open), ``>= floor_t`` (fixed), ``x`` in the quota box.

    With ``targets`` (one per type) the rows read ``x_t / (n_t targets_t)``.
    """

    def __init__(
        self, oracle: Shaped, coverable: np.ndarray, targets: np.ndarray | None = None
    ) -> None:
        shape = oracle.shape
        counts = shape.counts.astype(float)
        # x_t / (n_t targets_t) >= z with targets; the upper bounds stay the head counts.
        units = counts if targets is None else counts * np.asarray(targets, dtype=float)
        self.active = np.flatnonzero(coverable)
        m = int(self.active.size)
        h = new_highs()
        t_all = shape.n_types
        # Columns 0..T-1: x_t (uncoverable types pinned to 0); column T: z.
        upper = np.where(coverable, counts, 0.0)
        h.addVars(t_all, np.zeros(t_all), upper)
        h.addVar(0.0, INF)
        h.changeColCost(t_all, -1.0)
        for r, t in enumerate(self.active.tolist()):
            del r
            h.addRow(
                0.0, INF, 2, np.array([t, t_all], dtype=np.int32), np.array([1.0 / units[t], -1.0])
            )
        for row in shape.linear_rows():  # the panel polytope's rows, over x
            h.addRow(*row)
        self.h = h
        self.z_col = t_all
        self.m = m
        self.n_types = t_all

    def fix(self, types: np.ndarray, floor: float, row_of: np.ndarray) -> None:
        """Mirror MinimumMaster.fix: the types need only ``floor`` from now on."""
        for t in types.tolist():
            r = int(row_of[t])
            self.h.changeCoeff(r, self.z_col, 0.0)
            self.h.changeRowBounds(r, floor, INF)

    def duals(self, open_: np.ndarray) -> tuple[float, np.ndarray]:
        """Solve; return the relaxed level value and the type duals normalised over open types."""
        solve_highs(self.h)  # retries cold when a warm start stalls
        sol = self.h.getSolution()
        z = float(np.asarray(sol.col_value)[self.z_col])
        y = np.zeros(self.n_types)
        y[self.active] = np.clip(np.asarray(sol.row_dual, dtype=float)[: self.m], 0.0, None)
        total = float(y[open_].sum())
        if total > 0:
            y /= total
        return z, y
