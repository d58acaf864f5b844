"""Balance of many small groups without DataFrames, and pooled over groups (sites)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotas.balance import (
    aggregate_balance,
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


def _site_rows() -> pd.DataFrame:
    # Two French sites (Lyon 50 seats, Lille 60) and a Kenyan one (50); only Lille has "other".
    return pd.DataFrame(
        [
            ("FR", "ARA", "lyon", "gender", "female", 24, 50, 0.50),
            ("FR", "ARA", "lyon", "gender", "male", 26, 50, 0.50),
            ("FR", "HDF", "lille", "Gender", "Female", 33, 60, 0.50),
            ("FR", "HDF", "lille", "gender", "male", 24, 60, 0.45),
            ("FR", "HDF", "lille", "gender", "other", 3, 60, 0.05),
            ("KE", "NBO", "nairobi", "gender", "female", 25, 50, 0.52),
            ("KE", "NBO", "nairobi", "gender", "male", 25, 50, 0.48),
        ],
        columns=["country", "region", "site", "feature", "value", "count", "seats", "target_share"],
    )


def test_global_aggregate_sums_seats_of_the_sites_sharing_each_category() -> None:
    out = aggregate_balance(_site_rows()).set_index("value")
    assert out.loc["female", "groups"] == 3
    assert out.loc["female", "seats"] == 160  # 50 + 60 + 50
    assert out.loc["female", "count"] == 82
    assert out.loc["female", "target_seats"] == pytest.approx(25 + 30 + 26)
    assert out.loc["female", "share"] == pytest.approx(82 / 160)
    assert out.loc["female", "target_share"] == pytest.approx(81 / 160)
    assert out.loc["female", "deviation"] == pytest.approx(1 / 160)
    assert out.loc["other", "groups"] == 1 and out.loc["other", "seats"] == 60  # Lille only
    assert out.loc["other", "share"] == pytest.approx(0.05)
    assert list(out.index) == ["female", "male", "other"]  # first spelling of the first site


def test_aggregates_by_country_and_by_region() -> None:
    by_country = aggregate_balance(_site_rows(), ["country"])
    assert by_country[["country", "value", "seats"]].values.tolist() == [
        ["FR", "female", 110],
        ["FR", "male", 110],
        ["FR", "other", 60],
        ["KE", "female", 50],
        ["KE", "male", 50],
    ]
    by_region = aggregate_balance(_site_rows(), ["country", "region"])
    assert by_region["region"].drop_duplicates().tolist() == ["ARA", "HDF", "NBO"]
    scores = aggregate_scores(by_region, ["country", "region"]).set_index("region")
    assert scores.loc["ARA", "score"] == pytest.approx(100 * (1 - 0.02))  # TVD (.02 + .02) / 2
    assert scores.loc["NBO", "max_abs_deviation"] == pytest.approx(0.02)
    overall = aggregate_scores(aggregate_balance(_site_rows()))
    assert len(overall) == 1 and 0 < overall["score"].iloc[0] < 100


def test_an_empty_selection_aggregates_to_nothing() -> None:
    empty = _site_rows().iloc[0:0]
    assert aggregate_balance(empty, ["country"]).empty
    assert list(aggregate_balance(empty, ["country"]).columns[:2]) == ["country", "feature"]
    assert math.isnan(representativeness_score([]))
