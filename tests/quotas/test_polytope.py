"""The panel polytope: its shape agrees with brute force, its model finds panels inside it."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.panel_box import SeatBox, panel_in_box
from quotas.polytope import PanelModel, PanelShape
from quotas.pool import Pool
from quotas.solvers import Outcome

QUOTAS = quota_table(
    [
        ("g", "f", 1, 2),
        ("g", "m", 1, 2),
        ("a", "young", 1, 3),
        ("a", "old", 0, 1),
    ]
)


def _pool(genders: list[str], ages: list[str], homes: list[str | None]) -> Pool:
    ids = [f"p{i}" for i in range(len(genders))]
    return Pool.build(ids, pd.DataFrame({"g": genders, "a": ages}), QUOTAS, homes)


def _people_panel_ok(pool: Pool, rows: tuple[int, ...]) -> bool:
    homes = pool.household[list(rows)]
    homes = homes[homes >= 0]
    if homes.size != np.unique(homes).size:
        return False
    for f, feature in enumerate(pool.features):
        for j, value in enumerate(pool.values[f]):
            got = int((pool.matrix[list(rows), f] == j).sum())
            lo, hi = QUOTAS.bounds(feature, value)
            if not lo <= got <= hi:
                return False
    return True


people = st.lists(
    st.tuples(st.sampled_from(["f", "m"]), st.sampled_from(["young", "old"]), st.integers(-1, 1)),
    min_size=3,
    max_size=7,
)


@settings(max_examples=40, deadline=None)
@given(people)
def test_holds_matches_brute_force_and_the_model(rows: list[tuple[str, str, int]]) -> None:
    homes = [None if h < 0 else f"h{h}" for _, _, h in rows]
    pool = _pool([g for g, _, _ in rows], [a for _, a, _ in rows], homes)
    shape = PanelShape.of(pool, QUOTAS, 3)
    feasible = False
    for panel in itertools.combinations(range(len(pool)), 3):
        seats = np.bincount(pool.type_of[list(panel)], minlength=shape.n_types)
        assert shape.holds(seats) == _people_panel_ok(pool, panel)
        feasible = feasible or shape.holds(seats)
    model = PanelModel(shape, split=len(rows) % 2 == 0)
    outcome = model.try_solve()
    assert outcome is (Outcome.OPTIMAL if feasible else Outcome.INFEASIBLE)
    if feasible:
        assert shape.holds(model.seats())


@pytest.mark.parametrize("split", [False, True])
def test_bounds_can_be_changed_in_place(split: bool) -> None:
    pool = _pool(["f", "f", "m", "m"], ["young", "old", "young", "old"], [None] * 4)
    shape = PanelShape.of(pool, QUOTAS, 2)
    model = PanelModel(shape, split=split)
    old = shape.categories.index((1, 1))
    model.set_objective(range(shape.n_types), [float(shape.vectors[t, 1] == 1) for t in range(4)])
    assert model.solve() is Outcome.OPTIMAL
    assert model.best_bound() == pytest.approx(1.0)  # at most one old person
    model.set_category(old, None, None)
    model.solve()
    assert int(model.seats()[shape.members[old]].sum()) == 1  # one young person is needed
    model.set_category(shape.categories.index((1, 0)), 0, None)
    model.solve()
    assert int(model.seats()[shape.members[old]].sum()) == 2
    model.set_size(3, 3)
    model.solve()
    assert int(model.seats().sum()) == 3
    model.set_seats(0, 0, 0)
    model.set_size(4, 4)
    assert model.try_solve() is Outcome.INFEASIBLE


def test_household_members_are_their_own_types() -> None:
    pool = _pool(["f", "f", "m"], ["young", "young", "young"], ["x", "x", None])
    shape = PanelShape.of(pool, QUOTAS, 2)
    assert shape.counts.tolist() == [1, 1, 1]
    assert [g.tolist() for g in shape.households] == [[0, 1]]
    assert not shape.holds(np.array([1, 1, 0]))
    assert shape.holds(np.array([1, 0, 1]))


def _in_box(shape: PanelShape, box: SeatBox, seats: np.ndarray) -> bool:
    cat, home = shape.sums(seats)
    return bool(
        np.all(seats >= box.seats_lo)
        and np.all(seats <= box.seats_hi)
        and np.all(cat >= box.cat_lo)
        and np.all(cat <= box.cat_hi)
        and np.all(home >= box.home_lo)
        and np.all(home <= 1)
        and int(seats.sum()) == shape.size
    )


@settings(max_examples=30, deadline=None)
@given(people, st.integers(1, 4), st.data())
def test_panel_in_box_is_the_best_panel_in_the_box(
    rows: list[tuple[str, str, int]], size: int, data: st.DataObject
) -> None:
    """Brute force over every composition: None exactly when the box holds no panel,
    else a panel in the box with the best objective (fixed types and rows included)."""
    homes = [None if h < 0 else f"h{h}" for _, _, h in rows]
    pool = _pool([g for g, _, _ in rows], [a for _, a, _ in rows], homes)
    shape = PanelShape.of(pool, QUOTAS, size)
    n = shape.n_types
    panels = [
        np.array(c)
        for c in itertools.product(*(range(int(u) + 1) for u in shape.counts))
        if shape.holds(np.array(c))
    ]
    assume(panels)
    # Half the boxes are drawn around a panel (never empty), half anyhow (often empty).
    witness = data.draw(st.sampled_from(panels)) if data.draw(st.booleans()) else None
    top = shape.counts if witness is None else witness
    lows = np.array([data.draw(st.integers(0, int(c))) for c in top])
    bottom = lows if witness is None else witness
    highs = np.array(
        [data.draw(st.integers(int(b), int(c))) for b, c in zip(bottom, shape.counts, strict=True)]
    )
    k = len(shape.categories)
    cat = np.zeros(k, dtype=np.int64) if witness is None else shape.sums(witness)[0]
    cat_lo = np.array([data.draw(st.integers(0, size if witness is None else int(c))) for c in cat])
    cat_hi = np.array(
        [data.draw(st.integers(int(max(lo, c)), size)) for lo, c in zip(cat_lo, cat, strict=True)]
    )
    home = np.ones(len(shape.households)) if witness is None else shape.sums(witness)[1]
    home_lo = np.array([data.draw(st.integers(0, int(h))) for h in home], dtype=np.int64)
    box = SeatBox(lows, highs, cat_lo, cat_hi, home_lo)
    weights = np.array([data.draw(st.integers(0, 9)) for _ in range(n)], dtype=float)
    inside = [c for c in panels if _in_box(shape, box, c)]
    assert witness is None or any(np.array_equal(witness, c) for c in inside)
    got = panel_in_box(shape, box, weights)
    if inside:
        assert got is not None
        assert _in_box(shape, box, got) and shape.holds(got)
        assert float(weights @ got) == pytest.approx(max(float(weights @ c) for c in inside))
    else:
        assert got is None


def test_sums_count_seats_per_category_and_household() -> None:
    pool = _pool(["f", "m", "m", "f"], ["young", "old", "young", "young"], ["x", "x", None, None])
    shape = PanelShape.of(pool, QUOTAS, 2)
    seats = np.zeros(shape.n_types, dtype=np.int64)
    seats[pool.type_of[[0, 2]]] += 1
    cat, home = shape.sums(seats)
    assert dict(zip(shape.categories, cat.tolist(), strict=True)) == {
        (0, 0): 1,
        (0, 1): 1,
        (1, 0): 2,
        (1, 1): 0,
    }
    assert home.tolist() == [1]
