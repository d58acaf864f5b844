"""The feasibility check works on the Pool (built once, sorted by id), so row order is moot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.feasibility import check_feasibility, prepare
from quotas.model import quota_table

QUOTAS = quota_table(
    [
        ("gender", "female", 3, 4),
        ("gender", "male", 3, 4),
        ("age", "young", 4, 5),
        ("age", "old", 3, 3),
    ]
)


def _people() -> tuple[pd.DataFrame, list[object]]:
    rng = np.random.default_rng(7)
    n = 14
    people = pd.DataFrame(
        {
            "Gender": rng.choice(["Female", "male "], n),
            "age": rng.choice(["young", "OLD"], n),
        },
        index=[f"v{i:02d}" for i in range(n)],
    )
    homes: list[object] = [None] * n
    homes[0] = homes[3] = "a"
    homes[5] = homes[6] = "b"
    homes[7] = float("nan")  # a blank cell read by pandas
    return people, homes


@settings(max_examples=15, deadline=None)
@given(st.permutations(list(range(14))))
def test_answer_and_relaxation_do_not_depend_on_row_order(order: list[int]) -> None:
    people, homes = _people()
    base = check_feasibility(people, QUOTAS, 9, households=homes)
    shuffled = people.iloc[order]
    again = check_feasibility(shuffled, QUOTAS, 9, households=[homes[i] for i in order])
    assert not base.feasible  # at most 4 + 4 by gender and 5 + 3 by age: 9 cannot sit
    assert again.to_dict()["explanation"] == base.to_dict()["explanation"]
    assert again.relaxation is not None and base.relaxation is not None
    assert again.relaxation.steps() == base.relaxation.steps()


def test_prepare_builds_the_pool_with_its_types() -> None:
    people, homes = _people()
    inst = prepare(people, QUOTAS, 7, homes)
    assert inst.pool.ids == tuple(sorted(people.index))
    assert inst.pool.values == (("female", "male"), ("young", "old"))
    # Household members are their own types; nan is no household.
    assert [len(rows) for rows in inst.pool.households()] == [2, 2]
    assert int(inst.shape.counts.sum()) == len(people)
    assert inst.has_households
    assert [inst.ids[r] for r in np.argsort(inst.input_row)] == list(people.index)
