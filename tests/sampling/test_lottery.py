"""The uniform lottery: rounding keeps probabilities close, draws are reproducible and checkable."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.problems import KleroError
from sampling import lottery_panels
from sampling.distribution import Distribution
from sampling.lottery import (
    Lottery,
    check_draw_from_table,
    draw,
    read_lottery,
    round_to_lottery,
    types_path,
    write_lottery,
)


def make_distribution(
    type_counts: list[int], panels: list[dict[int, int]], weights: list[float], size: int
) -> Distribution:
    """A Distribution built by hand, with probabilities implied by its panels and weights."""
    type_of = np.repeat(np.arange(len(type_counts)), type_counts)
    ids = tuple(f"p{i:03d}" for i in range(type_of.size))
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    compositions = tuple(tuple(sorted((t, s) for t, s in p.items() if s > 0)) for p in panels)
    per_type = np.zeros(len(type_counts))
    for comp, wj in zip(compositions, w, strict=True):
        for t, s in comp:
            per_type[t] += wj * s / type_counts[t]
    probabilities = pd.Series(per_type[type_of], index=pd.Index(ids, name="id"))
    return Distribution("test", size, ids, type_of, compositions, w, probabilities)


@st.composite
def distributions(draw_: st.DrawFn) -> Distribution:
    n_types = draw_(st.integers(1, 20))
    top = draw_(st.sampled_from([1, 4]))  # 1: one type per person, as without types
    counts = draw_(st.lists(st.integers(1, top), min_size=n_types, max_size=n_types))
    size = draw_(st.integers(1, sum(counts)))
    n_panels = draw_(st.integers(1, 40))
    seed = draw_(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    people = np.repeat(np.arange(n_types), counts)
    panels = []
    for _ in range(n_panels):
        picked = rng.choice(people.size, size=size, replace=False)
        panels.append(dict(Counter(int(t) for t in people[picked])))
    weights = rng.dirichlet(np.full(n_panels, draw_(st.sampled_from([0.1, 1.0, 5.0]))))
    weights = np.maximum(weights, 1e-12)
    return make_distribution(counts, panels, weights.tolist(), size)


@settings(max_examples=80, deadline=None)
@given(dist=distributions(), m=st.sampled_from([1, 2, 7, 50, 1000]))
def test_rounding_keeps_probabilities_within_the_proven_bound(dist: Distribution, m: int) -> None:
    lottery = round_to_lottery(dist, m)
    assert lottery.m == m == len(lottery.panels)
    assert set(lottery.panels) <= set(dist.panels)
    assert lottery.max_change < (dist.size + 1) / m + 1e-9
    change = np.abs(lottery.probabilities.to_numpy() - dist.probabilities.to_numpy()).max()
    assert lottery.max_change == pytest.approx(change)
    assert lottery.probabilities.sum() == pytest.approx(dist.size)


def test_exact_weights_are_kept_exactly() -> None:
    dist = make_distribution([2, 2], [{0: 1, 1: 1}, {0: 2}, {1: 2}], [0.5, 0.25, 0.25], 2)
    lottery = round_to_lottery(dist, 4)
    assert Counter(lottery.panels) == {((0, 1), (1, 1)): 2, ((0, 2),): 1, ((1, 2),): 1}
    assert lottery.max_change == pytest.approx(0.0)


def small_lottery(input_sha256: str = "f" * 64) -> Lottery:
    dist = make_distribution(
        [3, 2, 4, 1], [{0: 1, 1: 1, 2: 1}, {0: 2, 3: 1}, {2: 2, 1: 1}], [0.5, 0.3, 0.2], 3
    )
    return round_to_lottery(dist, 10, input_sha256=input_sha256)


def test_rounding_is_deterministic() -> None:
    rng = np.random.default_rng(7)
    counts = [3] * 12
    people = np.repeat(np.arange(12), 3)
    panels = [
        dict(Counter(int(t) for t in people[rng.choice(36, 9, replace=False)])) for _ in range(200)
    ]
    dist = make_distribution(counts, panels, rng.dirichlet(np.ones(200)).tolist(), 9)
    a, b = round_to_lottery(dist, 1000), round_to_lottery(dist, 1000)
    assert a.panels == b.panels and a.max_change == b.max_change
    assert a.max_change < 10 / 1000


def test_draw_by_seed_is_reproducible_and_uses_the_published_rule() -> None:
    lottery = small_lottery()
    first, again = draw(lottery, seed=42), draw(lottery, seed=42)
    assert first == again
    expected = int(hashlib.sha256(f"{'f' * 64}:seed:42".encode()).hexdigest(), 16) % 10
    assert first.index == expected
    assert first.method == "seed" and first.value == 42
    assert len(first.ids) == 3 and list(first.ids) == sorted(first.ids)
    # The people fill exactly the seats of the panel at that number.
    seats = Counter(int(lottery.type_of[r]) for r in first.rows)
    assert tuple(sorted(seats.items())) == lottery.panels[first.index]
    assert first.verify(lottery)
    assert lottery.verify_draw(list(first.ids), seed=42)


def test_public_number_maps_to_its_residue() -> None:
    lottery = small_lottery()
    for number in (0, 3, 9, 10, 13, 123456789):
        result = draw(lottery, public_number=number)
        assert result.index == number % 10
        assert result.method == "public_number"
        assert result.ids == draw(lottery, public_number=number).ids
    assert draw(lottery, public_number=3).index == draw(lottery, public_number=13).index


def test_verify_catches_tampering() -> None:
    lottery = small_lottery()
    result = draw(lottery, public_number=4)
    panels = list(lottery.panels)
    other = next(p for p in panels if p != panels[4])
    panels[4] = other
    tampered = replace(lottery, panels=tuple(panels))
    assert not result.verify(tampered)
    assert not replace(result, ids=(*result.ids[:-1], "p999")).verify(lottery)
    assert not result.verify(replace(lottery, input_sha256="0" * 64))
    assert lottery.verify_draw(list(result.ids), public_number=4)
    outsider = next(i for i in lottery.ids if i not in result.ids)
    assert not lottery.verify_draw([*result.ids[:-1], outsider], public_number=4)


def test_people_within_a_type_are_drawn_uniformly() -> None:
    dist = make_distribution([4, 1], [{0: 1, 1: 1}], [1.0], 2)
    lottery = round_to_lottery(dist, 1)
    hits = Counter(draw(lottery, seed=s).ids[0] for s in range(4000))
    assert set(hits) == {"p000", "p001", "p002", "p003"}
    assert all(abs(c - 1000) < 150 for c in hits.values())


def test_exactly_one_source_of_randomness() -> None:
    lottery = small_lottery()
    for kwargs in ({}, {"seed": 1, "public_number": 1}):
        with pytest.raises(KleroError) as info:
            draw(lottery, **kwargs)
        assert info.value.code == "draw_source_invalid"
    with pytest.raises(KleroError) as info:
        draw(lottery, public_number=-1)
    assert info.value.code == "draw_public_number_invalid"
    with pytest.raises(KleroError) as info:
        round_to_lottery(make_distribution([1], [{0: 1}], [1.0], 1), 0)
    assert info.value.code == "lottery_size_invalid"


def test_published_table_lets_a_third_party_check_the_draw(tmp_path: Path) -> None:
    lottery = small_lottery("a" * 64)
    path = tmp_path / "lottery.csv"
    write_lottery(lottery, path)
    assert types_path(path).exists()
    table = pd.read_csv(path, dtype=str)
    assert list(table.columns) == ["number", "composition"] and len(table) == 10
    back = read_lottery(path, "a" * 64)
    assert back.panels == lottery.panels and list(back.ids) == list(lottery.ids)
    pd.testing.assert_series_equal(back.probabilities, lottery.probabilities)
    for kwargs in ({"seed": 5}, {"public_number": 77}):
        assert check_draw_from_table(path, input_sha256="a" * 64, **kwargs) == list(
            draw(lottery, **kwargs).ids
        )


def test_tampered_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lottery.csv"
    write_lottery(small_lottery(), path)
    text = path.read_text().replace("\n1,", "\n7,", 1)
    path.write_text(text)
    with pytest.raises(KleroError) as info:
        read_lottery(path)
    assert info.value.code == "lottery_table_invalid"


def test_table_lists_every_number() -> None:
    lottery = small_lottery()
    table = lottery.table()
    assert table["number"].tolist() == list(range(10))
    assert all(isinstance(c, str) and ":" in c for c in table["composition"])
    assert lottery.types_table()["type"].tolist() == lottery.type_of.tolist()


def _seated_pair_by_pair(panels: list) -> list:
    """The merge's reading before it was vectorised: one pair at a time."""
    return [tuple((int(t), int(s)) for t, s in panel if s > 0) for panel in panels]


@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=5),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_panels_are_read_as_pair_by_pair(raw: list, numpy_ints: bool) -> None:
    """Seatless types are left out and NumPy integers become Python ints, as before; each
    panel's seat shares are the last seats listed for a type, over its head count."""
    panels = [
        tuple(sorted((np.int64(t), np.int64(s)) if numpy_ints else (t, s) for t, s in p))
        for p in raw
    ]
    expected = _seated_pair_by_pair(panels)
    got = lottery_panels.seated(panels)  # type: ignore[arg-type]  # NumPy ints on purpose
    assert got == expected
    assert all(type(v) is int for p in got for pair in p for v in pair)
    type_of = np.arange(7).repeat(3)
    share = lottery_panels.seat_shares(expected, type_of)
    reference = np.zeros_like(share)
    for j, panel in enumerate(expected):
        for t, s in panel:
            reference[t, j] = s / 3
    assert np.array_equal(share, reference)
