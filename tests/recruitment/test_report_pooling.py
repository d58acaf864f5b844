"""Pooling sites' balance criterion by criterion: shares add up, weights are the seats."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recruitment.reports.model import pooled_balance, pooled_scores

CATEGORIES = {"gender": ["female", "male"], "literacy": ["literate", "cannot read"]}
REGIONS = ["north", "south", "east", "west"]


@st.composite
def sites(draw: st.DrawFn) -> pd.DataFrame:
    """Rows of a few sites, each quota'd on some criteria with its own region categories."""
    rows = []
    for number in range(draw(st.integers(1, 5))):
        seats = draw(st.integers(1, 60))
        country = draw(st.sampled_from(["FR", "KE"]))
        criteria = {"gender": CATEGORIES["gender"]}
        if draw(st.booleans()):
            criteria["literacy"] = CATEGORIES["literacy"]
        if draw(st.booleans()):  # each site its own subset of regions
            criteria["region"] = draw(st.lists(st.sampled_from(REGIONS), min_size=1, unique=True))
        for feature, values in criteria.items():
            cuts = sorted(
                draw(
                    st.lists(
                        st.integers(0, seats), min_size=len(values) - 1, max_size=len(values) - 1
                    )
                )
            )
            counts = np.diff([0, *cuts, seats])
            weights = np.array(
                draw(st.lists(st.integers(1, 9), min_size=len(values), max_size=len(values))),
                dtype=float,
            )
            for value, count, target in zip(values, counts, weights / weights.sum(), strict=True):
                rows.append(
                    {
                        "site": f"s{number}",
                        "country": country,
                        "feature": feature,
                        "value": value,
                        "count": int(count),
                        "seats": seats,
                        "weight": seats,
                        "target_share": float(target),
                    }
                )
    return pd.DataFrame(rows)


# Each example pools with pandas (a few ms): 40 examples cover the shapes drawn.
@settings(max_examples=40, deadline=None)
@given(sites(), st.sampled_from([(), ("country",)]))
def test_pooled_shares_and_targets_add_up_to_one_per_criterion(
    rows: pd.DataFrame, by: tuple[str, ...]
) -> None:
    pooled = pooled_balance(rows, by)
    sums = pooled.groupby([*by, "feature"])[["share", "target_share"]].sum()
    assert np.allclose(sums["share"], 1.0) and np.allclose(sums["target_share"], 1.0)
    scores = pooled_scores(pooled, by)
    assert ((scores["score"] >= 0) & (scores["score"] <= 100)).all()


@settings(max_examples=40, deadline=None)
@given(sites())
def test_one_site_pools_to_itself(rows: pd.DataFrame) -> None:
    first = rows[rows["site"] == rows["site"].iloc[0]]
    assume(len(first) > 0)
    pooled = pooled_balance(first)
    expected = first["count"] / first["seats"]
    assert np.allclose(pooled["share"], expected.to_numpy())
    assert np.allclose(pooled["target_share"], first["target_share"].to_numpy())


def test_a_criterion_counts_only_the_sites_that_have_it() -> None:
    rows = pd.DataFrame(
        {
            "site": ["a", "a", "a", "a", "b", "b"],
            "feature": ["gender", "gender", "literacy", "literacy", "gender", "gender"],
            "value": ["female", "male", "literate", "cannot read", "female", "male"],
            "count": [25, 25, 45, 5, 40, 60],
            "seats": [50, 50, 50, 50, 100, 100],
            "weight": [50, 50, 50, 50, 100, 100],
            "target_share": [0.5, 0.5, 0.99, 0.01, 0.5, 0.5],
            "pool_count": [100, 100, 190, 10, 300, 300],
            "pool": [200, 200, 200, 200, 600, 600],
        }
    )
    pooled = pooled_balance(rows).set_index("value")
    assert [pooled.loc["literate", "groups"], pooled.loc["literate", "seats"]] == [1, 50]
    assert pooled.loc["literate", "share"] == 0.9 and pooled.loc["literate", "pool_share"] == 0.95
    assert pooled.loc["female", "share"] == 65 / 150
    assert pooled.loc["female", "pool_share"] == 400 / 800
