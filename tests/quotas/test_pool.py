"""The Pool: sorted ids, types, households, a stable hash and the feature frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.model import quota_table
from quotas.pool import Pool, distinct_rows

QUOTAS = quota_table(
    [
        ("gender", "female", 1, 2),
        ("gender", "male", 1, 2),
        ("age", "young", 1, 2),
        ("age", "old", 1, 2),
    ]
)

PEOPLE = {
    "d": ("male", "old"),
    "b": ("female", "young"),
    "a": ("female", "young"),
    "e": ("male", "young"),
    "c": ("female", "young"),
}


def build(order: list[str], households: dict[str, str] | None = None) -> Pool:
    frame = pd.DataFrame([PEOPLE[i] for i in order], columns=["gender", "age"])
    keys = None if households is None else [households.get(i) for i in order]
    return Pool.build(order, frame, QUOTAS, keys)


def test_ids_are_sorted_whatever_the_input_order() -> None:
    pool = build(["d", "b", "a", "e", "c"])
    assert pool.ids == ("a", "b", "c", "d", "e")
    assert [pool.value_of(i, 0) for i in range(5)] == ["female"] * 3 + ["male"] * 2
    assert pool.index_of("d") == 3
    assert len(pool) == pool.size == 5


def test_values_are_matched_after_normalisation() -> None:
    frame = pd.DataFrame({"Gender": [" FEMALE", "Male"], "AGE": ["Young ", "old"]})
    pool = Pool.build(["x", "y"], frame, QUOTAS)
    assert pool.matrix.tolist() == [[0, 0], [1, 1]]


def test_unknown_value_is_refused() -> None:
    frame = pd.DataFrame({"gender": ["femal"], "age": ["old"]})
    with pytest.raises(ValueError, match="femal"):
        Pool.build(["x"], frame, QUOTAS)


def test_identical_feature_vectors_share_a_type() -> None:
    pool = build(["d", "b", "a", "e", "c"])
    assert pool.type_counts.sum() == 5
    assert sorted(pool.type_counts.tolist()) == [1, 1, 3]
    a, b, c = (pool.type_of[pool.index_of(i)] for i in "abc")
    assert a == b == c
    assert pool.type_vectors[a].tolist() == [0, 0]
    assert len({int(pool.type_of[pool.index_of(i)]) for i in "ade"}) == 3


def test_household_members_stay_individual_types() -> None:
    pool = build(["d", "b", "a", "e", "c"], {"a": "h1", "b": "h1"})
    types = [int(pool.type_of[pool.index_of(i)]) for i in "abc"]
    assert len(set(types)) == 3
    assert pool.type_counts.tolist().count(1) == len(pool.type_counts)
    # Their type vectors still describe their features.
    assert pool.type_vectors[types[0]].tolist() == pool.type_vectors[types[2]].tolist()


def test_households_group_people_sharing_a_key() -> None:
    pool = build(["d", "b", "a", "e", "c"], {"a": "x", "e": "x", "c": "y", "d": "", "b": "z"})
    assert [pool.ids[i] for h in pool.households() for i in h] == ["a", "e"]
    assert pool.household.tolist() == [0, -1, -1, -1, 0]


def test_households_are_numbered_by_their_first_member() -> None:
    pool = build(["d", "b", "a", "e", "c"], {"d": "k", "e": "k", "b": "j", "c": "j"})
    assert [[pool.ids[i] for i in h] for h in pool.households()] == [["b", "c"], ["d", "e"]]


def test_no_households() -> None:
    assert build(["a", "b"]).households() == []
    assert build(["a", "b"]).household.tolist() == [-1, -1]


def test_sha256_changes_with_a_value_or_a_household() -> None:
    base = build(["a", "b", "d"]).sha256()
    assert build(["a", "b", "e"]).sha256() != base
    assert build(["a", "b", "d"], {"a": "h", "b": "h"}).sha256() != base


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(["a", "b", "c", "d", "e"]), house=st.booleans())
def test_sha256_is_stable_under_row_order(order: list[str], house: bool) -> None:
    households = {"b": "h", "e": "h"} if house else None
    expected = build(["a", "b", "c", "d", "e"], households)
    pool = build(list(order), households)
    assert pool.sha256() == expected.sha256()
    assert np.array_equal(pool.matrix, expected.matrix)
    assert np.array_equal(pool.type_of, expected.type_of)


def test_frame_shows_values_by_id() -> None:
    frame = build(["d", "b", "a"]).frame()
    assert frame.index.name == "id"
    assert list(frame.index) == ["a", "b", "d"]
    assert list(frame.loc["d"]) == ["male", "old"]
    assert list(frame.columns) == ["gender", "age"]


def test_category_members_are_row_numbers() -> None:
    members = build(["d", "b", "a", "e", "c"]).category_members()
    assert members[("gender", "male")].tolist() == [3, 4]
    assert members[("age", "young")].tolist() == [0, 1, 2, 4]


def test_empty_pool() -> None:
    pool = Pool.build([], pd.DataFrame({"gender": [], "age": []}), QUOTAS)
    assert pool.size == 0
    assert pool.households() == []
    assert pool.type_counts.tolist() == []
    assert pool.type_vectors.shape == (0, 2)


@given(
    st.integers(1, 40).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(-3, 3), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            ).map(lambda cells: np.array(cells, dtype=np.int64).reshape(rows, cols))
        )
    )
)
def test_distinct_rows_are_numpys_unique_rows(key: np.ndarray) -> None:
    """The lexsort grouping gives np.unique(axis=0)'s first indices and inverse exactly."""
    first, inverse = distinct_rows(key)
    _, expected_first, expected_inverse = np.unique(
        key, axis=0, return_index=True, return_inverse=True
    )
    assert first.tolist() == expected_first.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()


def test_no_rows_have_no_distinct_rows() -> None:
    first, inverse = distinct_rows(np.zeros((0, 3), dtype=np.int64))
    assert first.size == 0 and inverse.size == 0
