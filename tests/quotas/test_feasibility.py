"""Feasibility check, conflict explanations, smallest relaxations and the exported model."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotas.explain import Bound, FeasibilityResult, explain_conflict
from quotas.feasibility import check_feasibility
from quotas.feasibility_export import export_model
from quotas.model import Category, Quota, QuotaTable, crossed_feature, crossed_value, quota_table
from quotas.problems import InvalidInput, KleroError
from tests.sampling.conftest import single_thread_highs


def women_over_60_pool() -> tuple[pd.DataFrame, QuotaTable]:
    """All 77 women are 60+; 100 men, 40 of them 60+."""
    people = pd.DataFrame(
        {
            "gender": ["female"] * 77 + ["male"] * 100,
            "age": ["60+"] * 77 + ["16-59"] * 60 + ["60+"] * 40,
        }
    )
    quotas = quota_table(
        [
            ("gender", "female", 11, 20),
            ("gender", "male", 5, 20),
            ("age", "60+", 0, 6),
            ("age", "16-59", 0, 30),
        ]
    )
    return people, quotas


def test_feasible_pool_has_no_conflicts() -> None:
    people = pd.DataFrame({"gender": ["f", "m"] * 10, "age": ["young"] * 10 + ["old"] * 10})
    quotas = quota_table(
        [("gender", "f", 4, 6), ("gender", "m", 4, 6), ("age", "young", 3, 7), ("age", "old", 3, 7)]
    )
    result = check_feasibility(people, quotas, 10)
    assert result.feasible
    assert result.conflicts == [] and result.relaxation is None and result.explanation is None
    assert [p for p in result.problems if p.severity == "error"] == []


def test_women_over_60_conflict_is_explained_with_pool_counts() -> None:
    people, quotas = women_over_60_pool()
    result = check_feasibility(people, quotas, 20)
    assert not result.feasible
    assert [p.code for p in result.problems] == ["feasibility_infeasible"]
    assert [c.code for c in result.conflicts] == ["conflict_all_inside"]
    conflict = result.conflicts[0]
    assert conflict.params["count_a"] == 77
    bounds = {
        (b["kind"], b["feature"], b["value"], b["amount"]) for b in conflict.params["bound_list"]
    }
    assert bounds == {("min", "gender", "female", 11), ("max", "age", "60+", 6)}
    assert result.explanation is not None
    assert result.explanation.startswith(
        "All 77 people with gender = female in the pool also have age = 60+, but at most 6 "
        "people with age = 60+ may be selected, and at least 11 with gender = female must be. "
        "The smallest change that makes a panel possible moves the quotas by 5 seats in total: "
    )


def test_relaxation_of_women_over_60_is_five_seats_and_works() -> None:
    people, quotas = women_over_60_pool()
    relaxation = check_feasibility(people, quotas, 20).relaxation
    assert relaxation is not None
    assert relaxation.seats == 5 and len(relaxation.changes) == 1
    change = relaxation.changes[0]
    assert (change.feature, change.value) in {("gender", "female"), ("age", "60+")}
    assert check_feasibility(people, relaxation.table(quotas), 20).feasible
    assert "from 11 to 6" in relaxation.describe() or "from 6 to 11" in relaxation.describe()


def test_some_people_outside_reads_as_a_counting_argument() -> None:
    people = pd.DataFrame(
        {
            "gender": ["female"] * 10 + ["male"] * 10,
            "age": ["old"] * 8 + ["young"] * 2 + ["old"] * 10,
        }
    )
    quotas = quota_table(
        [
            ("gender", "female", 6, 10),
            ("gender", "male", 0, 10),
            ("age", "old", 0, 3),
            ("age", "young", 0, 10),
        ]
    )
    result = check_feasibility(people, quotas, 8)
    assert [c.code for c in result.conflicts] == ["conflict_few_outside"]
    assert result.conflicts[0].params["outside"] == 2
    assert result.conflicts[0].params["needed"] == 3


def test_category_short_of_people_is_a_fast_problem() -> None:
    people = pd.DataFrame({"age": ["16-24"] * 3 + ["25+"] * 20})
    quotas = quota_table([("age", "16-24", 5, 8), ("age", "25+", 2, 10)])
    result = check_feasibility(people, quotas, 10)
    assert not result.feasible
    short = [p for p in result.problems if p.code == "feasibility_category_short"]
    assert short and short[0].params["count"] == 3 and short[0].params["min"] == 5
    assert result.explanation == (
        "Only 3 people in the pool have age = 16-24, but at least 5 must be selected. "
        "The smallest change that makes a panel possible moves the quotas by 2 seats in total: "
        "lower the minimum of age = 16-24 from 5 to 3."
    )


def test_pool_smaller_than_panel_has_no_relaxation() -> None:
    people = pd.DataFrame({"gender": ["f", "m", "f"]})
    quotas = quota_table([("gender", "f", 0, 5), ("gender", "m", 0, 5)])
    result = check_feasibility(people, quotas, 5)
    codes = [p.code for p in result.problems]
    assert "feasibility_pool_too_small" in codes and "relaxation_none" in codes
    assert result.relaxation is None
    assert [c.code for c in result.conflicts] == ["conflict_pool_too_small"]


def test_feature_maximums_too_low_for_the_pool() -> None:
    people = pd.DataFrame({"region": ["north"] * 2 + ["south"] * 20})
    quotas = quota_table([("region", "north", 0, 6), ("region", "south", 0, 6)])
    result = check_feasibility(people, quotas, 10)
    short = [p for p in result.problems if p.code == "feasibility_feature_short"]
    assert short and short[0].params["total"] == 8
    assert [c.code for c in result.conflicts] == ["conflict_max_sum_below_size"]
    assert result.conflicts[0].params["total"] == 6 and result.conflicts[0].params["others"] == 2
    assert result.relaxation is not None and result.relaxation.seats == 2


def test_households_too_few() -> None:
    people = pd.DataFrame({"gender": ["f", "m"] * 4})
    quotas = quota_table([("gender", "f", 0, 8), ("gender", "m", 0, 8)])
    homes = ["a", "a", "b", "b", "c", "c", "d", "d"]
    result = check_feasibility(people, quotas, 5, households=homes)
    assert "feasibility_households_too_few" in [p.code for p in result.problems]
    assert [c.code for c in result.conflicts] == ["conflict_households_too_few"]
    assert result.conflicts[0].params["households"] == 4
    assert check_feasibility(people, quotas, 4, households=homes).feasible


def test_household_makes_a_minimum_impossible() -> None:
    people = pd.DataFrame({"gender": ["f", "f", "m", "m", "m"]})
    quotas = quota_table([("gender", "f", 2, 3), ("gender", "m", 0, 3)])
    assert check_feasibility(people, quotas, 3).feasible
    result = check_feasibility(people, quotas, 3, households=["h", "h", None, "", None])
    assert not result.feasible
    assert [c.code for c in result.conflicts] == ["conflict_min_above_households"]
    assert result.relaxation is not None and result.relaxation.seats == 1


def test_two_independent_conflicts_are_both_reported() -> None:
    people = pd.DataFrame(
        {"gender": ["f"] * 5 + ["m"] * 15, "age": ["old"] * 5 + ["young"] * 15, "area": ["x"] * 20}
    )
    quotas = quota_table(
        [
            ("gender", "f", 4, 10),
            ("gender", "m", 0, 10),
            ("age", "old", 0, 2),
            ("age", "young", 0, 10),
            ("area", "x", 12, 20),
        ]
    )
    result = check_feasibility(people, quotas, 10)
    codes = [c.code for c in result.conflicts]
    assert codes == ["conflict_all_inside", "conflict_min_sum_above_size"]
    assert all("{" not in c.message for c in result.conflicts)


def test_crossed_feature_column_is_an_ordinary_feature() -> None:
    cross = crossed_feature("gender", "age")
    people = pd.DataFrame(
        {
            "gender": ["f", "f", "m", "m"] * 3,
            "age": ["old", "young"] * 6,
        }
    )
    people[cross] = [
        crossed_value(g, a) for g, a in zip(people["gender"], people["age"], strict=True)
    ]
    quotas = QuotaTable(
        [Quota(Category("gender", v), 0, 6) for v in ("f", "m")]
        + [Quota(Category("age", v), 0, 6) for v in ("old", "young")]
        + [
            Quota(Category(cross, crossed_value(g, a)), 2, 3)
            for g in ("f", "m")
            for a in ("old", "young")
        ]
    )
    assert check_feasibility(people, quotas, 8).feasible
    assert not check_feasibility(people, quotas, 13).feasible


def test_input_errors_are_all_reported_at_once() -> None:
    people = pd.DataFrame({"gender": ["f", "x", "y"]})
    quotas = quota_table([("gender", "f", 0, 2), ("gender", "m", 0, 2), ("age", "old", 0, 2)])
    with pytest.raises(InvalidInput) as caught:
        check_feasibility(people, quotas, 2, households=["a"])
    codes = sorted(p.code for p in caught.value.problems)
    assert codes == [
        "feasibility_feature_missing",
        "feasibility_households_length",
        "feasibility_value_unknown",
        "feasibility_value_unknown",
    ]


def test_result_is_json_ready_and_deterministic() -> None:
    people, quotas = women_over_60_pool()
    first = check_feasibility(people, quotas, 20).to_dict()
    second = check_feasibility(people, quotas, 20).to_dict()
    json.dumps(first)
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_generic_conflict_lists_bounds_and_counts() -> None:
    a, b, c = Category("g", "f"), Category("age", "old"), Category("area", "x")
    bounds = [
        Bound("min", "g", "f", 3),
        Bound("min", "age", "old", 3),
        Bound("max", "area", "x", 1),
    ]

    def count(
        require: Sequence[Sequence[Category]], exclude: Sequence[Category] = ()
    ) -> tuple[int, int]:
        return 4 * len(require) + len(exclude), 1

    problems = explain_conflict(bounds, count)
    assert problems[0].code == "conflict_bounds"
    assert "at most 1 person with area = x may be selected" in problems[0].message
    assert [p.code for p in problems[1:4]] == ["conflict_fact_count"] * 3
    assert [p.params["category"] for p in problems[1:4]] == [str(a), str(b), str(c)]
    assert [p.code for p in problems[4:]] == ["conflict_fact_overlap"] * 3


def test_conflict_words_are_translated_and_json_keeps_english() -> None:
    bounds = [
        Bound("size", amount=4),
        Bound("min", "g", "f", 3),
        Bound("max", "age", "old", 1),
    ]
    (generic, *_) = explain_conflict(bounds, lambda require, exclude=(): (9, 9))
    assert generic.message == (
        "These quotas cannot all be met together: the panel has 4 seats; at least 3 people "
        "with g = f must be selected; at most 1 person with age = old may be selected."
    )
    assert generic.message_in("fr").endswith("au plus 1 personne avec age = old peut être tirée.")
    assert generic.message_in("fr").startswith(
        "Ces quotas ne peuvent pas tous être respectés ensemble : le panel compte 4 sièges ; "
        "au moins 3 personnes avec g = f doivent être tirées ;"
    )
    people = pd.DataFrame({"age": ["young", "old"] * 3})
    quotas = quota_table([("age", "young", 0, 1), ("age", "old", 0, 1)])
    result = check_feasibility(people, quotas, 3, relax=False)
    (shape,) = [p for p in result.conflicts if p.code == "conflict_max_sum_below_size"]
    assert "age = young or old" in shape.message
    assert "age = young ou old" in shape.message_in("fr")
    assert "age = young o old" in shape.message_in("es")
    assert json.loads(json.dumps(shape.to_dict()))["b"] == "age = young or old"


# -- the exported model ----------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
@pytest.mark.parametrize("max_old, feasible", [(20, True), (6, False)])
def test_exported_mps_and_lp_give_the_same_answer(
    tmp_path: Path, max_old: int, feasible: bool
) -> None:
    people, quotas = women_over_60_pool()
    quotas, size = quotas.with_bounds("age", "60+", 0, max_old), 20
    people.index = [f"p{i:03d}" for i in range(len(people))]
    homes = [None] * (len(people) - 2) + ["h1", "h1"]
    assert check_feasibility(people, quotas, size, households=homes).feasible is feasible
    mps = export_model(people, quotas, size, tmp_path / "model.mps", households=homes)
    _, problem = pulp.LpProblem.fromMPS(str(mps))
    problem.solve(pulp.PULP_CBC_CMD(msg=False))
    assert (pulp.LpStatus[problem.status] == "Optimal") is feasible
    lp = export_model(people, quotas, size, tmp_path / "model.lp", households=homes)
    text = lp.read_text()
    assert "min_gender_female" in text and "max_age_60plus" in text and "panel_size" in text
    assert "person_p175" in text and "household_1" in text
    highs = single_thread_highs()
    highs.readModel(str(lp))
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    assert (status == "Optimal") is feasible


def test_export_rejects_unknown_suffix(tmp_path: Path) -> None:
    people, quotas = women_over_60_pool()
    with pytest.raises(KleroError):
        export_model(people, quotas, 10, tmp_path / "model.txt")


# -- brute force on tiny pools ---------------------------------------------------------


class Tiny:
    """Every subset of a tiny pool with its category counts, for brute-force answers."""

    def __init__(
        self, people: pd.DataFrame, quotas: QuotaTable, homes: list[str | None] | None
    ) -> None:
        n = len(people)
        self.subsets = np.array(list(itertools.product([0, 1], repeat=n)), dtype=int).reshape(-1, n)
        self.sizes = self.subsets.sum(axis=1)
        self.categories = list(quotas.categories)
        member = np.array(
            [[people.at[i, c.feature] == c.value for c in self.categories] for i in people.index],
            dtype=int,
        ).reshape(n, len(self.categories))
        self.counts = self.subsets @ member
        self.ok = np.ones(len(self.subsets), dtype=bool)
        for key in {h for h in homes or [] if h is not None}:
            rows = [i for i, h in enumerate(homes or []) if h == key]
            self.ok &= self.subsets[:, rows].sum(axis=1) <= 1

    def feasible(self, bounds: list[Bound]) -> bool:
        ok = self.ok.copy()
        for b in bounds:
            if b.kind == "size":
                ok &= self.sizes == b.amount
            else:
                column = self.counts[:, self.categories.index(b.category)]
                ok &= column >= b.amount if b.kind == "min" else column <= b.amount
        return bool(ok.any())

    def cheapest_relaxation(self, quotas: QuotaTable, size: int) -> int | None:
        ok = self.ok & (self.sizes == size)
        if not ok.any():
            return None
        lo = np.array([quotas.quota(c.feature, c.value).min for c in self.categories])
        hi = np.array([quotas.quota(c.feature, c.value).max for c in self.categories])
        cost = (np.maximum(0, lo - self.counts) + np.maximum(0, self.counts - hi)).sum(axis=1)
        return int(cost[ok].min())


TinyCase = tuple[pd.DataFrame, QuotaTable, int, list[str | None] | None]


@st.composite
def tiny_cases(draw: st.DrawFn) -> TinyCase:
    n = draw(st.integers(1, 9))
    n_features = draw(st.integers(1, 3))
    columns: dict[str, list[str]] = {}
    rows: list[tuple[str, str, int, int]] = []
    for f in range(n_features):
        values = [f"v{j}" for j in range(draw(st.integers(2, 3)))]
        columns[f"f{f}"] = draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))
        for v in values:
            lo = draw(st.integers(0, 3))
            rows.append((f"f{f}", v, lo, lo + draw(st.integers(-1, 4))))
    homes = draw(
        st.one_of(st.none(), st.lists(st.sampled_from([None, "a", "b"]), min_size=n, max_size=n))
    )
    size = draw(st.integers(1, 6))
    return pd.DataFrame(columns), quota_table(rows), size, homes


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_cases())
def test_ip_matches_brute_force(case: TinyCase) -> None:
    people, quotas, size, homes = case
    tiny = Tiny(people, quotas, homes)
    every = [Bound("size", amount=size)]
    for q in quotas:
        every += [Bound("min", q.feature, q.value, q.min), Bound("max", q.feature, q.value, q.max)]
    result = check_feasibility(people, quotas, size, households=homes, max_conflicts=1)
    assert result.feasible == tiny.feasible(every)
    if result.feasible:
        assert result.conflicts == [] and result.relaxation is None
    else:
        _assert_conflict_and_fix_are_right(tiny, result, case)


def _assert_conflict_and_fix_are_right(
    tiny: Tiny, result: FeasibilityResult, case: TinyCase
) -> None:
    """The conflict is minimal and the proposed relaxation is the cheapest that works."""
    people, quotas, size, homes = case
    assert all("{" not in p.message for p in result.conflicts + result.problems)
    conflict = [Bound(**b) for b in result.conflicts[0].params["bound_list"]]
    assert not tiny.feasible(conflict)
    for b in conflict:  # minimal: dropping any bound makes it feasible
        assert tiny.feasible([c for c in conflict if c != b])
    best = tiny.cheapest_relaxation(quotas, size)
    if best is None:
        assert result.relaxation is None
    else:
        assert result.relaxation is not None and result.relaxation.seats == best
        relaxed = result.relaxation.table(quotas)
        assert check_feasibility(people, relaxed, size, households=homes).feasible
