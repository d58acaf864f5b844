"""Balance of many small groups without DataFrames, and pooled over groups (sites)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotas.balance import (
    aggregate_scores,
    balance_table,
    category_balance,
    category_counts,
    overall_score,
    representativeness_score,
)
from quotas.model import Category, Quota, QuotaTable

QUOTAS = QuotaTable(
    [
        Quota(Category("gender", "female"), 4, 6, 0.5),
        Quota(Category("gender", "male"), 4, 6, 0.5),
        Quota(Category("age", "young"), 2, 4),  # no target share: the quota's midpoint
        Quota(Category("age", "old"), 5, 7),
    ]
)
VALUES = {"gender": ["female", "Female ", "MALE", "male", "other"], "age": ["young", "old", "Old"]}


@st.composite
def groups(draw: st.DrawFn) -> pd.DataFrame:
    size = draw(st.integers(0, 12))
    return pd.DataFrame(
        {
            "Gender": [draw(st.sampled_from(VALUES["gender"])) for _ in range(size)],
            "age": [draw(st.sampled_from(VALUES["age"])) for _ in range(size)],
        },
        dtype=object,
    )


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of ``frame`` as records keyed by column name, as the fast path takes them."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


@given(groups())
def test_the_record_path_gives_balance_tables_numbers(group: pd.DataFrame) -> None:
    counts = category_counts(records(group), QUOTAS)
    rows = pd.DataFrame(category_balance(counts, len(group), QUOTAS))
    expected = balance_table(group, QUOTAS)
    pd.testing.assert_frame_equal(rows, expected, check_dtype=False)
    score = representativeness_score(records(rows))
    assert (math.isnan(score) and len(group) == 0) or score == pytest.approx(
        overall_score(group, QUOTAS)
    )


def test_counts_skip_missing_and_unknown_values() -> None:
    people: list[dict[str, object]] = [
        {"gender": None, "age": "young"},
        {"gender": float("nan")},
        {"gender": "x"},
    ]
    counts = category_counts(people, QUOTAS)
    assert counts == {
        "gender = female": 0,
        "gender = male": 0,
        "age = young": 1,
        "age = old": 0,
    }


def _pooled() -> pd.DataFrame:
    # Pooled rows of two regions: ARA 2 points off on gender, NBO 2 points off on gender.
    return pd.DataFrame(
        [
            ("FR", "ARA", "gender", "female", 0.48, 0.50),
            ("FR", "ARA", "gender", "male", 0.52, 0.50),
            ("KE", "NBO", "gender", "female", 0.50, 0.52),
            ("KE", "NBO", "gender", "male", 0.50, 0.48),
        ],
        columns=["country", "region", "feature", "value", "share", "target_share"],
    ).assign(deviation=lambda f: f["share"] - f["target_share"])


def test_scores_per_pool() -> None:
    scores = aggregate_scores(_pooled(), ["country", "region"]).set_index("region")
    assert scores.loc["ARA", "score"] == pytest.approx(100 * (1 - 0.02))  # TVD (.02 + .02) / 2
    assert scores.loc["NBO", "max_abs_deviation"] == pytest.approx(0.02)
    overall = aggregate_scores(_pooled())
    assert len(overall) == 1 and 0 < overall["score"].iloc[0] < 100


def test_an_empty_selection_aggregates_to_nothing() -> None:
    empty = _pooled().iloc[0:0]
    assert aggregate_scores(empty, ["country"]).empty
    assert math.isnan(representativeness_score([]))
