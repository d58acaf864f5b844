"""Balance metrics against hand-computed numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from quotas.balance import balance_summary, balance_table, crossed_balance, overall_score
from quotas.model import Category, Quota, QuotaTable


def quotas(old_max: int = 7) -> QuotaTable:
    return QuotaTable(
        [
            Quota(Category("gender", "female"), 4, 6, 0.5),
            Quota(Category("gender", "male"), 4, 6, 0.5),
            Quota(Category("age", "young"), 2, 4),  # no target: midpoint 3 of 10 seats
            Quota(Category("age", "old"), 5, old_max),
        ]
    )


def panel() -> pd.DataFrame:
    # 6 women (spelled two ways), 4 men; 3 young, 7 old.
    return pd.DataFrame(
        {
            "gender": ["female"] * 5 + ["Female "] + ["male"] * 4,
            "age": ["young"] * 3 + ["old"] * 7,
        }
    )


def pool() -> pd.DataFrame:
    return pd.DataFrame({"gender": ["female"] * 8 + ["male"] * 12, "age": ["young", "old"] * 10})


def test_balance_table_counts_shares_and_targets() -> None:
    table = balance_table(panel(), quotas()).set_index("value")
    assert table.loc["female", "count"] == 6
    assert table.loc["female", "share"] == pytest.approx(0.6)
    assert table.loc["female", "deviation"] == pytest.approx(0.1)
    assert table.loc["male", "deviation"] == pytest.approx(-0.1)
    assert table.loc["young", "target_share"] == pytest.approx(0.3)  # (2 + 4) / 2 / 10
    assert table.loc["old", "target_share"] == pytest.approx(0.6)  # (5 + 7) / 2 / 10
    assert table.loc["old", "deviation"] == pytest.approx(0.1)
    assert table["within_quota"].all()
    assert list(table.columns) == [
        "feature", "count", "share", "target_share", "deviation", "min", "max", "within_quota"
    ]  # fmt: skip


def test_balance_table_flags_a_broken_quota_and_adds_the_pool() -> None:
    table = balance_table(panel(), quotas(old_max=6), pool=pool()).set_index("value")
    assert not table.loc["old", "within_quota"]
    assert table.loc["young", "within_quota"]
    assert table.loc["female", "pool_count"] == 8
    assert table.loc["male", "pool_share"] == pytest.approx(0.6)
    assert table.loc["old", "pool_share"] == pytest.approx(0.5)


def test_balance_summary_per_feature() -> None:
    summary = balance_summary(panel(), quotas(old_max=6), pool=pool()).set_index("feature")
    assert summary.loc["gender", "tvd_target"] == pytest.approx(0.1)  # (0.1 + 0.1) / 2
    assert summary.loc["age", "tvd_target"] == pytest.approx(0.075)  # (|0.3-0.3| + |0.7-0.55|) / 2
    assert summary.loc["age", "max_abs_deviation"] == pytest.approx(0.15)
    assert summary.loc["gender", "compliant"] and not summary.loc["age", "compliant"]
    assert summary.loc["gender", "tvd_pool"] == pytest.approx(0.2)  # (|0.6-0.4| + |0.4-0.6|) / 2
    assert summary.loc["age", "tvd_pool"] == pytest.approx(0.2)  # (|0.3-0.5| + |0.7-0.5|) / 2


def test_overall_score_is_100_times_one_minus_mean_tvd() -> None:
    # gender TVD 0.1, age TVD 0.05 (old target (5+7)/2/10 = 0.6 vs share 0.7).
    assert overall_score(panel(), quotas()) == pytest.approx(100 * (1 - 0.075))
    exact = pd.DataFrame(
        {"gender": ["female"] * 5 + ["male"] * 5, "age": ["young"] * 3 + ["old"] * 7}
    )
    on_target = QuotaTable(
        [
            Quota(Category("gender", "female"), 0, 10, 0.5),
            Quota(Category("gender", "male"), 0, 10, 0.5),
            Quota(Category("age", "young"), 0, 10, 0.3),
            Quota(Category("age", "old"), 0, 10, 0.7),
        ]
    )
    assert overall_score(exact, on_target) == pytest.approx(100.0)
    assert math.isnan(overall_score(exact.iloc[:0], on_target))


def test_unmatched_values_count_in_the_group_size_only() -> None:
    group = pd.concat([panel(), pd.DataFrame({"gender": ["other"], "age": ["old"]})])
    table = balance_table(group, quotas()).set_index("value")
    assert table.loc["female", "share"] == pytest.approx(6 / 11)
    assert table.loc["male", "count"] == 4


def test_crossed_balance_cells() -> None:
    group = panel()
    target = pd.DataFrame(
        {
            "gender": ["female", "female", "male", "male"],
            "age": ["young", "old", "young", "old"],
            "target_share": [0.15, 0.35, 0.15, 0.35],
        }
    )
    cells = crossed_balance(group, "gender", "age", target=target, pool=pool())
    cells = cells.set_index(["gender", "age"])
    # Panel: women 3 young + 3 old; men 4 old.
    assert cells.loc[("female", "young"), "count"] == 3
    assert cells.loc[("male", "young"), "count"] == 0
    assert cells.loc[("male", "old"), "share"] == pytest.approx(0.4)
    assert cells.loc[("male", "old"), "deviation"] == pytest.approx(0.05)
    assert cells.loc[("male", "young"), "deviation"] == pytest.approx(-0.15)
    # Pool: 8 women (4 young, 4 old), 12 men (6 young, 6 old).
    assert cells.loc[("male", "young"), "pool_count"] == 6
    assert cells.loc[("female", "old"), "pool_share"] == pytest.approx(0.2)
    assert cells["share"].sum() == pytest.approx(1.0)
    assert list(cells.index) == [
        ("female", "old"), ("female", "young"), ("male", "old"), ("male", "young")
    ]  # fmt: skip
