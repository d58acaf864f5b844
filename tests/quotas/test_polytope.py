"""The panel polytope: its shape agrees with brute force, its model finds panels inside it."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
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
