"""Apportionment of seats and census margins to quota tables."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quotas.apportion import METHODS, Method, apportion, exact_quotas
from quotas.model import crossed_feature, crossed_value, validate_quotas
from quotas.problems import InvalidInput, KleroError
from quotas.targets import Margins, quotas_from_margins

# Shares as people write them: decimals with a few places, sometimes zero.
share = st.one_of(
    st.just(0.0),
    st.integers(1, 10_000).map(lambda n: n / 10_000),
    st.integers(1, 100).map(lambda n: n / 100),
)
shares_lists = st.lists(share, min_size=1, max_size=8).filter(lambda s: sum(s) > 0)


def within_quota(seats: list[int], shares: list[float], size: int) -> bool:
    quotas = exact_quotas(shares, size)
    return all(math.floor(q) <= a <= math.ceil(q) for a, q in zip(seats, quotas, strict=True))


# -- apportion: properties ----------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(shares_lists, st.integers(0, 120), st.sampled_from(METHODS), st.booleans())
def test_seats_sum_to_size(shares: list[float], size: int, method: Method, textbook: bool) -> None:
    seats = apportion(shares, size, method, textbook=textbook)
    assert sum(seats) == size
    assert len(seats) == len(shares)
    assert all(s == 0 for s, x in zip(seats, shares, strict=True) if x == 0)


@settings(max_examples=150, deadline=None)
@given(shares_lists, st.integers(0, 120), st.sampled_from(METHODS))
def test_default_methods_stay_within_quota(shares: list[float], size: int, method: Method) -> None:
    assert within_quota(apportion(shares, size, method), shares, size)


@settings(max_examples=150, deadline=None)
@given(shares_lists, st.integers(0, 120))
def test_textbook_largest_remainder_stays_within_quota(shares: list[float], size: int) -> None:
    assert within_quota(apportion(shares, size, textbook=True), shares, size)


@settings(max_examples=60, deadline=None)
@given(shares_lists, st.sampled_from(METHODS))
def test_default_methods_are_house_monotone(shares: list[float], method: Method) -> None:
    previous = [0] * len(shares)
    for size in range(1, 41):
        seats = apportion(shares, size, method)
        assert all(b >= a for a, b in zip(previous, seats, strict=True)), (size, previous, seats)
        assert within_quota(seats, shares, size)
        previous = seats


@settings(max_examples=60, deadline=None)
@given(shares_lists)
def test_textbook_sainte_lague_is_house_monotone(shares: list[float]) -> None:
    previous = [0] * len(shares)
    for size in range(1, 41):
        seats = apportion(shares, size, Method.SAINTE_LAGUE, textbook=True)
        assert all(b >= a for a, b in zip(previous, seats, strict=True))
        previous = seats


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=6).filter(any),
    st.integers(2, 7),
    st.integers(0, 60),
    st.sampled_from(METHODS),
)
def test_only_the_ratios_of_shares_matter(
    counts: list[int], factor: int, size: int, method: Method
) -> None:
    scaled = [c * factor for c in counts]
    assert apportion(counts, size, method) == apportion(scaled, size, method)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 80), st.sampled_from(METHODS))
def test_two_categories_match_the_textbook_method(
    a: int, b: int, size: int, method: Method
) -> None:
    assume(a + b > 0)
    default = apportion([a, b], size, method)
    assert default == apportion([a, b], size, method, textbook=True)


# -- apportion: worked examples -----------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_fifty_one_forty_nine_of_thirty_five(method: Method) -> None:
    # exact quotas 17.85 and 17.15
    assert apportion([0.51, 0.49], 35, method) == [18, 17]
    assert apportion([51, 49], 35, method) == [18, 17]


def test_shares_are_exact_decimals() -> None:
    # 0.29 * 100 is 28.999999999999996 in binary floating point; it must count as 29.
    assert apportion([0.29, 0.71], 100) == [29, 71]
    assert exact_quotas([0.29, 0.71], 100) == [29, 71]


def test_ties_go_to_the_category_listed_first() -> None:
    assert apportion([1, 1, 1], 1) == [1, 0, 0]
    assert apportion([1, 1, 1], 2) == [1, 1, 0]
    assert apportion([1, 1, 1], 2, Method.SAINTE_LAGUE) == [1, 1, 0]


def test_alabama_paradox_only_in_the_textbook_method() -> None:
    # Hamilton gives the small category 2 seats of 10 but 1 of 11.
    assert apportion([6, 6, 2], 10, textbook=True) == [4, 4, 2]
    assert apportion([6, 6, 2], 11, textbook=True) == [5, 5, 1]
    assert apportion([6, 6, 2], 10) == [4, 4, 2]
    assert apportion([6, 6, 2], 11) == [5, 4, 2]


def test_textbook_sainte_lague_can_break_quota() -> None:
    shares = [0.905] + [0.005] * 19  # exact quota of the first: 18.1 of 20
    assert apportion(shares, 20, Method.SAINTE_LAGUE, textbook=True)[0] == 20
    assert apportion(shares, 20, Method.SAINTE_LAGUE)[0] == 19


def test_sainte_lague_differs_from_largest_remainder() -> None:
    # quotas 4.5, 1.38, 1.12 of 7: Webster favours the small category
    assert apportion([0.643, 0.197, 0.16], 7, textbook=True) == [5, 1, 1]
    assert apportion([0.5, 0.3, 0.2], 7, Method.SAINTE_LAGUE) == [4, 2, 1]


def test_empty_panel_and_zero_shares() -> None:
    assert apportion([0.5, 0.5], 0) == [0, 0]
    assert apportion([], 0) == []
    assert apportion([0.0, 1.0, 0.0], 5) == [0, 5, 0]


@pytest.mark.parametrize(
    ("shares", "size", "method", "code"),
    [
        ([0.5, 0.5], 3, "dhondt", "apportion_method_unknown"),
        ([0.5, -0.1], 3, "largest-remainder", "apportion_share_invalid"),
        ([0.5, math.nan], 3, "largest-remainder", "apportion_share_invalid"),
        ([0.0, 0.0], 3, "largest-remainder", "apportion_shares_all_zero"),
        ([], 3, "largest-remainder", "apportion_shares_all_zero"),
        ([0.5, 0.5], -1, "largest-remainder", "panel_size_invalid"),
    ],
)
def test_apportion_rejects_bad_input(
    shares: list[float], size: int, method: Any, code: str
) -> None:
    with pytest.raises(KleroError) as caught:
        apportion(shares, size, method)
    assert caught.value.code == code
    assert caught.value.message  # a registered English message, not the bare code
    assert not caught.value.message.startswith(code)


def test_large_inputs_stay_exact_with_many_digit_shares() -> None:
    shares = [0.1234567890123, 0.3765432109877, 0.5]
    seats = apportion(shares, 997)
    assert sum(seats) == 997 and within_quota(seats, shares, 997)


# -- margins -----------------------------------------------------------------------------

GENDER = {"female": 0.51, "male": 0.49}
AGE = {"16-29": 0.25, "30-59": 0.5, "60+": 0.25}


def codes(margins: Margins) -> list[tuple[str, str]]:
    return [(p.code, p.severity) for p in margins.problems()]


def test_valid_margins_have_no_problems() -> None:
    joint = {(g, a): GENDER[g] * AGE[a] for g in GENDER for a in AGE}
    assert Margins({"gender": GENDER, "age": AGE}, {("gender", "age"): joint}).problems() == []


def test_negative_share_is_an_error() -> None:
    problems = Margins({"gender": {"female": 1.0, "male": -0.1}}).problems()
    assert [p.code for p in problems] == ["margin_share_negative"]
    assert problems[0].params["value"] == "male"


def test_shares_slightly_off_warn_and_far_off_are_errors() -> None:
    near = Margins({"gender": {"female": 0.51, "male": 0.487}}).problems()
    assert [(p.code, p.severity) for p in near] == [("margin_shares_sum_off", "warning")]
    assert near[0].params["percent"] == 99.7
    far = Margins({"gender": {"female": 0.51, "male": 0.39}}).problems()
    assert [(p.code, p.severity) for p in far] == [("margin_shares_sum_wrong", "error")]
    assert "90.0%" in far[0].message


def test_duplicate_category_and_feature_after_normalising() -> None:
    margins = Margins({"gender": {"Female": 0.5, "female ": 0.5}, "Gender": {"x": 1.0}})
    found = codes(margins)
    assert ("margin_duplicate_category", "error") in found
    assert ("margin_duplicate_feature", "error") in found


def test_crossed_margins_inconsistent_with_single_margins_warn() -> None:
    joint = {("female", "young"): 0.5, ("male", "young"): 0.5}
    margins = Margins({"gender": GENDER, "age": {"young": 1.0}}, {("gender", "age"): joint})
    problems = margins.problems()
    assert {p.code for p in problems} == {"margin_crossed_inconsistent"}
    assert all(p.severity == "warning" for p in problems)
    assert problems[0].params["crossed_percent"] == 50.0
    assert problems[0].params["single_percent"] == 51.0


def test_crossed_value_unknown_to_single_margin_warns() -> None:
    joint = {("female", "x"): 0.5, ("other", "x"): 0.5}
    margins = Margins({"gender": GENDER}, {("gender", "age"): joint})
    assert ("margin_crossed_unknown_value", "warning") in codes(margins)


def test_crossing_a_feature_with_itself_is_an_error() -> None:
    margins = Margins({}, {("gender", "Gender"): {("a", "b"): 1.0}})
    assert ("margin_crossed_same_feature", "error") in codes(margins)


def test_empty_margins_and_empty_feature() -> None:
    assert codes(Margins({})) == [("margin_none", "error")]
    assert codes(Margins({"gender": {}})) == [("margin_feature_empty", "error")]


# -- quotas from margins ------------------------------------------------------------------


def test_quotas_with_default_tolerance_of_one_seat() -> None:
    table = quotas_from_margins(Margins({"gender": GENDER}), 35)
    assert [(q.value, q.min, q.max, q.target_share) for q in table] == [
        ("female", 17, 19, 0.51),
        ("male", 16, 18, 0.49),
    ]


def test_tolerance_in_seats_and_points() -> None:
    margins = Margins({"age": AGE})
    by_seats = quotas_from_margins(margins, 100, tolerance_seats=3)
    by_points = quotas_from_margins(margins, 100, tolerance_points=3)  # exactly 3 seats
    assert by_seats == by_points
    assert [(q.min, q.max) for q in by_seats] == [(22, 28), (47, 53), (22, 28)]
    # 2.5 points of 35 seats is 0.875 seats, rounded up to 1
    assert [(q.min, q.max) for q in quotas_from_margins(margins, 35, tolerance_points=2.5)] == [
        (8, 10),
        (16, 18),
        (8, 10),
    ]


def test_bounds_are_clipped_to_zero_and_size() -> None:
    table = quotas_from_margins(Margins({"x": {"a": 0.0, "b": 1.0}}), 10, tolerance_seats=2)
    assert [(q.min, q.max) for q in table] == [(0, 2), (8, 10)]


def test_target_shares_are_rescaled_census_shares() -> None:
    table = quotas_from_margins(Margins({"gender": {"female": 0.51, "male": 0.487}}), 50)
    assert sum(q.target_share or 0 for q in table) == pytest.approx(1.0)


def test_crossed_margins_become_a_crossed_feature() -> None:
    joint = {(g, a): GENDER[g] * AGE[a] for g in GENDER for a in AGE}
    margins = Margins({"gender": GENDER, "age": AGE}, {("gender", "age"): joint})
    table = quotas_from_margins(margins, 60, tolerance_seats=0, method=Method.SAINTE_LAGUE)
    name = crossed_feature("gender", "age")
    assert table.features == ("gender", "age", name)
    assert table.values(name)[0] == crossed_value("female", "16-29")
    assert sum(q.min for q in table if q.feature == name) == 60
    assert quotas_from_margins(margins, 60, crossed=False).features == ("gender", "age")


def test_invalid_input_lists_every_problem() -> None:
    margins = Margins({"gender": {"female": -0.5, "male": 0.49}})
    unknown: Any = "x"
    with pytest.raises(InvalidInput) as caught:
        quotas_from_margins(margins, 0, tolerance_seats=1, tolerance_points=2.0, method=unknown)
    found = {p.code for p in caught.value.problems}
    assert {
        "margin_share_negative",
        "margin_shares_sum_wrong",
        "panel_size_invalid",
        "quota_tolerance_both",
        "apportion_method_unknown",
    } <= found


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"tolerance_seats": -1}, "quota_tolerance_seats_negative"),
        ({"tolerance_points": -0.5}, "quota_tolerance_points_negative"),
    ],
)
def test_negative_tolerance_is_rejected(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        quotas_from_margins(Margins({"gender": GENDER}), 20, **kwargs)
    assert caught.value.code == code


@settings(max_examples=80, deadline=None)
@given(
    st.lists(shares_lists, min_size=1, max_size=3),
    st.integers(1, 150),
    st.integers(0, 4),
    st.sampled_from(METHODS),
)
def test_quotas_from_margins_are_always_satisfiable_per_feature(
    features: list[list[float]], size: int, tolerance: int, method: Method
) -> None:
    margins = Margins(
        {
            f"f{i}": {f"v{j}": s / sum(shares) for j, s in enumerate(shares)}
            for i, shares in enumerate(features)
        }
    )
    table = quotas_from_margins(margins, size, tolerance_seats=tolerance, method=method)
    assert [p for p in validate_quotas(table, size) if p.severity == "error"] == []
    for feature, shares in zip(table.features, features, strict=True):
        quotas = [q for q in table if q.feature == feature]
        exact = exact_quotas(shares, size)
        for q, x in zip(quotas, exact, strict=True):
            low, high = math.floor(x), math.ceil(x)
            assert max(0, low - tolerance) <= q.min <= max(0, high - tolerance)
            assert min(size, low + tolerance) <= q.max <= min(size, high + tolerance)
