"""The sampled alternates problem as one integer program over types (HiGHS).

Same objective as ``sampling.alternates.search``: the sum over sampled scenarios of the
quota deviation after the panel's drop-outs and the best refill from the alternates who
answer. The j-th alternate of type t answers in scenario s when slot (t, j) of the
type's stream says so (``answers``), so the program chooses *slots*:

- ``y[t, j] = 1`` when at least j alternates of type t are on the list
  (``y[t, j] >= y[t, j+1]``, ``sum y = count``);
- in scenario s, ``a[t, s] = sum_j b[t, s, j] * y[t, j]`` alternates of type t answer
  (``b`` = slot j answers);
- when s has at least as many vacancies as the list has alternates, all who answer are
  called; otherwise integer ``z[t, s] <= a[t, s]`` say whom the refill calls, exactly
  ``min(vacancies, sum_t a[t, s])`` of them (a binary per scenario picks the minimum);
- ``d[s, c] >= lo_c - seats`` and ``d[s, c] >= seats - hi_c`` measure the deviation of
  category c, written only where it can be non-zero.

Deterministic: one thread, a fixed random seed and a node budget (no clock). A start
solution (the greedy/swap answer) seeds the search; the caller keeps the better of the
two, so the search never ends worse than it started.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from quotas.solvers import INF, highs_optimal, new_highs_model
from sampling.alternates.dropouts import Layout

#: Branch-and-bound nodes HiGHS may explore (a work budget instead of a clock).
NODE_LIMIT = 500


@dataclass(frozen=True)
class MipResult:
    """The solver's alternates per type (None: none found), their objective (deviations
    summed over scenarios), the proven lower bound, and whether it is optimal."""

    taken: np.ndarray | None
    objective: float
    bound: float
    optimal: bool


class Builder:
    """Columns and rows in triplet form, passed to HiGHS in one call."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []

    def add_cols(self, n: int, cost: float, lower: float, upper: float, integer: bool) -> int:
        first = len(self.cost)
        self.cost += [cost] * n
        self.lower += [lower] * n
        self.upper += [upper] * n
        self.integer += [int(integer)] * n
        return first

    def add_row(self, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float) -> None:
        r = len(self.row_lo)
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        self.rows.append(np.full(len(cols), r, dtype=np.int64))
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=float))

    def solver(self) -> highspy.Highs:
        empty = np.zeros(0, dtype=np.int64)
        entries = (
            np.concatenate(self.rows) if self.rows else empty,
            np.concatenate(self.cols) if self.cols else empty,
            np.concatenate(self.vals) if self.vals else np.zeros(0),
        )
        # Primal simplex, no presolve. Measured here: presolve took 10-20 s on the sampled
        # program (500 scenarios x 40 types) and removed little; on the exact program
        # (20 alternates) 9 s against 5.5 s without it.
        return new_highs_model(
            np.asarray(self.cost),
            (np.asarray(self.lower), np.asarray(self.upper)),
            (np.asarray(self.row_lo), np.asarray(self.row_hi)),
            entries,
            integer=np.asarray(self.integer),
            simplex_strategy=1,
            presolve=False,
        )


def solve_counts(
    layout: Layout,
    remaining: np.ndarray,
    vacancies: np.ndarray,
    vectors: np.ndarray,
    answers: np.ndarray,
    caps: np.ndarray,
    start: np.ndarray,
    *,
    seed: int,
    node_limit: int = NODE_LIMIT,
) -> MipResult:
    """How many alternates of each type minimise the sampled deviation (see module doc).

    ``remaining`` (scenarios x categories) and ``vacancies`` describe the panel after
    each scenario's drop-outs; ``vectors`` (types x categories) the types;
    ``answers[t, s, j]`` how many of the first j alternates of type t answer in s;
    ``caps`` how many of each type may be chosen; ``start`` a feasible choice (counts).
    """
    count = int(start.sum())
    n_types, n_scen = answers.shape[0], answers.shape[1]
    slots = np.minimum(caps, count).astype(np.int64)
    b = np.diff(answers, axis=2)  # types x scenarios x count: slot j answers
    m = Builder()
    y_first = np.zeros(n_types + 1, dtype=np.int64)
    for t in range(n_types):
        y_first[t] = m.add_cols(int(slots[t]), 0.0, 0.0, 1.0, True)
    y_first[n_types] = len(m.cost)
    y_all = np.arange(y_first[-1])
    m.add_row(y_all, np.ones(y_all.size), count, count)
    for t in range(n_types):
        for j in range(int(slots[t]) - 1):
            c = int(y_first[t]) + j
            m.add_row(np.array([c, c + 1]), np.array([1.0, -1.0]), 0.0, INF)
    offset = 0.0
    for s in range(n_scen):
        vac = int(vacancies[s])
        if vac == 0:
            offset += float(layout.deviation(remaining[s]))
            continue
        # Per type, the slot columns that answer in s.
        cols_t = [int(y_first[t]) + np.flatnonzero(b[t, s, : slots[t]]) for t in range(n_types)]
        if vac >= count:
            feeds = [(cols_t[t], np.ones(cols_t[t].size)) for t in range(n_types)]
            most = count
        else:
            feeds = _choice(m, cols_t, vac, count)
            most = vac
        _deviation_rows(m, layout, remaining[s], vectors, feeds, most)
    h = m.solver()
    h.setOptionValue("mip_max_nodes", int(node_limit))
    h.setOptionValue("mip_abs_gap", 0.999)  # the objective is a whole number of seats
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    # The start gives every slot column; HiGHS completes the rest of the solution itself.
    h.setSolution(
        int(y_all.size),
        y_all.astype(np.int32),
        np.concatenate([np.arange(int(slots[t])) < int(start[t]) for t in range(n_types)]).astype(
            float
        ),
    )
    h.run()
    info = h.getInfo()
    found: np.ndarray | None = None
    objective = INF
    if info.primal_solution_status == 2:  # HiGHS holds a feasible solution
        x = np.asarray(h.getSolution().col_value)
        found = np.asarray(
            [round(float(x[y_first[t] : y_first[t + 1]].sum())) for t in range(n_types)],
            dtype=np.int64,
        )
        objective = float(info.objective_function_value) + offset
    bound = float(info.mip_dual_bound) + offset if np.isfinite(info.mip_dual_bound) else -INF
    optimal = highs_optimal(h)
    return MipResult(found, objective, bound, optimal)


def _choice(
    m: Builder, cols_t: list[np.ndarray], vac: int, count: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Refill variables of a scenario with fewer vacancies than alternates."""
    n_types = len(cols_t)
    z0 = m.add_cols(n_types, 0.0, 0.0, float(vac), True)
    w = m.add_cols(1, 0.0, 0.0, 1.0, True)
    answer_cols = np.concatenate(cols_t)
    for t in range(n_types):  # z_t <= a_t
        m.add_row(
            np.concatenate([[z0 + t], cols_t[t]]),
            np.concatenate([[1.0], -np.ones(cols_t[t].size)]),
            -INF,
            0.0,
        )
    z = np.arange(z0, z0 + n_types)
    ones_z, ones_a = np.ones(n_types), np.ones(answer_cols.size)
    # w = 1: at least vac answer and exactly vac are called; w = 0: fewer answer, all called.
    m.add_row(z, ones_z, -INF, float(vac))
    m.add_row(np.append(z, w), np.append(ones_z, -vac), 0.0, INF)
    m.add_row(
        np.concatenate([z, answer_cols, [w]]), np.concatenate([ones_z, -ones_a, [count]]), 0.0, INF
    )
    m.add_row(np.append(answer_cols, w), np.append(ones_a, -vac), 0.0, INF)
    m.add_row(np.append(answer_cols, w), np.append(ones_a, -count), -INF, float(vac - 1))
    return [(np.array([z0 + t]), np.ones(1)) for t in range(n_types)]


def _deviation_rows(
    m: Builder,
    layout: Layout,
    remaining: np.ndarray,
    vectors: np.ndarray,
    feeds: list[tuple[np.ndarray, np.ndarray]],
    most: int,
) -> None:
    """Rows measuring each category's deviation in one scenario (only where it can be > 0)."""
    for c in range(layout.n_categories):
        lo, hi, seats = int(layout.lo[c]), int(layout.hi[c]), int(remaining[c])
        under, over = seats < lo, seats + most > hi
        if not (under or over):
            continue
        members = [feeds[t] for t in np.flatnonzero(vectors[:, c]).tolist()]
        cols = np.concatenate([f[0] for f in members]) if members else np.zeros(0, np.int64)
        vals = np.concatenate([f[1] for f in members]) if members else np.zeros(0)
        d = m.add_cols(1, 1.0, 0.0, INF, False)
        if under:
            m.add_row(np.append(cols, d), np.append(vals, 1.0), float(lo - seats), INF)
        if over:
            m.add_row(np.append(cols, d), np.append(-vals, 1.0), float(seats - hi), INF)
