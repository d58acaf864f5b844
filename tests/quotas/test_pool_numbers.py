"""A pool's types, households and canonical text, computed without per-person loops, agree
with their plain definitions (written here as the loops they replaced)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.pool import Pool

QUOTAS = quota_table(
    [
        ("Gender", "female", 0, 3),
        ("Gender", "male", 0, 3),
        ("Âge", "16–24", 0, 3),
        ("Âge", '25+ "old"', 0, 3),
    ]
)

keys = st.one_of(
    st.none(), st.just(""), st.sampled_from(["a", "b", "é", "c\\d"]), st.integers(0, 3)
)
rows = st.lists(
    st.tuples(st.sampled_from(["female", "male"]), st.sampled_from(["16–24", '25+ "old"']), keys),
    max_size=25,
)


def _build(people: list[tuple[str, str, object]]) -> Pool:
    ids = [f"p{(7 * i) % 29:02d}-{i}" for i in range(len(people))]
    frame = pd.DataFrame({"Gender": [p[0] for p in people], "Âge": [p[1] for p in people]})
    return Pool.build(ids, frame, QUOTAS, [p[2] for p in people])


def _households(keys_in_order: list[object]) -> list[int]:
    members: dict[object, list[int]] = {}
    for row, key in enumerate(keys_in_order):
        if key is None or key == "":
            continue
        members.setdefault(key, []).append(row)
    out = [-1] * len(keys_in_order)
    groups = sorted((r for r in members.values() if len(r) > 1), key=lambda r: r[0])
    for number, group in enumerate(groups):
        for row in group:
            out[row] = number
    return out


def _types(pool: Pool) -> tuple[list[int], list[tuple[int, ...]], list[int]]:
    found: dict[tuple[int, ...], int] = {}
    type_of: list[int] = []
    vectors: list[tuple[int, ...]] = []
    for i in range(len(pool)):
        vector = tuple(int(x) for x in pool.matrix[i])
        key = vector if pool.household[i] < 0 else (-1 - i, *vector)
        if key not in found:
            found[key] = len(vectors)
            vectors.append(vector)
        type_of.append(found[key])
    return type_of, vectors, np.bincount(type_of, minlength=len(vectors)).tolist()


@settings(max_examples=80, deadline=None)
@given(rows)
def test_households_types_and_canonical_text_match_their_definitions(
    people: list[tuple[str, str, object]],
) -> None:
    pool = _build(people)
    ids = [f"p{(7 * i) % 29:02d}-{i}" for i in range(len(people))]
    order = sorted(range(len(people)), key=lambda i: ids[i])
    assert pool.household.tolist() == _households([people[i][2] for i in order])
    assert [h.tolist() for h in pool.households()] == [
        np.flatnonzero(pool.household == h).tolist()
        for h in range(pool.household.max(initial=-1) + 1)
    ]
    type_of, vectors, counts = _types(pool)
    assert pool.type_of.tolist() == type_of
    assert [tuple(v) for v in pool.type_vectors.tolist()] == vectors
    assert pool.type_counts.tolist() == counts
    plain = json.dumps(pool.canonical(), sort_keys=True, separators=(",", ":"))
    assert pool.canonical_json() == plain
