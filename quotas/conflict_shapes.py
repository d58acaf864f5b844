"""Conflicts of a known shape, each with the counting argument that proves it in one sentence.

Method: a minimal conflict (from ``quotas.feasibility``) is sorted by the kinds of its
bounds (panel size, minimums, maximums); a shape this module knows (the pool or a category
short of people, minimums of one feature against maximums, maximums or minimums against
the panel size, two minimums against the size) gets its message code and parameters,
after the argument has been checked against the pool's counts. Anything else is left to
``quotas.explain.explain_conflict``, which lists the bounds and counts instead. The
messages are in quotas' catalogue (``quotas/locales``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quotas.messages import Message, Part, any_of

if TYPE_CHECKING:
    from quotas.explain import Bound, Counter

Explanation = tuple[str, dict[str, Any]]  # message code and its parameters


def explain_shape(listed: Sequence[Bound], count: Counter, households: bool) -> Explanation | None:
    """The one-sentence explanation of a conflict of a known shape, or None."""
    sizes = [b.amount for b in listed if b.kind == "size"]
    mins = [b for b in listed if b.kind == "min"]
    maxs = [b for b in listed if b.kind == "max"]
    min_features = {b.feature for b in mins}
    if sizes and not mins and not maxs:
        return _pool_too_small(sizes[0], count, households)
    if not sizes and len(mins) == 1 and not maxs:
        return _min_above_pool(mins[0], count, households)
    if not sizes and len(mins) == 1 and len(maxs) == 1 and mins[0].category == maxs[0].category:
        params = {"category": str(mins[0].category), "min": mins[0].amount, "max": maxs[0].amount}
        return "conflict_min_above_max", params
    if not sizes and mins and maxs and len(min_features) == 1:
        return _mins_against_maxs(mins, maxs, count)
    if sizes and maxs and not mins:
        return _maxs_below_size(maxs, sizes[0], count)
    if sizes and mins and not maxs and len(min_features) == 1:
        return _mins_above_size(mins, sizes[0])
    if sizes and len(mins) == 2 and not maxs:
        return _two_mins(mins[0], mins[1], sizes[0], count)
    return None


def _pool_too_small(size: int, count: Counter, households: bool) -> Explanation:
    """The panel size alone: too few people, or too few households, in the pool."""
    people, units = count([])
    if people < size or not households:
        return "conflict_pool_too_small", {"people": people, "size": size}
    return "conflict_households_too_few", {"people": people, "households": units, "size": size}


def _min_above_pool(b: Bound, count: Counter, households: bool) -> Explanation:
    """One minimum alone: too few people, or households, of its category in the pool."""
    people, units = count([[b.category]])
    base = {"count": people, "category": str(b.category), "min": b.amount}
    if people < b.amount or not households:
        return "conflict_min_above_pool", base
    return "conflict_min_above_households", {**base, "households": units}


def _mins_against_maxs(
    mins: Sequence[Bound], maxs: Sequence[Bound], count: Counter
) -> Explanation | None:
    """Minimums of one feature against maximums that too many of their people fall under."""
    # Categories of one feature are disjoint, so their minimums add up; a selected person
    # counts towards at most the sum of the maximums they fall under.
    min_a, min_parts = _sum(mins)
    max_b, max_parts = _sum(maxs)
    inside = [[b.category for b in mins]]
    count_a = count(inside)[0]
    outside = count(inside, [b.category for b in maxs])[0]
    if outside >= min_a - max_b:
        return None
    params = {
        "a": _either(mins),
        "b": _either(maxs),
        "count_a": count_a,
        "min_a": min_a,
        "min_parts": min_parts,
        "max_b": max_b,
        "max_parts": max_parts,
        "outside": outside,
        "needed": min_a - max_b,
    }
    return ("conflict_all_inside" if outside == 0 else "conflict_few_outside"), params


def _maxs_below_size(maxs: Sequence[Bound], size: int, count: Counter) -> Explanation | None:
    """Maximums that, with everyone outside them, leave seats of the panel empty."""
    total, parts = _sum(maxs)
    others = count([], [b.category for b in maxs])[0]
    if total + others >= size:
        return None
    params = {"b": _either(maxs), "total": total, "max_parts": parts, "others": others}
    return "conflict_max_sum_below_size", {**params, "size": size}


def _mins_above_size(mins: Sequence[Bound], size: int) -> Explanation | None:
    """Minimums of one feature that need more seats than the panel has."""
    total, parts = _sum(mins)
    if total <= size:
        return None
    params = {
        "feature": mins[0].feature,
        "a": _either(mins),
        "total": total,
        "min_parts": parts,
    }
    return "conflict_min_sum_above_size", {**params, "size": size}


def _two_mins(a: Bound, b: Bound, size: int, count: Counter) -> Explanation | None:
    """Two minimums whose people overlap too little to share the panel's seats."""
    both = count([[a.category], [b.category]])[0]
    # A person in both categories counts towards both minimums.
    needed = a.amount + b.amount - min(both, a.amount, b.amount)
    if needed <= size:
        return None
    return "conflict_two_mins", {
        "a": str(a.category),
        "b": str(b.category),
        "min_a": a.amount,
        "min_b": b.amount,
        "both": both,
        "needed": needed,
        "size": size,
    }


def _either(bounds: Sequence[Bound]) -> Part:
    """Categories in words, e.g. "age = 35-44, 45-54 or 55-64" (values grouped by feature)."""
    groups: dict[str, list[Part]] = {}
    for b in bounds:
        groups.setdefault(b.feature, []).append(b.value)
    parts: list[Part] = [
        Message("category_values", {"feature": feature, "values": any_of(values)})
        for feature, values in groups.items()
    ]
    return any_of(parts)


def _sum(bounds: Sequence[Bound]) -> tuple[int, str]:
    """The total of some bounds and, when there are several, the sum written out."""
    total = sum(b.amount for b in bounds)
    return total, "" if len(bounds) == 1 else " (" + " + ".join(str(b.amount) for b in bounds) + ")"
