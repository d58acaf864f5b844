"""The face walk's box program: merged columns and the LP-first solve keep its optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.panel_box import GAP, NEAR, SeatBox, box_columns, panel_in_box, solve_box_program
from quotas.polytope import PanelModel, PanelShape
from quotas.pool import Pool
from quotas.solvers import Outcome

QUOTAS = quota_table(
    [
        ("g", "f", 2, 5),
        ("g", "m", 2, 5),
        ("a", "young", 1, 6),
        ("a", "old", 1, 4),
        ("r", "north", 0, 4),
        ("r", "south", 1, 6),
    ]
)


def _pool(rows: list[tuple[str, str, str, int]]) -> Pool:
    ids = [f"p{i:02d}" for i in range(len(rows))]
    frame = pd.DataFrame({"g": [r[0] for r in rows], "a": [r[1] for r in rows]})
    frame["r"] = [r[2] for r in rows]
    homes = [None if r[3] < 0 else f"h{r[3]}" for r in rows]
    return Pool.build(ids, frame, QUOTAS, homes)


def test_like_types_share_a_column_and_households_keep_theirs() -> None:
    """Types alike in every feature and weight are one column; a household keeps its row
    only while two of its members are free."""
    pool = _pool(
        [
            ("f", "young", "north", -1),
            ("f", "young", "north", 0),  # alone among the free members of household 0
            ("m", "old", "south", 0),  # ... when this one is fixed
            ("m", "old", "south", 1),
            ("f", "old", "south", 1),
        ]
    )
    shape = PanelShape.of(pool, QUOTAS, 3)
    room = shape.counts.copy()
    home = (np.zeros(2, dtype=np.int64), np.ones(2, dtype=np.int64))
    t = pool.type_of
    free = np.sort(t[[0, 1, 3, 4]])  # person 2 fixed
    weights = np.ones(shape.n_types)
    columns = box_columns(shape, free, room, home, weights)
    group = dict(zip(free.tolist(), columns.group.tolist(), strict=True))
    assert group[t[0]] == group[t[1]]  # the lone household member joins like people
    assert len({group[t[0]], group[t[3]], group[t[4]]}) == 3
    assert columns.homes[group[t[3]]] == columns.homes[group[t[4]]] == pool.household[3]
    assert columns.homes[group[t[0]]] == -1
    assert columns.upper[group[t[0]]] == 2
    # A different weight keeps them apart; so does a household that must have a seat.
    weights[t[1]] = 2.0
    assert box_columns(shape, free, room, home, weights).first.size == 4
    must = (np.array([1, 0]), np.ones(2, dtype=np.int64))
    assert box_columns(shape, free, room, must, np.ones(shape.n_types)).first.size == 4


def test_a_columns_seats_go_back_to_its_types_within_their_room() -> None:
    """Three lone household members and two like people living alone share one column;
    its seats are dealt in type order, none past a type's room."""
    alike = ("f", "young", "south")
    rows = [(*alike, -1), (*alike, -1), *[("m", "old", "north", -1)] * 3]
    for h in range(3):
        rows += [(*alike, h), ("m", "old", "north", h)]
    pool = _pool(rows)
    shape = PanelShape.of(pool, QUOTAS, 5)
    n = shape.n_types
    mine = np.unique(pool.type_of[[0, 5, 7, 9]])  # the column's types, in type order
    highs = shape.counts.copy()
    highs[pool.type_of[[6, 8, 10]]] = 0  # the partners are fixed at no seat
    k = len(shape.categories)
    box = SeatBox(
        np.zeros(n, dtype=np.int64),
        highs,
        np.zeros(k, dtype=np.int64),
        np.full(k, 5),
        np.zeros(3, dtype=np.int64),
    )
    free = np.flatnonzero(highs > 0)
    home = (np.zeros(3, dtype=np.int64), np.ones(3, dtype=np.int64))
    weights = np.where(np.isin(np.arange(n), mine), 2.0, 1.0)
    columns = box_columns(shape, free, highs, home, weights)
    assert columns.first.size == 2 and sorted(columns.upper.tolist()) == [3, 5]
    got = panel_in_box(shape, box, weights)
    assert got is not None and shape.holds(got) and np.all(got <= highs)
    # Three seats (the most that leaves two men) go to the column, filling types in order.
    assert got[mine].tolist() == [2, 1, 0, 0]


people = st.lists(
    st.tuples(
        st.sampled_from(["f", "m"]),
        st.sampled_from(["young", "old"]),
        st.sampled_from(["north", "south"]),
        st.integers(-3, 2),
    ),
    min_size=6,
    max_size=16,
)


def _reference(shape: PanelShape, box: SeatBox, weights: np.ndarray) -> float | None:
    """The optimum of the unmerged program: every type its own column, every household
    its row (CBC over the whole polytope with the box's bounds)."""
    model = PanelModel(shape)
    for t in range(shape.n_types):
        model.set_seats(t, float(box.seats_lo[t]), float(box.seats_hi[t]))
    for k in range(len(shape.categories)):
        low = max(int(box.cat_lo[k]), int(shape.lo[k]))
        model.set_category(k, low, min(int(box.cat_hi[k]), int(shape.hi[k])))
    for h in range(len(shape.households)):
        model.set_household(h, float(box.home_lo[h]), 1.0)
    model.set_objective(range(shape.n_types), weights.tolist())
    if model.try_solve() is not Outcome.OPTIMAL:
        return None
    return float(weights @ model.seats())


@settings(max_examples=60, deadline=None)
@given(people, st.integers(3, 8), st.data())
def test_merged_columns_give_the_unmerged_optimum(
    rows: list[tuple[str, str, str, int]], size: int, data: st.DataObject
) -> None:
    """On random pools and boxes (weights from a few values, so that columns merge): the
    box program finds a panel in the box, as good as the unmerged program's best."""
    pool = _pool(rows)
    shape = PanelShape.of(pool, QUOTAS, size)
    n = shape.n_types
    # A box around a panel (found for random weights), so that most boxes hold panels.
    model = PanelModel(shape)
    model.set_objective(range(n), [data.draw(st.integers(0, 3)) for _ in range(n)])
    assume(model.try_solve() is Outcome.OPTIMAL)
    witness = model.seats()
    # Half the types fixed at the witness's seats: households then have lone free
    # members, which join like types' columns.
    fixed = [data.draw(st.booleans()) for _ in range(n)]
    lows = np.array(
        [
            int(w) if f else data.draw(st.integers(0, int(w)))
            for w, f in zip(witness, fixed, strict=True)
        ]
    )
    highs = np.array(
        [
            int(w) if f else data.draw(st.integers(int(w), int(c)))
            for w, c, f in zip(witness, shape.counts, fixed, strict=True)
        ]
    )
    cat, home = shape.sums(witness)
    cat_lo = np.array([data.draw(st.integers(0, int(c))) for c in cat])
    cat_hi = np.array([data.draw(st.integers(int(c), size)) for c in cat])
    home_lo = np.array([data.draw(st.integers(0, int(h))) for h in home], dtype=np.int64)
    box = SeatBox(lows, highs, cat_lo, cat_hi, home_lo)
    weights = np.array([data.draw(st.sampled_from([0.5, 1.0, 2.0])) for _ in range(n)])
    best = _reference(shape, box, weights)
    got = panel_in_box(shape, box, weights)
    assert got is not None and best is not None  # the witness is in the box
    assert shape.holds(got)
    assert np.all(got >= lows) and np.all(got <= highs)
    cat, home = shape.sums(got)
    assert np.all(cat >= cat_lo) and np.all(cat <= cat_hi) and np.all(home >= home_lo)
    assert float(weights @ got) >= best - GAP * abs(best) - 1e-9


programs = st.integers(2, 6).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.integers(-3, 9), min_size=n, max_size=n),  # objective
        st.lists(st.integers(0, 3), min_size=n, max_size=n),  # upper bounds
        st.lists(  # rows: (lower, width, members)
            st.tuples(
                st.integers(0, 5),
                st.integers(0, 4),
                st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True),
            ),
            min_size=1,
            max_size=5,
        ),
    )
)


@settings(max_examples=120, deadline=None)
@given(programs, st.sampled_from([0, 1, NEAR]))
def test_the_lp_first_solve_is_the_integer_optimum(
    program: tuple[int, list[int], list[int], list[tuple[int, int, list[int]]]], near: int
) -> None:
    """Brute force over every integer point: None exactly when there is none, else a point
    within the rows and bounds whose value is the best within the relative gap, however
    few unused columns the restricted CBC program keeps (``near``)."""
    _, cost, upper, raw = program
    objective = np.array(cost, dtype=float)
    top = np.array(upper, dtype=float)
    rows = [(float(lo), float(lo + width), np.array(m)) for lo, width, m in raw]

    def fits(x: np.ndarray) -> bool:
        return all(lo <= x[m].sum() <= hi for lo, hi, m in rows)

    points = [
        np.array(p, dtype=float)
        for p in itertools.product(*(range(u + 1) for u in upper))
        if fits(np.array(p, dtype=float))
    ]
    got = solve_box_program(objective, top, rows, near=near)
    if not points:
        assert got is None
        return
    assert got is not None
    assert np.array_equal(got, np.rint(got)) and np.all(got >= 0) and np.all(got <= top)
    assert fits(got)
    best = max(float(objective @ p) for p in points)
    assert float(objective @ got) >= best - GAP * abs(best) - 1e-9
