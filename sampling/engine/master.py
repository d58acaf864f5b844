"""The master LP of column generation: a lottery over the panels found so far, in HiGHS.

One HiGHS object lives for the whole run; panels arrive as new columns and leximin
levels change row bounds in place, so every solve warm-starts from the last basis
(dual simplex, one thread, no output). Probabilities are per *type*:
``p_t = sum_P lambda_P * seats_{P,t} / n_t``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from quotas.solvers import INF, new_highs, solve_highs
from sampling import portable

#: How far below what the lottery in hand gives a fixed floor sits, relative to the
#: probability (or 1, whichever is larger). ``achieved`` is within a few ulps (~1e-16
#: relative) of the exact sum of the LP's own coefficients times those weights, so the
#: lottery meets every floor in exact arithmetic with room to spare, while the floor stays
#: three orders of magnitude below the master's feasibility tolerance (``FEASIBILITY``)
#: and five below HiGHS's default 1e-7: what the lottery gives is kept, to within 1e-12.
FLOOR_MARGIN = 1e-12
#: HiGHS's primal feasibility tolerance for the master (its default is 1e-7).
FEASIBILITY = 1e-9


def below(value: float) -> float:
    """``value`` lowered by ``FLOOR_MARGIN`` (relative above 1), never below 0."""
    return max(value - FLOOR_MARGIN * max(1.0, abs(value)), 0.0)


class PanelStore:
    """The distinct panels found so far, as sparse seat vectors, in the order found."""

    def __init__(self, n_types: int) -> None:
        self.n_types = n_types
        self.types: list[np.ndarray] = []
        self.seats: list[np.ndarray] = []
        self._index: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.types)

    def add(self, seats: np.ndarray) -> int | None:
        """Store a panel; return its number, or None when it was already stored."""
        key = np.asarray(seats, dtype=np.int64).tobytes()
        if key in self._index:
            return None
        idx = np.flatnonzero(seats)
        self._index[key] = len(self.types)
        self.types.append(idx.astype(np.int32))
        self.seats.append(np.asarray(seats, dtype=np.int64)[idx])
        return len(self.types) - 1

    def columns(
        self,
        panels: list[np.ndarray],
        counts: np.ndarray,
        row_of: np.ndarray,
        last_row: int,
        sign: float = 1.0,
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Store the new ones among ``panels``; each one's master column (rows, values).

        A column has ``sign * seats_t / counts_t`` in the row ``row_of[t]`` of each seated
        type ``t`` and 1 in ``last_row`` (the convexity row).
        """
        out = []
        for seats in panels:
            j = self.add(seats)
            if j is None:
                continue
            types = self.types[j]
            rows = np.append(row_of[types], last_row).astype(np.int32)
            out.append((rows, np.append(sign * self.seats[j] / counts[types], 1.0)))
        return out

    def index(self, seats: np.ndarray) -> int | None:
        """The number of a stored panel, or None when it is not stored."""
        return self._index.get(np.asarray(seats, dtype=np.int64).tobytes())

    def dense(self, j: int) -> np.ndarray:
        out = np.zeros(self.n_types, dtype=np.int64)
        out[self.types[j]] = self.seats[j]
        return out

    def expected_seats(self, weights: np.ndarray) -> np.ndarray:
        """Per type, ``sum_j weights[j] * seats_{j,t}`` exactly rounded (the same bits anywhere)."""
        used = np.flatnonzero(weights > 0).tolist()
        out = np.zeros(self.n_types, dtype=float)
        if not used:
            return out
        types = np.concatenate([self.types[j] for j in used])
        terms = np.concatenate([weights[j] * self.seats[j] for j in used])
        order = np.argsort(types, kind="stable")
        types, terms = types[order], terms[order]
        starts = np.flatnonzero(np.r_[True, types[1:] != types[:-1]])
        for t, chunk in zip(types[starts].tolist(), np.split(terms, starts[1:]), strict=True):
            out[t] = math.fsum(chunk.tolist())
        return out

    def probabilities(self, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Per-type probabilities of the lottery giving panel ``j`` probability ``weights[j]``."""
        seats = np.zeros(self.n_types, dtype=float)
        for j in np.flatnonzero(weights > 0):
            seats[self.types[j]] += weights[j] * self.seats[j]
        return seats / np.maximum(counts, 1)


@dataclass(frozen=True)
class MasterSolution:
    """An optimum of the restricted master."""

    z: float  # the smallest probability among the open types
    weights: np.ndarray  # lambda per stored panel
    duals: np.ndarray  # per type (0 for uncoverable types), >= 0, summing to 1 over open types


class MinimumMaster:
    """Maximise the smallest probability of the *open* types; *fixed* types keep their floors.

    Rows: one per coverable type (``p_t - z >= 0`` while open, ``p_t >= floor_t`` once
    fixed) and the convexity row ``sum lambda = 1``. Column 0 is ``z``. With ``targets``
    (one per type) every row reads ``p_t / targets_t`` instead of ``p_t``: the master then
    raises the smallest probability relative to its target.
    """

    def __init__(
        self, counts: np.ndarray, coverable: np.ndarray, targets: np.ndarray | None = None
    ) -> None:
        self.counts = counts.astype(np.int64)
        # What a type's seats are divided by in its row: its head count, times its target.
        self.units: np.ndarray = (
            self.counts if targets is None else self.counts * np.asarray(targets, dtype=float)
        )
        self.store = PanelStore(int(counts.size))
        self.active = np.flatnonzero(coverable)
        self.row_of = np.full(counts.size, -1, dtype=np.int64)
        self.row_of[self.active] = np.arange(self.active.size)
        self.open = coverable.copy()
        self.floors = np.zeros(counts.size, dtype=float)
        self.lowered = 0.0  # the most a fixed floor was lowered (see ``meet``)
        self.seconds = 0.0
        self.solves = 0
        h = new_highs()
        # Its weights are the lottery handed back and its z the level measured: both must
        # be right to well below the engine's tolerance (1e-8), not HiGHS's default 1e-7.
        h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY)
        m = int(self.active.size)
        h.addCol(-1.0, 0.0, INF, 0, np.zeros(0, dtype=np.int32), np.zeros(0))
        for _ in range(m):
            h.addRow(0.0, INF, 1, np.zeros(1, dtype=np.int32), np.array([-1.0]))
        h.addRow(1.0, 1.0, 0, np.zeros(0, dtype=np.int32), np.zeros(0))
        self.h = h
        self.convexity_row = m

    def add_panels(self, panels: list[np.ndarray]) -> int:
        """Add the new ones among ``panels`` as columns; return how many were new."""
        starts: list[int] = []
        rows: list[np.ndarray] = []
        values: list[np.ndarray] = []
        nnz = 0
        new = self.store.columns(panels, self.units, self.row_of, self.convexity_row)
        for col_rows, col_values in new:
            starts.append(nnz)
            rows.append(col_rows)
            values.append(col_values)
            nnz += col_rows.size
        if not starts:
            return 0
        k = len(starts)
        self.h.addCols(
            k,
            np.zeros(k),
            np.zeros(k),
            np.full(k, INF),
            nnz,
            np.array(starts, dtype=np.int32),
            np.concatenate(rows),
            np.concatenate(values),
        )
        return k

    def fix(self, types: np.ndarray, floor: float) -> None:
        """Close ``types``: from now on they only need probability ``floor``."""
        for t in types.tolist():
            r = int(self.row_of[t])
            self.h.changeCoeff(r, 0, 0.0)
            self.h.changeRowBounds(r, floor, INF)
            self.open[t] = False
            self.floors[t] = floor

    def solve(self) -> MasterSolution:
        """Solve the restricted master (warm-started from the previous basis)."""
        start = time.perf_counter()
        solve_highs(self.h)
        self.solves += 1
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value, dtype=float)
        row_dual = np.asarray(sol.row_dual, dtype=float)
        duals = np.zeros(self.counts.size, dtype=float)
        duals[self.active] = np.clip(row_dual[: self.active.size], 0.0, None)
        total = float(duals[self.open].sum())
        if total > 0:
            # Any non-negative y summing to 1 over the open types gives a valid bound.
            duals /= total
        weights = np.clip(col[1:], 0.0, None)
        self.seconds += time.perf_counter() - start
        return MasterSolution(float(col[0]), weights, duals)

    def achieved(self, weights: np.ndarray, min_weight: float = 0.0) -> np.ndarray:
        """Per type, what the lottery of ``weights`` really gives (divided by its unit).

        The weights are those of a solution: HiGHS meets its rows only within its
        feasibility tolerance, so they may sum to a hair more or less than 1 and give a
        fixed type a hair less than its floor. Here they are taken as a lottery: below
        ``min_weight`` dropped, the rest renormalised, and each type's probability summed
        exactly.
        """
        kept = np.where(weights >= min_weight, np.clip(weights, 0.0, None), 0.0)
        total = math.fsum(kept.tolist())
        if total <= 0:
            return np.zeros(self.counts.size)
        return self.store.expected_seats(kept / total) / self.units

    def meet(self, achieved: np.ndarray) -> np.ndarray:
        """Lower the fixed floors that ``achieved`` falls short of (just) below it.

        Then the lottery in hand meets every floor in exact arithmetic, so the next master
        and relaxation are feasible, whatever tolerance HiGHS solved the last one to.
        Returns the types lowered; ``lowered`` keeps the largest step (the level gaps,
        measured on the final lottery, account for it).
        """
        fixed = np.flatnonzero(~self.open & (self.row_of >= 0))
        short = fixed[self.floors[fixed] > np.array([below(v) for v in achieved[fixed].tolist()])]
        for t in short.tolist():
            floor = below(float(achieved[t]))
            self.lowered = max(self.lowered, float(self.floors[t]) - floor)
            self.floors[t] = floor
            self.h.changeRowBounds(int(self.row_of[t]), floor, INF)
        return short

    def bound(self, duals: np.ndarray, priced_bound: float) -> float:
        """Upper bound on the best minimum given a pricing bound at ``duals``.

        For any lottery, ``z <= sum_open y_t p_t = y.p - sum_fixed y_t p_t
        <= max_P y.a_P - sum_fixed y_t floor_t``.
        """
        fixed = ~self.open
        return priced_bound - portable.dot(duals[fixed], self.floors[fixed])
