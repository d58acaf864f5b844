"""Why a quota table cannot be met, in a partner's words, and the least change that fixes it.

The solver side lives in ``quotas.feasibility``; this module holds the words and result
types of the feasibility check: it turns a minimal conflict (a few quota bounds) and counts
from the pool into catalogued, translatable messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from quotas.messages import Message, Part, any_of, clauses, render
from quotas.model import Category, QuotaTable
from quotas.problems import Problem

BoundKind = Literal["min", "max", "size"]


@dataclass(frozen=True, order=True)
class Bound:
    """One constraint of the panel model: a category's minimum or maximum, or the panel size."""

    kind: BoundKind
    feature: str = ""
    value: str = ""
    amount: int = 0

    @property
    def category(self) -> Category:
        return Category(self.feature, self.value)

    def phrase(self, lang: str = "en") -> str:
        """The bound in words, e.g. "at most 6 people with age = 60+ may be selected"."""
        return self.words().text(lang)

    def words(self) -> Message:
        """The bound as a message, to be written in any language."""
        return Message(
            f"bound_{self.kind}", {"amount": self.amount, "category": str(self.category)}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "feature": self.feature,
            "value": self.value,
            "amount": self.amount,
        }


class Counter(Protocol):
    """Counts from the pool that an explanation may quote."""

    def __call__(
        self, require: Sequence[Sequence[Category]], exclude: Sequence[Category] = ()
    ) -> tuple[int, int]:
        """People, and their distinct households (people living alone count as one), who
        belong to at least one category of every group in ``require`` and to none of
        ``exclude``; ``count([])`` is the whole pool."""
        ...


def explain_conflict(
    bounds: Sequence[Bound], count: Counter, *, households: bool = False
) -> list[Problem]:
    """Explain one minimal conflict with counts from the pool, as problems with messages.

    Conflicts of a known shape (a bound short of people, minimums of one feature against
    maximums, maximums or minimums against the panel size) get one sentence with the
    counting argument that proves them; the argument is checked against the counts
    before it is used. Any other conflict lists its bounds, then the pool's count of each
    category and of each pair of categories of different features.
    """
    listed = sorted(bounds, key=lambda b: ("size", "min", "max").index(b.kind))
    head = {"bound_list": [b.to_dict() for b in listed]}
    special = _special_case(listed, count, households)
    if special is not None:
        code, params = special
        return [Problem(code, {**params, **head})]
    phrases = clauses([b.words() for b in listed])
    out = [Problem("conflict_bounds", {**head, "bounds": phrases})]
    cats = list(dict.fromkeys(b.category for b in listed if b.kind != "size"))
    for cat in cats:
        out.append(
            Problem("conflict_fact_count", {"count": count([[cat]])[0], "category": str(cat)})
        )
    for i, a in enumerate(cats):
        for b in cats[i + 1 :]:
            if a.feature != b.feature and len(out) < _MAX_FACTS:
                both = count([[a], [b]])[0]
                params = {"both": both, "count_a": count([[a]])[0], "a": str(a), "b": str(b)}
                out.append(Problem("conflict_fact_overlap", params))
    return out


_MAX_FACTS = 12  # beyond this a list of counts stops helping a reader


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


def _special_case(
    listed: Sequence[Bound], count: Counter, households: bool
) -> tuple[str, dict[str, Any]] | None:
    """The one-sentence explanation of a conflict of a known shape, or None."""
    sizes = [b.amount for b in listed if b.kind == "size"]
    mins = [b for b in listed if b.kind == "min"]
    maxs = [b for b in listed if b.kind == "max"]
    min_features = {b.feature for b in mins}
    if sizes and not mins and not maxs:
        people, units = count([])
        if people < sizes[0] or not households:
            return "conflict_pool_too_small", {"people": people, "size": sizes[0]}
        return "conflict_households_too_few", {
            "people": people,
            "households": units,
            "size": sizes[0],
        }
    if not sizes and len(mins) == 1 and not maxs:
        b = mins[0]
        people, units = count([[b.category]])
        base = {"count": people, "category": str(b.category), "min": b.amount}
        if people < b.amount or not households:
            return "conflict_min_above_pool", base
        return "conflict_min_above_households", {**base, "households": units}
    if not sizes and len(mins) == 1 and len(maxs) == 1 and mins[0].category == maxs[0].category:
        params = {"category": str(mins[0].category), "min": mins[0].amount, "max": maxs[0].amount}
        return "conflict_min_above_max", params
    if not sizes and mins and maxs and len(min_features) == 1:
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
    if sizes and maxs and not mins:
        total, parts = _sum(maxs)
        others = count([], [b.category for b in maxs])[0]
        if total + others >= sizes[0]:
            return None
        params = {"b": _either(maxs), "total": total, "max_parts": parts, "others": others}
        return "conflict_max_sum_below_size", {**params, "size": sizes[0]}
    if sizes and mins and not maxs and len(min_features) == 1:
        total, parts = _sum(mins)
        if total <= sizes[0]:
            return None
        params = {
            "feature": mins[0].feature,
            "a": _either(mins),
            "total": total,
            "min_parts": parts,
        }
        return "conflict_min_sum_above_size", {**params, "size": sizes[0]}
    if sizes and len(mins) == 2 and not maxs:
        a, b = mins
        both = count([[a.category], [b.category]])[0]
        # A person in both categories counts towards both minimums.
        needed = a.amount + b.amount - min(both, a.amount, b.amount)
        if needed <= sizes[0]:
            return None
        return "conflict_two_mins", {
            "a": str(a.category),
            "b": str(b.category),
            "min_a": a.amount,
            "min_b": b.amount,
            "both": both,
            "needed": needed,
            "size": sizes[0],
        }
    return None


@dataclass(frozen=True)
class QuotaChange:
    """A new minimum and/or maximum for one category."""

    feature: str
    value: str
    old_min: int
    old_max: int
    new_min: int
    new_max: int

    def problems(self) -> list[Problem]:
        """One warning per changed bound, with its message ("lower the minimum of ...")."""
        category = str(Category(self.feature, self.value))
        out = []
        if self.new_min != self.old_min:
            params = {"category": category, "old": self.old_min, "new": self.new_min}
            out.append(Problem("relaxation_lower_min", params, "warning"))
        if self.new_max != self.old_max:
            params = {"category": category, "old": self.old_max, "new": self.new_max}
            out.append(Problem("relaxation_raise_max", params, "warning"))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": self.value,
            "old_min": self.old_min,
            "old_max": self.old_max,
            "new_min": self.new_min,
            "new_max": self.new_max,
        }


@dataclass(frozen=True)
class Relaxation:
    """The smallest change of quota bounds (in seats) after which a panel exists."""

    changes: list[QuotaChange]
    seats: int

    def table(self, quotas: QuotaTable) -> QuotaTable:
        """A copy of ``quotas`` with the changes applied."""
        for change in self.changes:
            quotas = quotas.with_bounds(
                change.feature, change.value, change.new_min, change.new_max
            )
        return quotas

    def steps(self, lang: str = "en") -> list[str]:
        """Each changed bound in words, in table order."""
        return [p.message_in(lang) for c in self.changes for p in c.problems()]

    def describe(self, lang: str = "en") -> str:
        """Every change in one sentence, e.g. "... lower the minimum of sex = f from 11 to 9"."""
        steps = self.steps(lang)
        if not steps:
            return ""
        code = "relaxation_summary_one" if self.seats == 1 else "relaxation_summary"
        return render(code, {"seats": self.seats, "steps": "; ".join(steps)}, lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seats": self.seats,
            "changes": [c.to_dict() for c in self.changes],
            "description": self.describe(),
        }


@dataclass(frozen=True)
class FeasibilityResult:
    """The answer of ``check_feasibility``: feasible or not, and why, and what would help."""

    feasible: bool
    problems: list[Problem]
    explanation: str | None
    conflicts: list[Problem]
    relaxation: Relaxation | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "feasible": self.feasible,
            "problems": [p.to_dict() for p in self.problems],
            "explanation": self.explanation,
            "conflicts": [p.to_dict() for p in self.conflicts],
            "relaxation": None if self.relaxation is None else self.relaxation.to_dict(),
            "seconds": self.seconds,
        }
