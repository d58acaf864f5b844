"""How well a group (a panel, or a pool) matches its quotas and targets, as plain tables.

Every function takes people as a DataFrame with one column per feature and returns a
pandas DataFrame, so the dashboard, reports and evaluators read the same numbers.
Values are matched to the quota table's categories after ``quotas.model.normalise``.

Definitions used throughout:

* ``share``: people of a category divided by the group's size (all rows, including
  people whose value matches no category).
* ``target_share``: the quota's ``target_share``; when it is missing, the midpoint of the
  quota, ``(min + max) / 2``, divided by the panel size the quotas are for (``seats``;
  by default the group's size, which is right for a panel but not for a pool).
* ``deviation``: ``share - target_share``.
* total variation distance (TVD) of a feature: half the sum over its categories of
  ``|share - target_share|``; 0 is a perfect match, 1 the worst possible.
* ``overall_score``: ``100 * (1 - mean TVD over features)``, a 0-100 representativeness
  score in which 100 means every feature matches its targets exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from quotas.model import Category, QuotaTable, normalise


def _counts(people: pd.DataFrame, quotas: QuotaTable, feature: str) -> dict[str, int]:
    """People per category value of ``feature`` (the table's spelling); other values dropped."""
    column = next((c for c in people.columns if quotas.feature_name(str(c)) == feature), None)
    out = dict.fromkeys(quotas.values(feature), 0)
    if column is None:
        return out
    for raw, n in people[column].value_counts(dropna=True).items():
        value = quotas.lookup(feature, raw)
        if value is not None:
            out[value] += int(n)
    return out


def _share(count: float, total: int) -> float:
    return count / total if total else float("nan")


CATEGORY_COLUMNS = (
    "feature",
    "value",
    "count",
    "share",
    "target_share",
    "deviation",
    "min",
    "max",
    "within_quota",
)


def _category_row(
    quotas: QuotaTable, feature: str, value: str, count: int, size: int, seats: int
) -> dict[str, object]:
    """One category of a group of ``size`` people, ``count`` of whom are in it.

    ``within_quota`` compares the count with the quota: meaningful for a panel of ``seats``.
    """
    q = quotas.quota(feature, value)
    target = q.target_share
    if target is None:
        target = _share((q.min + q.max) / 2, seats)
    share = _share(count, size)
    return {
        "feature": feature,
        "value": value,
        "count": count,
        "share": share,
        "target_share": float(target),
        "deviation": share - float(target),
        "min": int(q.min),
        "max": int(q.max),
        "within_quota": bool(q.min <= count <= q.max),
    }


def balance_table(
    group: pd.DataFrame,
    quotas: QuotaTable,
    *,
    pool: pd.DataFrame | None = None,
    seats: int | None = None,
) -> pd.DataFrame:
    """One row per category: the group's count and share against the quota and target.

    Columns: ``feature, value, count, share, target_share, deviation, min, max,
    within_quota`` and, when a pool is given, ``pool_count, pool_share``. ``seats`` is
    the panel size the quotas count seats of (default: the group's size); give it when the
    group is not a panel, e.g. a pool, so a quota's midpoint becomes a share of the panel.

    >>> from quotas.model import quota_table
    >>> q = quota_table([("gender", "female", 2, 3), ("gender", "male", 1, 2)])
    >>> t = balance_table(pd.DataFrame({"gender": ["Female", "female", "male", "male"]}), q)
    >>> t[["value", "count", "share", "target_share", "within_quota"]].to_dict("records")[0]
    {'value': 'female', 'count': 2, 'share': 0.5, 'target_share': 0.625, 'within_quota': True}
    >>> pool = pd.DataFrame({"gender": ["female"] * 30 + ["male"] * 70})
    >>> balance_table(pool, q, seats=4)["target_share"].tolist()  # quotas for 4 seats
    [0.625, 0.375]
    """
    size = len(group)
    target_seats = size if seats is None else seats
    pool_size = 0 if pool is None else len(pool)
    rows = []
    for feature in quotas.features:
        counts = _counts(group, quotas, feature)
        pool_counts = None if pool is None else _counts(pool, quotas, feature)
        for value in quotas.values(feature):
            row = _category_row(quotas, feature, value, counts[value], size, target_seats)
            if pool_counts is not None:
                row["pool_count"] = pool_counts[value]
                row["pool_share"] = _share(pool_counts[value], pool_size)
            rows.append(row)
    columns = list(CATEGORY_COLUMNS)
    if pool is not None:
        columns += ["pool_count", "pool_share"]
    return pd.DataFrame(rows, columns=columns)


def balance_summary(
    group: pd.DataFrame, quotas: QuotaTable, *, pool: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per feature: distance to the targets (and to the pool), worst deviation, compliance.

    Columns: ``feature, tvd_target, max_abs_deviation, compliant`` and, when a pool is
    given, ``tvd_pool`` (how far the group is from the pool it was drawn from).
    """
    table = balance_table(group, quotas, pool=pool)
    rows = []
    for feature in quotas.features:
        part = table[table["feature"] == feature]
        row = {
            "feature": feature,
            "tvd_target": float(0.5 * (part["share"] - part["target_share"]).abs().sum()),
            "max_abs_deviation": float(part["deviation"].abs().max()),
            "compliant": bool(part["within_quota"].all()),
        }
        if pool is not None:
            row["tvd_pool"] = float(0.5 * (part["share"] - part["pool_share"]).abs().sum())
        rows.append(row)
    columns = ["feature", "tvd_target", "max_abs_deviation", "compliant"]
    if pool is not None:
        columns.append("tvd_pool")
    return pd.DataFrame(rows, columns=columns)


def overall_score(group: pd.DataFrame, quotas: QuotaTable) -> float:
    """A 0-100 representativeness score: ``100 * (1 - mean TVD to target over features)``.

    Clipped at 0 (targets from quota midpoints need not sum to 1, so a TVD can exceed 1);
    NaN for an empty group.
    """
    summary = balance_summary(group, quotas)
    if summary.empty or len(group) == 0:
        return float("nan")
    return float(max(0.0, 100.0 * (1.0 - summary["tvd_target"].mean())))


def category_counts(people: Iterable[Mapping[str, object]], quotas: QuotaTable) -> dict[str, int]:
    """People per category, keyed ``"feature = value"`` (the table's spelling), from records.

    The fast path for many small groups (a panel per site): no DataFrame is built.
    Values are matched as in ``balance_table``; missing values and values matching no
    category are not counted.

    >>> from quotas.model import quota_table
    >>> q = quota_table([("gender", "female", 1, 2), ("gender", "male", 1, 2)])
    >>> category_counts([{"Gender": " Female"}, {"gender": "male"}, {"gender": None}], q)
    {'gender = female': 1, 'gender = male': 1}
    """
    counts = {str(c): 0 for c in quotas.categories}
    # (column, value) -> category key or None: a panel repeats a few values many times.
    known: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for person in people:
        seen: set[str] = set()
        for column, raw in person.items():
            if _missing(raw):
                continue
            key = (str(column), str(raw))
            found = known.get(key)
            if found is None:
                feature = quotas.feature_name(key[0])
                value = None if feature is None else quotas.lookup(feature, key[1])
                category = None if value is None else str(Category(str(feature), value))
                found = known[key] = (feature, category)
            feature, category = found
            if feature is None or feature in seen:
                continue
            seen.add(feature)  # like balance_table: the first matching column counts
            if category is not None:
                counts[category] += 1
    return counts


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def category_balance(
    counts: Mapping[str, int], size: int, quotas: QuotaTable
) -> list[dict[str, object]]:
    """``balance_table``'s rows (no pool) from the ``category_counts`` of a group of ``size``."""
    return [
        _category_row(quotas, c.feature, c.value, counts.get(str(c), 0), size, size)
        for c in quotas.categories
    ]


def representativeness_score(rows: Iterable[Mapping[str, Any]]) -> float:
    """The 0-100 score of balance rows (``feature``, ``share``, ``target_share`` each).

    ``100 * (1 - mean over features of the TVD to target)``, clipped at 0; categories
    without a share are skipped; NaN when no category has one. Same number as
    ``overall_score`` on the group the rows describe.
    """
    gaps: dict[str, float] = {}
    for row in rows:
        share, target = float(row["share"]), float(row["target_share"])
        if math.isnan(share) or math.isnan(target):
            continue
        feature = normalise(row["feature"])
        gaps[feature] = gaps.get(feature, 0.0) + abs(share - target) / 2
    if not gaps:
        return float("nan")
    return float(max(0.0, 100.0 * (1.0 - sum(gaps.values()) / len(gaps))))


def aggregate_scores(aggregated: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per pool of pooled balance rows: its representativeness score and largest deviation.

    ``aggregated`` has ``feature, share, target_share, deviation`` and the ``by`` columns
    (``recruitment.reports.model.pooled_balance`` pools sites' rows criterion by
    criterion). Columns: the ``by`` columns, ``score``, ``max_abs_deviation``; one row
    per pool.
    """
    keys = list(by)
    rows = []
    parts = aggregated.groupby(keys, sort=False, dropna=False) if keys else [((), aggregated)]
    for key, part in parts:
        values = key if isinstance(key, tuple) else (key,)
        deviations = part["deviation"].abs().dropna()
        rows.append(
            {
                **dict(zip(keys, values, strict=True)),
                "score": representativeness_score(
                    {"feature": f, "share": share, "target_share": target}
                    for f, share, target in zip(
                        part["feature"], part["share"], part["target_share"], strict=True
                    )
                ),
                "max_abs_deviation": float(deviations.max()) if len(deviations) else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=[*keys, "score", "max_abs_deviation"])


def _cells(people: pd.DataFrame, feature_a: str, feature_b: str) -> pd.Series:
    """People per (normalised value of a, normalised value of b)."""
    if people.empty:
        return pd.Series(dtype="int64")
    keys = pd.MultiIndex.from_arrays(
        [people[feature_a].map(normalise), people[feature_b].map(normalise)]
    )
    return pd.Series(1, index=keys).groupby(level=[0, 1]).sum()


def crossed_balance(
    group: pd.DataFrame,
    feature_a: str,
    feature_b: str,
    *,
    target: pd.DataFrame | None = None,
    pool: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per cell of two crossed features: count, share, target and deviation.

    ``target`` has columns ``feature_a``, ``feature_b`` and ``target_share``. Cells are
    every pair of values seen in the group, target or pool (values normalised), sorted.
    Columns: ``feature_a, feature_b, count, share`` then ``target_share, deviation`` with
    a target and ``pool_count, pool_share`` with a pool; missing cells count 0.

    >>> g = pd.DataFrame({"sex": ["f", "f", "m", "m"], "age": ["old", "young", "old", "old"]})
    >>> crossed_balance(g, "sex", "age")["count"].tolist()
    [1, 1, 2, 0]
    """
    counts = _cells(group, feature_a, feature_b)
    pool_counts = None if pool is None else _cells(pool, feature_a, feature_b)
    targets: dict[tuple[str, str], float] = {}
    if target is not None:
        for a, b, share in zip(
            target[feature_a], target[feature_b], target["target_share"], strict=True
        ):
            targets[(normalise(a), normalise(b))] = float(share)
    seen = (
        list(counts.index)
        + list(targets)
        + ([] if pool_counts is None else list(pool_counts.index))
    )
    values_a = sorted({str(a) for a, _ in seen})
    values_b = sorted({str(b) for _, b in seen})
    rows = []
    for a in values_a:
        for b in values_b:
            n, share = int(counts.get((a, b), 0)), _share(int(counts.get((a, b), 0)), len(group))
            row: dict[str, object] = {feature_a: a, feature_b: b, "count": n, "share": share}
            if target is not None:
                row["target_share"] = targets.get((a, b), 0.0)
                row["deviation"] = share - targets.get((a, b), 0.0)
            if pool_counts is not None and pool is not None:
                row["pool_count"] = int(pool_counts.get((a, b), 0))
                row["pool_share"] = _share(int(pool_counts.get((a, b), 0)), len(pool))
            rows.append(row)
    columns = [feature_a, feature_b, "count", "share"]
    columns += ["target_share", "deviation"] if target is not None else []
    columns += ["pool_count", "pool_share"] if pool is not None else []
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"count": "int64", "share": np.float64})
