"""Census margins to quota tables: each census target apportioned to the panel, plus a tolerance.

``quotas_from_margins`` turns census margins (one set of shares per feature, optionally
crossed pairs of features) into a QuotaTable with a tolerance around each target. The
shares of each feature become whole seats by ``quotas.apportion`` (largest remainder by
default, or Sainte-Laguë; see there what each guarantees); ``Margins.problems`` reports
every problem of the margins at once.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from quotas.apportion import METHODS, Method, apportion
from quotas.model import Category, Quota, QuotaTable, crossed_feature, crossed_value, normalise
from quotas.problems import Problem, raise_if_errors

#: A feature whose shares miss 1 by at most this much (0.5 percentage points) only warns.
SUM_TOLERANCE = 0.005
#: Default tolerance around each target when none is given.
DEFAULT_TOLERANCE_SEATS = 1


# -- census margins ------------------------------------------------------------------------

Shares = Mapping[str, float]
CrossedShares = Mapping[tuple[str, str], float]


@dataclass(frozen=True)
class Margins:
    """Census shares per feature, ``{feature: {value: share}}``, plus optional crossed pairs.

    ``crossed`` maps a pair of features to the joint shares of their value pairs,
    ``{("gender", "age"): {("female", "16-29"): 0.11, ...}}``. Shares are fractions
    (0.51, not 51). Order is kept: it is the order of the quota table.
    """

    features: Mapping[str, Shares]
    crossed: Mapping[tuple[str, str], CrossedShares] = field(default_factory=dict)

    def problems(self) -> list[Problem]:
        """Every problem of the margins, all at once (errors and warnings)."""
        problems: list[Problem] = []
        if not self.features and not self.crossed:
            return [Problem("margin_none")]
        _duplicates("margin_duplicate_feature", {}, list(self.features), problems)
        for feature, values in self.features.items():
            problems += _share_problems(feature, list(values.items()))
        for (first, second), cells in self.crossed.items():
            name = crossed_feature(first, second)
            if normalise(first) == normalise(second):
                problems.append(
                    Problem("margin_crossed_same_feature", {"first": first, "second": second})
                )
            items = [(crossed_value(va, vb), s) for (va, vb), s in cells.items()]
            problems += _share_problems(name, items)
            problems += _consistency(self.features, first, second, cells)
        return problems

    def validated(self) -> Margins:
        """Return self, or raise InvalidInput listing every problem."""
        raise_if_errors(self.problems())
        return self


def _consistency(
    features: Mapping[str, Shares], first: str, second: str, cells: CrossedShares
) -> list[Problem]:
    """Warnings where a crossed margin disagrees with the single margins it crosses."""
    problems: list[Problem] = []
    name = crossed_feature(first, second)
    crossed_total = sum(_positive(s) for s in cells.values())
    singles = {normalise(f): (f, v) for f, v in features.items()}
    for position, feature in enumerate((first, second)):
        if normalise(feature) not in singles or crossed_total <= 0:
            continue
        spelled, values = singles[normalise(feature)]
        single_total = sum(_positive(s) for s in values.values()) or 1.0
        summed = {normalise(v): 0.0 for v in values}
        unknown: dict[str, str] = {}
        for pair, share in cells.items():
            key = normalise(pair[position])
            if key in summed:
                summed[key] += _positive(share)
            else:
                unknown.setdefault(key, pair[position])
        base: dict[str, object] = {"crossed": name, "feature": spelled}
        for value in unknown.values():
            params = {**base, "value": value, "known": ", ".join(values)}
            problems.append(Problem("margin_crossed_unknown_value", params, "warning"))
        for value, share in values.items():
            joint = summed[normalise(value)] / crossed_total
            single = _positive(share) / single_total
            if abs(joint - single) > SUM_TOLERANCE:
                params = {
                    **base,
                    "value": value,
                    "crossed_percent": round(100 * joint, 2),
                    "single_percent": round(100 * single, 2),
                }
                problems.append(Problem("margin_crossed_inconsistent", params, "warning"))
    return problems


def _positive(share: object) -> float:
    """A share as a float; negative or non-numbers count as 0 (they are reported elsewhere)."""
    if isinstance(share, numbers.Real) and _is_number(share):
        return max(float(share), 0.0)
    return 0.0


def _is_number(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _duplicates(code: str, base: dict[str, str], names: list[str], out: list[Problem]) -> None:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(normalise(name), []).append(name)
    for spellings in groups.values():
        if len(spellings) > 1:
            key = "feature" if code == "margin_duplicate_feature" else "value"
            params = {**base, key: spellings[0], "spellings": ", ".join(map(repr, spellings))}
            out.append(Problem(code, params))


def _share_problems(feature: str, items: list[tuple[str, float]]) -> list[Problem]:
    problems: list[Problem] = []
    if not items:
        return [Problem("margin_feature_empty", {"feature": feature})]
    _duplicates("margin_duplicate_category", {"feature": feature}, [v for v, _ in items], problems)
    total = 0.0
    for value, share in items:
        base = {"feature": feature, "value": value, "share": share}
        if not _is_number(share):
            problems.append(Problem("margin_share_not_finite", base))
        elif share < 0:
            problems.append(Problem("margin_share_negative", base))
        else:
            total += share
    if abs(total - 1.0) > 1e-9:
        params = {"feature": feature, "total": round(total, 6), "percent": round(100 * total, 2)}
        if abs(total - 1.0) <= SUM_TOLERANCE + 1e-9:
            problems.append(Problem("margin_shares_sum_off", params, "warning"))
        else:
            problems.append(Problem("margin_shares_sum_wrong", params))
    return problems


def quotas_from_margins(
    margins: Margins,
    size: int,
    *,
    tolerance_seats: int | None = None,
    tolerance_points: float | None = None,
    method: Method = Method.LARGEST_REMAINDER,
    crossed: bool = True,
) -> QuotaTable:
    """Quotas for a panel of ``size``: each census target plus or minus a tolerance.

    The tolerance is ``tolerance_seats`` seats, or ``ceil(tolerance_points / 100 * size)``
    seats for percentage points; one seat when neither is given. Bounds are
    ``max(0, target - tol)`` and ``min(size, target + tol)``; ``target_share`` is the
    census share (rescaled so each feature sums to 1). Crossed margins become a
    feature ``crossed_feature(a, b)`` with values ``crossed_value(va, vb)`` unless
    ``crossed`` is False. Raises InvalidInput listing every problem.

    >>> m = Margins({"gender": {"female": 0.51, "male": 0.49}})
    >>> [(q.value, q.min, q.max) for q in quotas_from_margins(m, 35)]
    [('female', 17, 19), ('male', 16, 18)]
    """
    problems = margins.problems()
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        problems.append(Problem("panel_size_invalid", {"size": size}))
    if method not in METHODS:
        problems.append(
            Problem("apportion_method_unknown", {"method": method, "known": ", ".join(METHODS)})
        )
    tolerance = _tolerance(size, tolerance_seats, tolerance_points, problems)
    raise_if_errors(problems)
    quotas: list[Quota] = []
    for feature, values in margins.features.items():
        quotas += _feature_quotas(feature, list(values.items()), size, tolerance, method)
    if crossed:
        for (first, second), cells in margins.crossed.items():
            items = [(crossed_value(va, vb), share) for (va, vb), share in cells.items()]
            name = crossed_feature(first, second)
            quotas += _feature_quotas(name, items, size, tolerance, method)
    return QuotaTable(quotas)


def _tolerance(size: int, seats: int | None, points: float | None, problems: list[Problem]) -> int:
    if seats is not None and points is not None:
        problems.append(Problem("quota_tolerance_both", {"seats": seats, "points": points}))
        return 0
    if points is not None:
        if not math.isfinite(points) or points < 0:
            problems.append(Problem("quota_tolerance_points_negative", {"tolerance": points}))
            return 0
        if not isinstance(size, int) or size <= 0:
            return 0
        # exact decimal arithmetic: 3 points of 100 seats is 3 seats, not 4
        return math.ceil(Fraction(Decimal(str(points))) * size / 100)
    if seats is None:
        return DEFAULT_TOLERANCE_SEATS
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
        problems.append(Problem("quota_tolerance_seats_negative", {"tolerance": seats}))
        return 0
    return seats


def _feature_quotas(
    feature: str, items: list[tuple[str, float]], size: int, tolerance: int, method: Method
) -> list[Quota]:
    shares = [max(share, 0.0) for _, share in items]
    targets = apportion(shares, size, method)
    total = float(sum(shares))
    return [
        Quota(
            Category(feature, value),
            max(0, target - tolerance),
            min(size, target + tolerance),
            share / total,
        )
        for (value, _), share, target in zip(items, shares, targets, strict=True)
    ]
