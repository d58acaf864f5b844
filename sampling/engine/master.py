"""The master LP of column generation: a lottery over the panels found so far, in HiGHS.

One HiGHS object lives for the whole run; panels arrive as new columns and leximin
levels change row bounds in place, so every solve warm-starts from the last basis
(dual simplex, one thread, no output). Probabilities are per *type*:
``p_t = sum_P lambda_P * seats_{P,t} / n_t``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from quotas.solvers import INF, SolverFailed, new_highs, solve_highs
from sampling import portable

#: How far the fixed floors are lowered, at most three times, when HiGHS calls a master
#: infeasible that the last lottery meets within HiGHS's 1e-7 tolerance (seen after three
#: fixed levels on a 200-person Egyptian pool).
FLOOR_SLACKS = (1e-9, 1e-8, 1e-7)


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
        self.slack = 0.0  # how far the fixed floors were lowered in all (see ``solve``)
        self.seconds = 0.0
        self.solves = 0
        h = new_highs()
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
        """Solve the restricted master (warm-started from the previous basis).

        The fixed floors sit a hair below levels the last lottery met within HiGHS's
        tolerance, so rows of several levels can add up to an "Infeasible" the exact
        lottery does not have. Then the fixed floors are lowered by ``FLOOR_SLACKS`` in
        turn (kept lowered; ``slack`` says by how much, and the certified gap grows by it).
        """
        start = time.perf_counter()
        self._solve_with_slack()
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

    def _solve_with_slack(self) -> None:
        slacks = list(FLOOR_SLACKS) if (~self.open).any() else []
        while True:
            try:
                solve_highs(self.h)
                return
            except SolverFailed:
                if not slacks:
                    raise
            eps = slacks.pop(0)
            self.slack += eps
            for t in np.flatnonzero(~self.open).tolist():
                self.floors[t] = max(self.floors[t] - eps, 0.0)
                self.h.changeRowBounds(int(self.row_of[t]), self.floors[t], INF)

    def bound(self, duals: np.ndarray, priced_bound: float) -> float:
        """Upper bound on the best minimum given a pricing bound at ``duals``.

        For any lottery, ``z <= sum_open y_t p_t = y.p - sum_fixed y_t p_t
        <= max_P y.a_P - sum_fixed y_t floor_t``.
        """
        fixed = ~self.open
        return priced_bound - portable.dot(duals[fixed], self.floors[fixed])
