"""Whether any positive weights meet the margins: a proof by linear program when none do.

Raking converges whenever some positive weights give every category its census share;
when it stops without reaching them, either none exist or it is slow. Which one is a
linear question. Write ``M`` for the matrix with one row per category c (of every
dimension) and one column per person i, ``M[c, i] = [i in c] − s_c``: weights ``w``
meet the margins exactly when ``M w = 0``. By Stiemke's lemma (1915), there is no
``w > 0`` with ``M w = 0`` if and only if some ``y`` makes ``z = Mᵀ y`` nonnegative and
not zero. Such a ``y`` is the proof: ``Σ_i z_i w_i = yᵀ M w`` would be 0 for weights
meeting the margins, yet it is positive for any positive weights.

Adding a constant to a dimension's entries of ``y`` leaves ``Mᵀ y`` unchanged (each
person is in exactly one category of it, and its shares add up to 1), so ``y ≥ 0``
loses nothing. The linear program (HiGHS, ``quotas.solvers``) looks for the proof
with the smallest ``Σ y_c`` among those with ``Σ_i z_i ≥ 1``: few categories, the ones
that conflict. When each of them has ``y_c = 1`` it reads plainly: everyone on the
panel is in at least one of them, but their census shares add up to less than 100 %.
The proof is checked again in floating point before it is believed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from quotas.solvers import INF, highs_optimal, highs_status, new_highs_model

if TYPE_CHECKING:
    from quotas.raking import Dimension

#: A category is in the proof when its ``y_c`` is above this (the largest is about 1).
IN_PROOF = 1e-7
#: The check: every ``z_i`` at least ``-SLACK`` and their sum at least ``1 - SLACK``.
SLACK = 1e-6


@dataclass(frozen=True)
class Proof:
    """The linear program's answer: ``infeasible`` (with the conflicting categories),
    ``feasible`` (positive weights exist: raking is slow) or ``unknown`` (no answer)."""

    outcome: str
    categories: tuple[tuple[str, str], ...] = ()
    multipliers: tuple[float, ...] = ()  # y, one per category of every dimension in order


def prove(dims: Sequence[Dimension]) -> Proof:
    """Whether positive weights can meet the dimensions' shares, proven either way."""
    if not dims:
        return Proof("unknown")
    types, counts = np.unique(np.stack([d.codes for d in dims], axis=1), axis=0, return_counts=True)
    offsets = np.cumsum([0] + [len(d.values) for d in dims])
    n_cat, n = int(offsets[-1]), float(counts.sum())
    shares = np.concatenate([d.shares for d in dims])
    sizes = np.concatenate([np.bincount(d.codes, minlength=len(d.values)) for d in dims])
    k = n_cat  # the column of K = Σ s_c y_c; row 0: K − Σ s_c y_c = 0
    rows, cols, values = [np.zeros(n_cat + 1)], [np.arange(n_cat + 1)], [np.r_[-shares, 1.0]]
    for t, codes in enumerate(types):  # rows 1..: z_t = Σ_d y_(d, code) − K ≥ 0
        cats = offsets[:-1] + codes
        rows.append(np.full(len(dims) + 1, t + 1))
        cols.append(np.r_[cats, k])
        values.append(np.r_[np.ones(len(dims)), -1.0])
    last = len(types) + 1  # Σ_i z_i = Σ_c n_c y_c − n K ≥ 1
    rows.append(np.full(n_cat + 1, last))
    cols.append(np.arange(n_cat + 1))
    values.append(np.r_[sizes.astype(float), -n])
    lower = np.r_[0.0, np.zeros(len(types)), 1.0]
    upper = np.r_[0.0, np.full(len(types), INF), INF]
    h = new_highs_model(
        np.r_[np.ones(n_cat), 0.0],
        (np.r_[np.zeros(n_cat), -INF], np.full(n_cat + 1, INF)),
        (lower, upper),
        (np.concatenate(rows), np.concatenate(cols), np.concatenate(values)),
    )
    h.run()
    if not highs_optimal(h):  # no proof of infeasibility: positive weights exist
        return Proof("feasible" if highs_status(h) == "Infeasible" else "unknown")
    y = np.asarray(h.getSolution().col_value[:n_cat], dtype=float)
    if not _holds(y, types, counts, offsets, shares):
        return Proof("unknown")
    found = [
        (dim.feature, value)
        for d, dim in enumerate(dims)
        for c, value in enumerate(dim.values)
        if y[offsets[d] + c] > IN_PROOF
    ]
    return Proof("infeasible", tuple(found), tuple(float(v) for v in y))


def _holds(
    y: np.ndarray, types: np.ndarray, counts: np.ndarray, offsets: np.ndarray, shares: np.ndarray
) -> bool:
    """Whether ``y`` is a proof: ``z = Mᵀ y ≥ 0`` for every person, ``Σ z > 0``."""
    scale = max(float(y.max()), 1.0) if y.size else 1.0
    z = y[offsets[:-1] + types].sum(axis=1) - float(shares @ y)
    return bool(z.min() >= -SLACK * scale and float(counts @ z) >= 1 - SLACK * scale)
