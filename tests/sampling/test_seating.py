"""Seating at tables: everyone once per round, sizes, must / must-not, fixed seats, seeds.

The property tests compare with a brute force on small cases: a seating is refused as
impossible exactly when no seating of the first round meets the constraints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotas.problems import InvalidInput
from sampling import SeatingImpossible, SeatingRequest, seat_tables, seating_figures
from sampling.seating.cells import MAX_CELL, zone_offset

ROOT = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def requests(draw: st.DrawFn) -> SeatingRequest:
    """A small request (at most 7 people) with random constraints, feasible or not."""
    n = draw(st.integers(2, 7))
    ids = tuple(f"p{i}" for i in range(n))
    criteria = {
        f"c{k}": tuple(draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n)))
        for k in range(draw(st.integers(1, 2)))
    }
    size = draw(st.integers(2, 4))
    tables = -(-n // size)
    people = st.sampled_from(ids)
    together = tuple(
        tuple(g) for g in draw(st.lists(st.lists(people, min_size=2, max_size=3), max_size=2))
    )
    apart = tuple(
        tuple(g) for g in draw(st.lists(st.lists(people, min_size=2, max_size=3), max_size=2))
    )
    fixed = draw(st.dictionaries(people, st.integers(1, tables), max_size=2))
    return SeatingRequest(
        ids,
        criteria,
        size,
        draw(st.integers(1, 3)),
        draw(st.integers(0, 1000)),
        together=together,
        apart=apart,
        fixed=fixed,
    )


def _sizes(n: int, size: int) -> list[int]:
    tables = -(-n // size)
    return [n // tables + (t < n % tables) for t in range(tables)]


def _meets(request: SeatingRequest, seats: dict[str, int]) -> bool:
    """Whether one round's seating meets every constraint of ``request``."""
    if any(len({seats[p] for p in g}) > 1 for g in request.together):
        return False
    if any(len({seats[p] for p in set(g)}) < len(set(g)) for g in request.apart):
        return False
    return all(seats[p] == t for p, t in request.fixed.items())


def _possible(request: SeatingRequest) -> bool:
    """Brute force: does any seating of one round meet the constraints?"""
    sizes = _sizes(len(request.ids), request.table_size)
    for tables in itertools.product(range(1, len(sizes) + 1), repeat=len(request.ids)):
        if np.bincount(tables, minlength=len(sizes) + 1)[1:].tolist() != sizes:
            continue
        if _meets(request, dict(zip(request.ids, tables, strict=True))):
            return True
    return False


@FAST
@given(requests())
def test_seated_once_per_round_with_sizes_and_constraints(request: SeatingRequest) -> None:
    try:
        seating = seat_tables(request)
    except SeatingImpossible:
        assert not _possible(request)
        return
    n = len(request.ids)
    sizes = sorted(_sizes(n, request.table_size))
    assert seating.tables.shape == (request.rounds, n)
    for r in range(request.rounds):
        counts = np.bincount(seating.tables[r], minlength=len(sizes) + 1)
        assert counts[0] == 0  # everyone seated, at a table numbered from 1
        assert sorted(counts[1:].tolist()) == sizes
        assert max(counts[1:]) - min(counts[1:]) <= 1
        assert _meets(request, dict(zip(request.ids, seating.tables[r].tolist(), strict=True)))
    # no seating goes below the floor: neither this one nor the random one
    assert seating.floor <= min(seating.figures.deviation, seating.random.deviation) + 1e-6
    again = seat_tables(request)
    assert np.array_equal(again.tables, seating.tables)


def test_impossible_constraints_are_refused_with_exit_1() -> None:
    ids = tuple(f"p{i}" for i in range(6))
    criteria = {"g": ("a",) * 6}
    with pytest.raises(SeatingImpossible) as found:
        seat_tables(SeatingRequest(ids, criteria, 3, 1, 1, apart=(("p0", "p1", "p2"),)))
    assert (found.value.code, found.value.exit_code) == ("tables_apart_too_many", 1)
    with pytest.raises(SeatingImpossible) as found:
        seat_tables(SeatingRequest(ids, criteria, 3, 1, 1, together=(("p0", "p1", "p2", "p3"),)))
    assert found.value.code == "tables_together_too_large"
    with pytest.raises(SeatingImpossible) as found:
        request = SeatingRequest(
            ids, criteria, 3, 1, 1, together=(("p0", "p1"), ("p1", "p2")), apart=(("p0", "p2"),)
        )
        seat_tables(request)
    assert found.value.code == "tables_together_apart"
    # each pair apart is fine alone; all three pairs with two tables of three is not
    apart = (("p0", "p1"), ("p1", "p2"), ("p0", "p2"), ("p3", "p4"), ("p4", "p5"), ("p3", "p5"))
    with pytest.raises(SeatingImpossible) as found:
        seat_tables(SeatingRequest(ids, criteria, 3, 1, 1, apart=apart))
    assert found.value.code == "tables_impossible"


def test_unknown_and_repeated_ids_are_listed_together() -> None:
    with pytest.raises(InvalidInput) as found:
        seat_tables(
            SeatingRequest(
                ("a", "b", "a"),
                {"g": ("x", "y", "x")},
                2,
                1,
                1,
                together=(("a", "zz"),),
                fixed={"yy": 1},
            )
        )
    codes = [(p.code, p.params.get("id")) for p in found.value.problems]
    assert codes == [
        ("tables_id_repeated", "a"),
        ("tables_id_unknown", "zz"),
        ("tables_id_unknown", "yy"),
    ]
    assert found.value.exit_code == 2


def _panel(n: int, seed: int) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    rng = np.random.default_rng(seed)
    ids = tuple(f"P{i:04d}" for i in range(n))
    criteria = {
        f"c{k}": tuple(str(v) for v in rng.integers(0, levels, size=n))
        for k, levels in enumerate((2, 3, 4))
    }
    return ids, criteria


def test_balanced_and_new_tablemates_compared_with_random() -> None:
    ids, criteria = _panel(60, 3)
    seating = seat_tables(SeatingRequest(ids, criteria, 6, 3, 11))
    assert seating.figures.repeated_pairs == ()
    assert len(seating.random.repeated_pairs) > 0
    assert seating.figures.deviation <= 0.5 * seating.random.deviation
    greedy = seat_tables(SeatingRequest(ids, criteria, 6, 3, 11), method="greedy")
    assert seating.figures.deviation <= greedy.figures.deviation


def test_figures_by_hand() -> None:
    request = SeatingRequest(("a", "b", "c", "d"), {"g": ("f", "f", "m", "m")}, 2, 2, 1)
    tables = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    figures = seating_figures(request, tables, {1: "", 2: ""})
    # each table: 2 f against 1 expected, 0 m against 1: deviation 2; a-b and c-d meet twice
    assert [t.deviation for t in figures.tables] == [2.0, 2.0, 2.0, 2.0]
    assert figures.repeated_pairs == (("a", "b", 2), ("c", "d", 2))
    together = dataclasses.replace(request, together=(("a", "b"),))
    assert seating_figures(together, tables, {1: "", 2: ""}).repeated_pairs == (("c", "d", 2),)


def test_floor_counts_the_panel_s_totals() -> None:
    # 2 f and 4 m at 3 tables of 2: shares 2/3 f and 4/3 m a table; nearest whole numbers
    # would give 2/3 a table, but only 2 f can be seated: at best f-m, f-m, m-m
    request = SeatingRequest(tuple("abcdef"), {"g": ("f", "f", "m", "m", "m", "m")}, 2, 1, 7)
    seating = seat_tables(request)
    assert seating.floor == pytest.approx(8 / 9)
    assert seating.figures.deviation == pytest.approx(8 / 9)


def test_languages_time_zones_and_large_blocks() -> None:
    n = MAX_CELL + 150
    ids, criteria = _panel(n, 5)
    languages = tuple("fr" if i % 3 == 0 else "en" for i in range(n))
    zones = tuple(("UTC+1", "UTC+2", "UTC-5", "UTC+05:30")[i % 4] for i in range(n))
    request = SeatingRequest(ids, criteria, 10, 1, 3, languages=languages, time_zones=zones)
    seating = seat_tables(request)
    spoken: dict[int, set[str]] = {}
    for i, table in enumerate(seating.tables[0].tolist()):
        spoken.setdefault(table, set()).add(languages[i])
        assert seating.labels[table].startswith(languages[i])
    assert all(len(found) == 1 for found in spoken.values())
    sizes = np.bincount(seating.tables[0])[1:]
    assert sizes.max() <= 10 and sizes.min() >= 8
    # one block larger than a cell: dealt into cells, sizes still within one of each other
    large = seat_tables(SeatingRequest(ids, criteria, 9, 2, 3))
    assert len(set(large.labels.values())) == 1
    for r in range(2):
        sizes = np.bincount(large.tables[r])[1:]
        assert sizes.sum() == n and sizes.max() - sizes.min() <= 1 and sizes.max() <= 9
    assert large.figures.repeated_pairs == ()


def test_zone_offsets() -> None:
    assert [zone_offset(z) for z in ("UTC+3", "+05:30", "-4", "GMT", "UTC−2", "Paris")] == [
        3.0,
        5.5,
        -4.0,
        0.0,
        -2.0,
        None,
    ]


SCRIPT = """
import hashlib, numpy as np
from sampling import SeatingRequest, seat_tables
rng = np.random.default_rng(9)
ids = tuple(f"P{i}" for i in range(40))
criteria = {"a": tuple(str(v) for v in rng.integers(0, 3, 40))}
s = seat_tables(SeatingRequest(ids, criteria, 5, 2, 4, apart=(("P1", "P2"),)))
print(hashlib.sha256(s.tables.tobytes()).hexdigest())
"""


def test_same_seed_same_seating_in_another_process() -> None:
    rng = np.random.default_rng(9)
    ids = tuple(f"P{i}" for i in range(40))
    criteria = {"a": tuple(str(v) for v in rng.integers(0, 3, 40))}
    here = seat_tables(SeatingRequest(ids, criteria, 5, 2, 4, apart=(("P1", "P2"),)))

    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == hashlib.sha256(here.tables.tobytes()).hexdigest()
    other = seat_tables(SeatingRequest(ids, criteria, 5, 2, 5, apart=(("P1", "P2"),)))
    assert not np.array_equal(other.tables, here.tables)


def test_cp_sat_with_the_objective_meets_the_constraints() -> None:
    ids, criteria = _panel(12, 2)
    request = SeatingRequest(
        ids,
        criteria,
        4,
        2,
        5,
        together=((ids[0], ids[1]),),
        apart=((ids[0], ids[2], ids[3]),),
        fixed={ids[4]: 3},
        effort=1.0,
    )
    seating = seat_tables(request, method="cp-sat")
    assert set(seating.solves) <= {"cp-sat optimal", "cp-sat feasible"}
    for r in range(2):
        assert _meets(request, dict(zip(ids, seating.tables[r].tolist(), strict=True)))
    assert seating.figures.deviation < seating.random.deviation
