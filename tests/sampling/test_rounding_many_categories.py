"""The rounding on pools with more categories than a machine word has bits.

The swaps keep each panel's full and least categories as the bits of a Python integer; a
country with 51 regions has over 64 categories. Every panel of the lottery must still meet
every quota, and a new panel that did not would be refused by the rounding's last guard.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.polytope import PanelShape
from quotas.pool import Pool
from sampling import SelectionRequest, SelectionSettings, rounding_records, select_panel
from sampling.names import Algorithm
from sampling.rounding_ip import feasible_panels
from tests.sampling.test_swaps_equal import tight_shape

REGIONS = tuple(f"r{i:02d}" for i in range(70))


def _many_categories(seed: int, m: int) -> tuple[PanelShape, SelectionRequest]:
    rng = np.random.default_rng(seed)
    people, size = 240, 24
    frame = pd.DataFrame(
        {
            "gender": rng.choice(("female", "male"), size=people),
            "region": rng.choice(REGIONS, size=people),
        }
    )
    ids = [f"v{i:03d}" for i in range(people)]
    panel = frame.iloc[rng.choice(people, size=size, replace=False)]
    rows = []
    for feature, values in (("gender", ("female", "male")), ("region", REGIONS)):
        seats = Counter(panel[feature])
        rows += [(feature, v, max(0, seats[v] - 1), seats[v] + 1) for v in values]
    quotas = quota_table(rows)
    pool = Pool.build(ids, frame, quotas, [None] * people)
    settings = SelectionSettings(Algorithm.LEXIMIN, seed=seed, lottery_size=m)
    return PanelShape.of(pool, quotas, size), SelectionRequest(pool, quotas, size, settings)


def _seats(panel: tuple[tuple[int, int], ...], n_types: int) -> np.ndarray:
    seats = np.zeros(n_types, dtype=np.int64)
    for t, s in panel:
        seats[t] = s
    return seats


@pytest.mark.parametrize(("seed", "m"), [(1, 1000), (2, 10_000), (3, 1000)])
def test_every_panel_holds_with_over_64_categories(seed: int, m: int) -> None:
    shape, request = _many_categories(seed, m)
    assert len(shape.categories) > 64
    result = select_panel(request)
    lottery = result.lottery
    assert lottery.rounding is not None
    for panel in set(lottery.panels):
        assert shape.holds(_seats(panel, shape.n_types))


def test_a_new_panel_outside_the_polytope_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _, request = _many_categories(1, 1000)
    support = {
        tuple((int(t), int(s)) for t, s in panel if s > 0)
        for panel in select_panel(request).distribution.panels
    }
    real = rounding_records.panels_hold

    def only_the_support(shape: PanelShape, panels: list, **read: Any) -> np.ndarray:
        listed = np.asarray([p in support for p in panels], dtype=bool)
        return listed & real(shape, panels, **read)

    monkeypatch.setattr(rounding_records, "panels_hold", only_the_support)
    lottery = select_panel(request).lottery
    assert lottery.rounding is not None
    assert lottery.rounding.method == "local_search"
    assert lottery.rounding.added == 0
    assert set(lottery.panels) <= support


@given(
    seed=st.integers(0, 10_000),
    people=st.integers(8, 40),
    size=st.integers(3, 8),
    changes=st.integers(0, 3),
)
@settings(max_examples=40, deadline=None)
def test_the_guard_judges_every_panel_as_the_polytope_does(
    seed: int, people: int, size: int, changes: int
) -> None:
    """All new panels at once (the guard's verdicts) against ``PanelShape.holds`` one by
    one: listed panels and panels changed at random (a seat moved, added or removed, a
    type listed twice, seats beyond a head count or a household)."""
    shape = tight_shape(seed, people, size)
    listed = feasible_panels(shape, 200)
    assume(listed)
    assert listed is not None
    rng = np.random.default_rng(seed)
    panels = []
    for panel in listed[:60]:
        pairs = list(panel)
        for _ in range(changes):
            t = int(rng.integers(0, shape.n_types))
            kind = int(rng.integers(0, 4))
            if kind == 0 and pairs:
                i = int(rng.integers(0, len(pairs)))
                pairs[i] = (pairs[i][0], pairs[i][1] - 1)
                pairs.append((t, 1))
            elif kind == 1:
                pairs.append((t, int(rng.integers(0, 3))))
            elif kind == 2 and pairs:
                pairs.pop(int(rng.integers(0, len(pairs))))
            else:
                pairs.append((t, int(shape.counts[t]) + int(rng.integers(0, 2))))
        panels.append(tuple(pairs))
    got = rounding_records.panels_hold(shape, panels)
    expected = [shape.holds(_seats(p, shape.n_types)) for p in panels]
    assert got.tolist() == expected
    assert rounding_records.panels_hold(shape, []).size == 0


@given(
    st.lists(st.integers(-4, 4), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(-4, 4)), max_size=40),
)
def test_resort_is_moving_each(keys: list[int], moves: list[tuple[int, int]]) -> None:
    """``rounding_records.resort`` (one merge when many moved) gives the list of moving
    each moved type in turn, whatever the share of types moved."""
    ranking = sorted((key / 4, t) for t, key in enumerate(keys))
    now = [key / 4 for key in keys]
    stale: dict[int, float] = {}
    for t, key in moves:
        if t < len(keys):
            stale.setdefault(t, now[t])
            now[t] = key / 4
    expected = sorted((now[t], t) for t in range(len(keys)))
    rounding_records.resort(ranking, stale, now.__getitem__)
    assert ranking == expected and not stale
