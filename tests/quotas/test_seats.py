"""Seats shared among countries: exact totals, bounds, and the monotonicity properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quotas.problems import InvalidInput, KleroError
from quotas.seats import SeatMethod, allocate, read_populations

populations = st.lists(st.integers(0, 10_000_000), min_size=1, max_size=9).map(
    lambda ps: {f"U{i}": p for i, p in enumerate(ps)}
)
methods = st.sampled_from(list(SeatMethod))


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, int], int, SeatMethod, int, int | None, int]:
    """Populations, a total and bounds that can add up to the total."""
    people = draw(populations)
    n = len(people)
    method = draw(methods)
    minimum = draw(st.integers(0, 5))
    base = draw(st.integers(0, 4)) if method is SeatMethod.DEGRESSIVE else 0
    maximum = draw(st.none() | st.integers(max(minimum, base) + 1, 60))
    start = max(minimum, base) if method is SeatMethod.DEGRESSIVE else minimum
    high = n * maximum if maximum is not None else n * start + 300
    total = draw(st.integers(max(1, n * start), max(1, high)))
    assume(n * start <= total)
    return people, total, method, minimum, maximum, base


@given(cases())
def test_seats_add_up_and_stay_within_bounds(case: tuple) -> None:
    people, total, method, minimum, maximum, base = case
    seats = allocate(people, total, method, minimum=minimum, maximum=maximum, base=base)
    assert list(seats) == list(people)
    assert sum(seats.values()) == total
    floor = max(minimum, base) if method is SeatMethod.DEGRESSIVE else minimum
    assert all(floor <= s <= (total if maximum is None else maximum) for s in seats.values())


@given(cases())
def test_one_more_seat_in_total_takes_none_away(case: tuple) -> None:
    people, total, method, minimum, maximum, base = case
    assume(maximum is None or total + 1 <= len(people) * maximum)
    before = allocate(people, total, method, minimum=minimum, maximum=maximum, base=base)
    after = allocate(people, total + 1, method, minimum=minimum, maximum=maximum, base=base)
    assert all(after[u] >= before[u] for u in people)
    assert sum(after[u] - before[u] for u in people) == 1


@given(cases(), st.data())
def test_a_unit_that_grows_never_loses_a_seat(case: tuple, data: st.DataObject) -> None:
    people, total, method, minimum, maximum, base = case
    assume(method is not SeatMethod.EQUAL)
    unit = data.draw(st.sampled_from(list(people)))
    grown = {**people, unit: people[unit] + data.draw(st.integers(1, 5_000_000))}
    before = allocate(people, total, method, minimum=minimum, maximum=maximum, base=base)
    after = allocate(grown, total, method, minimum=minimum, maximum=maximum, base=base)
    assert after[unit] >= before[unit]


@given(cases())
def test_proportional_is_webster_no_seat_moves_to_a_more_deserving_unit(case: tuple) -> None:
    """Sainte-Laguë: p_i / (2 s_i + 1) <= p_j / (2 s_j - 1) whenever i could take j's seat."""
    people, total, _, minimum, maximum, _ = case
    seats = allocate(people, total, SeatMethod.PROPORTIONAL, minimum=minimum, maximum=maximum)
    cap = total if maximum is None else maximum
    for i in people:
        for j in people:
            if i != j and seats[i] < cap and seats[j] > minimum:
                assert people[i] * (2 * seats[j] - 1) <= people[j] * (2 * seats[i] + 1)


@given(cases())
def test_degressive_is_base_plus_a_rounded_up_share(case: tuple) -> None:
    """Cambridge: p_i / a_i <= p_j / (a_j - 1) for a_i, a_j the seats above the base."""
    people, total, _, minimum, maximum, base = case
    seats = allocate(
        people, total, SeatMethod.DEGRESSIVE, minimum=minimum, maximum=maximum, base=base
    )
    cap = total if maximum is None else maximum
    floor = max(minimum, base)
    for i in people:
        for j in people:
            a_i, a_j = seats[i] - base, seats[j] - base
            if i != j and seats[i] < cap and seats[j] > floor and a_j > 1:
                assert people[i] * (a_j - 1) <= people[j] * a_i


@given(cases())
def test_equal_shares_differ_by_at_most_one_and_favour_the_populous(case: tuple) -> None:
    people, total, _, minimum, maximum, _ = case
    seats = allocate(people, total, SeatMethod.EQUAL, minimum=minimum, maximum=maximum)
    cap = total if maximum is None else maximum
    free = [s for s in seats.values() if s < cap]
    assert not free or max(free) - min(free) <= 1
    for i in people:
        for j in people:
            if seats[i] > seats[j] and seats[j] < cap:
                assert people[i] >= people[j] or seats[i] <= minimum


def test_the_european_parliament_example_is_degressive() -> None:
    """Small units get more seats per inhabitant than large ones."""
    people = {"DE": 84_000_000, "FR": 68_000_000, "MT": 530_000, "LU": 650_000}
    seats = allocate(people, 120, SeatMethod.DEGRESSIVE, base=5, maximum=96)
    assert sum(seats.values()) == 120
    per_person = {u: seats[u] / people[u] for u in people}
    assert per_person["MT"] > per_person["LU"] > per_person["FR"] > per_person["DE"]
    assert seats["MT"] == seats["LU"] == 6  # base 5 plus one rounded-up share


@pytest.mark.parametrize(
    ("total", "minimum", "maximum", "code"),
    [
        (10, 4, None, "seats_total_below_minimum"),
        (10, 0, 3, "seats_total_above_maximum"),
        (10, 5, 4, "seats_bounds_invalid"),
    ],
)
def test_totals_the_bounds_cannot_reach_are_refused(
    total: int, minimum: int, maximum: int | None, code: str
) -> None:
    with pytest.raises(KleroError) as error:
        allocate({"A": 10, "B": 20, "C": 30}, total, minimum=minimum, maximum=maximum)
    assert error.value.code == code
    assert error.value.exit_code == 2


def test_bad_populations_and_methods_are_refused() -> None:
    with pytest.raises(KleroError, match="population of B"):
        allocate({"A": 10, "B": -1}, 5)
    with pytest.raises(KleroError) as error:
        SeatMethod.parse("cube-root")
    assert "proportional" in error.value.message
    assert SeatMethod.parse(" Degressive ") is SeatMethod.DEGRESSIVE


def test_a_population_file_lists_every_problem_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("unit,population\nFR,68 000 000\nFR,1\n,3\nDE,84e6x\nLU,650_000\n")
    with pytest.raises(InvalidInput) as error:
        read_populations(path)
    found = {(p.code, p.params.get("row")) for p in error.value.problems}
    assert found == {
        ("seats_unit_repeated", 3),
        ("seats_unit_missing", 4),
        ("seats_population_invalid_cell", 5),
    }
    path.write_text("unit,population\nFR,68 000 000\nLU,650_000\n")
    assert read_populations(path) == {"FR": 68_000_000, "LU": 650_000}
    path.write_text("country,people\nFR,1\n")
    with pytest.raises(InvalidInput, match="unit, population"):
        read_populations(path)
