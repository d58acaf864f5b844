"""Census margins to quota tables: share a panel's seats among categories by population share.

``apportion`` turns shares into whole seats; ``quotas_from_margins`` turns census
margins (one set of shares per feature, optionally crossed pairs of features) into
a QuotaTable with a tolerance around each target.

What each method guarantees, with exact quota q = share * size and seats a:

    method                          seats sum   floor(q) <= a <= ceil(q)   size+1 never
                                    to size                                 takes a seat
    largest-remainder (default)     yes         yes                        yes
    sainte-lague                    yes         yes                        yes
    largest-remainder, textbook     yes         yes                        no (Alabama paradox)
    sainte-lague, textbook          yes         no (rarely)                yes

The default (``textbook=False``) hands out seats one at a time, size = 1, 2, ...,
each to the eligible category with the best priority: the largest remainder
``q_i - a_i`` or the largest ``share_i / (2 a_i + 1)`` (Sainte-Laguë / Webster). A
category is eligible when one more seat keeps it within its upper quota and leaves
enough seats for every lower quota at every larger size (Still's test, 1979). With
two categories it always equals the textbook method; with more it may differ by one
seat, where the textbook Hamilton result would not survive a larger panel.

Shares are read as exact decimals (0.29 means 29/100), so ties are exact and
broken by the order the categories are given in.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

import numpy as np

from quotas.model import Category, Quota, QuotaTable, crossed_feature, crossed_value, normalise
from quotas.problems import KleroError, Problem, raise_if_errors


class Method(StrEnum):
    """How seats are shared out among categories (what each guarantees: see above)."""

    LARGEST_REMAINDER = "largest-remainder"
    SAINTE_LAGUE = "sainte-lague"


METHODS: tuple[Method, ...] = tuple(Method)
#: A feature whose shares miss 1 by at most this much (0.5 percentage points) only warns.
SUM_TOLERANCE = 0.005
#: Default tolerance around each target when none is given.
DEFAULT_TOLERANCE_SEATS = 1


# -- apportionment -------------------------------------------------------------------------


def apportion(
    shares: Sequence[float],
    size: int,
    method: Method = Method.LARGEST_REMAINDER,
    *,
    textbook: bool = False,
) -> list[int]:
    """Share ``size`` seats among categories in proportion to ``shares``; seats sum to ``size``.

    Shares need not sum to 1 (they are rescaled). A zero share gets no seat. See the
    module docstring for what each method and ``textbook`` guarantee.

    >>> apportion([0.51, 0.49], 35)
    [18, 17]
    >>> apportion([0.5, 0.3, 0.2], 7, "sainte-lague")
    [4, 2, 1]
    """
    if method not in METHODS:
        raise KleroError("apportion_method_unknown", method=method, known=", ".join(METHODS))
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise KleroError("panel_size_invalid", size=size)
    weights = _integer_weights(shares)
    if size == 0:
        return [0] * len(weights)
    if sum(weights) == 0:
        raise KleroError("apportion_shares_all_zero", size=size)
    if textbook and method == "largest-remainder":
        return _hamilton(weights, size)
    return _sequential(weights, size, method, quota_test=not textbook)


def exact_quotas(shares: Sequence[float], size: int) -> list[Fraction]:
    """The exact (fractional) seats each share deserves, read as exact decimals."""
    weights = _integer_weights(shares)
    total = sum(weights)
    return [Fraction(w * size, total) if total else Fraction(0) for w in weights]


def _exact(share: object, index: int) -> Fraction:
    if isinstance(share, bool):
        raise KleroError("apportion_share_invalid", index=index, share=share)
    try:
        # str() gives the shortest decimal of a float, so 0.29 is read as 29/100.
        value = Fraction(share) if isinstance(share, int | Fraction) else Fraction(str(share))
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        raise KleroError("apportion_share_invalid", index=index, share=share) from exc
    if value < 0:
        raise KleroError("apportion_share_invalid", index=index, share=share)
    return value


def _integer_weights(shares: Sequence[object]) -> list[int]:
    """Integer weights with exactly the ratios of the shares."""
    exact = [_exact(s, i) for i, s in enumerate(shares, start=1)]
    if not exact:
        return []
    denominator = math.lcm(*(f.denominator for f in exact))
    weights = [int(f * denominator) for f in exact]
    common = math.gcd(*weights)
    return [w // common for w in weights] if common > 1 else weights


def _hamilton(weights: list[int], size: int) -> list[int]:
    total = sum(weights)
    seats = [w * size // total for w in weights]
    remainders = [w * size % total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: size - sum(seats)]:
        seats[i] += 1
    return seats


def _sequential(weights: list[int], size: int, method: Method, *, quota_test: bool) -> list[int]:
    """Hand out seats one at a time to the best eligible category (see module docstring)."""
    total = sum(weights)
    seats = [0] * len(weights)
    scan = _LowerQuotaScan(weights, size) if quota_test else None
    for house in range(1, size + 1):
        if method == "largest-remainder":
            # remainder q_i(house) - a_i, scaled by the total weight to stay integral
            key = [w * house - a * total for w, a in zip(weights, seats, strict=True)]
            order = sorted(range(len(weights)), key=lambda i: (-key[i], i))
        else:
            ratio = [Fraction(w, 2 * a + 1) for w, a in zip(weights, seats, strict=True)]
            order = sorted(range(len(weights)), key=lambda i: (-ratio[i], i))
        chosen = order[0]
        if scan is not None:
            chosen = scan.first_eligible(order, seats, house)
        seats[chosen] += 1
    return seats


class _LowerQuotaScan:
    """Still's test: which categories can take seat ``house`` without breaking quota later.

    With seats ``a`` (summing to house - 1) that pass the test, let D(h) be the seats
    still owed at a later size h: sum over i of max(0, floor(q_i(h)) - a_i). It never
    exceeds h - house + 1. Giving the seat to i is safe unless at some h >= house the
    bound is tight and i owes nothing at h; since floor(q_i(h)) grows with h, only the
    first tight h matters, and only below the size where i would be owed its next seat.
    """

    def __init__(self, weights: list[int], size: int) -> None:
        self.total = sum(weights)
        self.weights = weights
        # no size scanned exceeds (size + 1) * total, the size where a share of 1 earns a seat
        big = max(weights) * self.total * (size + 2)
        # int64 when every product fits, else exact Python integers
        self.dtype: type = np.int64 if big < 2**62 else object
        self.w = np.array(weights, dtype=self.dtype)

    def _next_seat_size(self, i: int, seats_i: int) -> int:
        """Smallest panel size at which category i's lower quota reaches seats_i + 1."""
        return -(-(seats_i + 1) * self.total // self.weights[i])

    def first_eligible(self, order: list[int], seats: list[int], house: int) -> int:
        a: np.ndarray = np.array(seats, dtype=self.dtype)
        scanned_to = house  # sizes in [house, scanned_to) have been checked
        tight: int | None = None
        for i in order:
            w = self.weights[i]
            if w == 0 or seats[i] * self.total >= w * house:
                continue  # upper quota: a_i must stay below q_i(house)
            limit = self._next_seat_size(i, seats[i])
            while tight is None and scanned_to < limit:
                stop = min(limit, scanned_to + max(64, scanned_to - house))
                tight = self._first_tight(a, house, scanned_to, stop)
                scanned_to = stop
            if tight is None or tight >= limit:
                return i
        raise AssertionError("no eligible category: the quota test is broken")  # pragma: no cover

    def _first_tight(self, a: np.ndarray, house: int, start: int, stop: int) -> int | None:
        sizes: np.ndarray = np.arange(start, stop, dtype=np.int64).astype(self.dtype)
        lower = (self.w[:, None] * sizes[None, :]) // self.total
        owed = np.maximum(lower - a[:, None], 0).sum(axis=0)
        hits = np.nonzero(owed == sizes - house + 1)[0]
        return int(start + hits[0]) if len(hits) else None


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
