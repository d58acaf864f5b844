"""Places drawn by systematic PPS: exact probabilities, exactly n places, reproducible."""

from __future__ import annotations

import hashlib
import itertools
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quotas.problems import KleroError
from sampling import draw_places, inclusion_probabilities
from sampling.places import places_sha256, random_start, systematic_pick

towns = st.lists(st.integers(0, 2_000_000), min_size=1, max_size=25).map(
    lambda ps: {f"T{i}": p for i, p in enumerate(ps)}
)


@st.composite
def draws(draw: st.DrawFn) -> tuple[dict[str, int], int]:
    """Places and a count no larger than the places with people."""
    people = draw(towns)
    populated = sum(1 for p in people.values() if p > 0)
    assume(populated >= 1)
    return people, draw(st.integers(1, populated))


@given(draws())
def test_probabilities_are_proportional_below_the_certain_places(case: tuple) -> None:
    people, count = case
    chances = inclusion_probabilities(people, count)
    assert sum(chances.values()) == count
    assert all(0 <= p <= 1 for p in chances.values())
    assert all(chances[name] == 0 for name, p in people.items() if p == 0)
    certain = [name for name, p in chances.items() if p == 1]
    others = {name: people[name] for name, p in chances.items() if 0 < p < 1}
    if others:  # the others: (count - certain) * population / their total, each below 1
        left, total = count - len(certain), sum(others.values())
        assert all(chances[n] == Fraction(left * p, total) for n, p in others.items())
        # a certain place is at least as large as the step of the places it was taken from
        assert all(people[c] >= max(others.values()) for c in certain)
    if max(people.values()) * count < sum(people.values()):  # no place reaches the step
        assert chances == {n: Fraction(count * p, sum(people.values())) for n, p in people.items()}


@given(draws(), st.integers(0, 2**31))
def test_a_draw_has_exactly_count_distinct_places_and_repeats(case: tuple, seed: int) -> None:
    people, count = case
    drawn = draw_places(people, count, seed=seed)
    assert len(drawn.selected) == len(set(drawn.selected)) == count
    assert all(people[name] > 0 for name in drawn.selected)
    assert set(drawn.certain) <= set(drawn.selected)
    assert list(drawn.selected) == [n for n in people if n in set(drawn.selected)]  # file order
    assert draw_places(people, count, seed=seed) == drawn


@given(draws())
def test_over_every_start_each_place_is_drawn_with_its_probability(case: tuple) -> None:
    """Exact: the draw is constant between the points where a place's line begins."""
    people, count = case
    chances = inclusion_probabilities(people, count)
    cuts, reached = {Fraction(0), Fraction(1)}, Fraction(0)
    for p in chances.values():
        if p < 1:
            reached += p
            cuts.add(reached - int(reached))
    edges = sorted(cuts)
    measure = dict.fromkeys(people, Fraction(0))
    for low, high in itertools.pairwise(edges):
        picked = systematic_pick(chances, (low + high) / 2)
        assert len(picked) == count
        for name in picked:
            measure[name] += high - low
    assert measure == chances


def test_over_many_seeds_the_frequencies_match_the_probabilities() -> None:
    people = {"A": 900, "B": 400, "C": 250, "D": 200, "E": 120, "F": 80, "G": 50}
    chances = inclusion_probabilities(people, 3)
    runs = 3000
    counts = dict.fromkeys(people, 0)
    for seed in range(runs):
        for name in draw_places(people, 3, seed=seed).selected:
            counts[name] += 1
    for name, p in chances.items():
        spread = (float(p) * (1 - float(p)) / runs) ** 0.5
        assert abs(counts[name] / runs - float(p)) <= 5 * spread + 1e-9, name


@given(draws(), st.integers(0, 10**6), st.data())
def test_backups_are_other_places_from_a_second_draw(
    case: tuple, number: int, data: st.DataObject
) -> None:
    people, count = case
    spare = sum(1 for p in people.values() if p > 0) - count
    assume(spare >= 1)
    backups = data.draw(st.integers(1, spare))
    drawn = draw_places(people, count, public_number=number, backups=backups)
    assert len(drawn.backups) == backups and not set(drawn.backups) & set(drawn.selected)
    assert sum(drawn.backup_probabilities.values()) == backups
    assert drawn.method == "public-number"


def test_the_start_is_the_published_sha256_arithmetic() -> None:
    people = {"Lyon": 520_000, "Bron": 42_000, "Vaulx": 50_000}
    drawn = draw_places(people, 2, seed=11)
    assert drawn.input_sha256 == places_sha256(people, 2, 0)
    text = f"{drawn.input_sha256}:places:seed:11".encode()
    assert drawn.start == Fraction(int(hashlib.sha256(text).hexdigest(), 16), 2**256)
    assert drawn.start == random_start(drawn.input_sha256, "places", "seed", 11)
    assert draw_places(people, 2, public_number=11).start != drawn.start
    assert places_sha256(people, 2, 1) != drawn.input_sha256


def test_impossible_draws_are_refused() -> None:
    with pytest.raises(KleroError) as caught:
        draw_places({"A": 5, "B": 0}, 2, seed=1)
    assert caught.value.code == "places_too_few"
    with pytest.raises(KleroError) as caught:
        draw_places({"A": 5, "B": 3}, 1, seed=1, backups=2)
    assert caught.value.code == "places_too_few_backups"
    with pytest.raises(KleroError) as caught:
        draw_places({"A": 5}, 1)
    assert caught.value.code == "places_seed_or_number"
    with pytest.raises(KleroError):
        draw_places({"A": -5}, 1, seed=2)
