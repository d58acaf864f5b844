"""Helpers for the engine tests: random small feasible instances, panel checks, brute force."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
from hypothesis import strategies as st

from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from quotas.solvers import new_highs
from sampling.distribution import Distribution
from synthetic_data.instances import InstanceParams, benchmark_instance


@dataclass(frozen=True)
class Instance:
    """A pool, its quotas and a panel size."""

    pool: Pool
    quotas: QuotaTable
    size: int


def build_instance(
    values: list[list[int]],
    levels: list[int],
    size: int,
    households: list[int],
    slack_lo: list[int],
    slack_hi: list[int],
    witness: list[int],
) -> Instance:
    """A pool from feature codes, with quotas around a witness panel so that it is feasible.

    ``households[i]`` is a household key (-1: none); the witness keeps at most one person
    per household. ``slack_lo/hi`` widen each category's bounds around the witness counts.
    """
    n = len(values)
    frame = pd.DataFrame({f"f{f}": [f"v{row[f]}" for row in values] for f in range(len(levels))})
    rows = []
    c = 0
    for f, count in enumerate(levels):
        for v in range(count):
            seated = sum(1 for i in witness if values[i][f] == v)
            lo = max(0, seated - slack_lo[c % len(slack_lo)])
            hi = min(size, seated + slack_hi[c % len(slack_hi)])
            rows.append((f"f{f}", f"v{v}", lo, hi))
            c += 1
    quotas = quota_table(rows)
    keys = [None if h < 0 else f"h{h}" for h in households]
    ids = [f"p{i:02d}" for i in range(n)]
    return Instance(Pool.build(ids, frame, quotas, keys), quotas, size)


def benchmark_pool(family: str | InstanceParams, seed: int) -> tuple[Pool, QuotaTable, int]:
    """The pool, quotas and panel size of one synthetic benchmark instance."""
    frame, _, quotas, size = benchmark_instance(family, seed=seed)
    homes = frame["household"].tolist()
    pool = Pool.build(frame["id"].tolist(), frame[list(quotas.features)], quotas, homes)
    return pool, quotas, size


@st.composite
def instances(
    draw: st.DrawFn,
    min_people: int = 6,
    max_people: int = 14,
    *,
    values: tuple[int, int] = (2, 3),
    features: tuple[int, int] = (2, 3),
    households: tuple[int, int | None] = (3, 3),
    seats: tuple[int, int] = (1, 6),
    slack: int = 4,
) -> Instance:
    """Random pools with feasible quotas: by default small ones (2–3 features of 2–3
    values, some households, 1–6 seats). ``households``: at most one household per that
    many people, and at most the second number of them (None: no cap); ``slack``: the
    most quota slacks drawn."""
    n = draw(st.integers(min_people, max_people))
    levels = draw(st.lists(st.integers(*values), min_size=features[0], max_size=features[1]))
    values_of = [[draw(st.integers(0, lv - 1)) for lv in levels] for _ in range(n)]
    per, cap = households
    n_households = draw(st.integers(0, n // per if cap is None else min(cap, n // per)))
    homes = [-1] * n
    for h in range(n_households):
        for i in draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=3, unique=True)):
            homes[i] = h
    # The witness panel takes at most one person per household, so it stays valid.
    singles = [i for i in range(n) if homes[i] < 0]
    heads = sorted({min(i for i in range(n) if homes[i] == h) for h in set(homes) - {-1}})
    candidates = sorted(singles + heads)
    size = draw(st.integers(seats[0], min(len(candidates), seats[1])))
    witness = draw(st.permutations(candidates))[:size]
    slacks = st.lists(st.integers(0, 2), min_size=1, max_size=slack)
    return build_instance(values_of, levels, size, homes, draw(slacks), draw(slacks), witness)


def panel_problems(inst: Instance, dist: Distribution) -> list[str]:
    """Everything wrong with the panels of a distribution (empty when all is well)."""
    pool, quotas = inst.pool, inst.quotas
    counts, vectors = pool.type_counts, pool.type_vectors
    problems = []
    for j, panel in enumerate(dist.panels):
        seats = np.zeros(counts.size, dtype=int)
        for t, s in panel:
            seats[t] = s
        if seats.sum() != inst.size:
            problems.append(f"panel {j}: {seats.sum()} seats")
        if np.any(seats < 0) or np.any(seats > counts):
            problems.append(f"panel {j}: seats outside 0..count")
        for f, feature in enumerate(pool.features):
            for v, value in enumerate(pool.values[f]):
                got = int(seats[vectors[:, f] == v].sum())
                lo, hi = quotas.bounds(feature, value)
                if not lo <= got <= hi:
                    problems.append(f"panel {j}: {feature}={value} has {got}, not {lo}..{hi}")
        for rows in pool.households():
            if seats[pool.type_of[rows]].sum() > 1:
                problems.append(f"panel {j}: two people of one household")
    return problems


def feasible_panels(inst: Instance) -> list[tuple[int, ...]]:
    """Every feasible panel, as sorted tuples of person rows (brute force)."""
    pool, quotas = inst.pool, inst.quotas
    out = []
    for panel in itertools.combinations(range(len(pool)), inst.size):
        rows = list(panel)
        homes = pool.household[rows]
        homes = homes[homes >= 0]
        if homes.size != np.unique(homes).size:
            continue
        ok = True
        for f, feature in enumerate(pool.features):
            for v, value in enumerate(pool.values[f]):
                got = int((pool.matrix[rows, f] == v).sum())
                lo, hi = quotas.bounds(feature, value)
                ok = ok and lo <= got <= hi
        if ok:
            out.append(panel)
    return out


def single_thread_highs() -> highspy.Highs:
    """A silent HiGHS on one thread, for the tests' own models.

    HiGHS's first run in a process sizes one thread pool for the whole process, and a
    later solver asking for another size fails to run. The engine's solvers ask for one
    thread, so a test's solver that ran first with the default would break every engine
    test after it in the same process.
    """
    return new_highs()


def _lp(
    n: int,
    panels: list[tuple[int, ...]],
    floors: dict[int, float],
    open_: list[int],
    target: int | None,
    level: float | None,
) -> float:
    """max z (target None) or max p_target s.t. open p_i >= z / level, fixed p_i >= floor."""
    h = single_thread_highs()
    inf = highspy.kHighsInf
    m = len(panels)
    h.addVars(m + 1, np.zeros(m + 1), np.full(m + 1, inf))
    cost = np.zeros(m + 1)
    if target is None:
        cost[m] = -1.0
    else:
        cost[[j for j, p in enumerate(panels) if target in p]] = -1.0
    h.changeColsCost(m + 1, np.arange(m + 1, dtype=np.int32), cost)
    h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
    for i in range(n):
        cols = [j for j, p in enumerate(panels) if i in p]
        if i in floors:
            h.addRow(
                floors[i] - 1e-9, inf, len(cols), np.array(cols, dtype=np.int32), np.ones(len(cols))
            )
        elif i in open_:
            lo = 0.0 if level is None else level - 1e-9
            idx = np.array([*cols, m], dtype=np.int32)
            coef = np.array([1.0] * len(cols) + [0.0 if level is not None else -1.0])
            h.addRow(lo, inf, idx.size, idx, coef)
    h.run()
    return -float(h.getInfo().objective_function_value)


def brute_force_leximin(inst: Instance) -> np.ndarray:
    """Per-person leximin probabilities by enumeration, without duals.

    Each level maximises the minimum; then every open person whose probability cannot be
    raised above the level (checked one by one) is fixed there.
    """
    n = len(inst.pool)
    panels = feasible_panels(inst)
    floors: dict[int, float] = {}
    never = {i for i in range(n) if not any(i in p for p in panels)}
    for i in never:
        floors[i] = 0.0
    while len(floors) < n:
        open_ = [i for i in range(n) if i not in floors]
        z = _lp(n, panels, floors, open_, None, None)
        stuck = [i for i in open_ if _lp(n, panels, floors, open_, i, z) <= z + 1e-7]
        for i in stuck or open_:
            floors[i] = z
    return np.array([floors[i] for i in range(n)])


def nash_objective(p: np.ndarray) -> float:
    """Sum of log probabilities over the people with a positive probability."""
    return float(np.sum(np.log(p[p > 1e-12])))
