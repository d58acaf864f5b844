"""Why a quota table cannot be met, in a partner's words, and the least change that fixes it.

The solver side lives in ``quotas.feasibility``; this module holds the words and result
types of the feasibility check: it turns a minimal conflict (a few quota bounds) and counts
from the pool into catalogued, translatable messages. The counting arguments behind the
one-sentence explanations of conflicts of a known shape are in ``quotas.conflict_shapes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from quotas.conflict_shapes import explain_shape
from quotas.messages import Message, clauses
from quotas.model import Category, QuotaTable
from quotas.problems import Problem, errors_only

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
        """The bound's fields by name, JSON-ready."""
        return asdict(self)


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
    special = explain_shape(listed, count, households)
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
        """The change's fields by name, JSON-ready."""
        return asdict(self)


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

    def summary(self) -> Message | None:
        """Every change in one message, to be written in any language (None if no change)."""
        steps = [Message(p.code, p.params) for c in self.changes for p in c.problems()]
        if not steps:
            return None
        code = "relaxation_summary_one" if self.seats == 1 else "relaxation_summary"
        return Message(code, {"seats": self.seats, "steps": clauses(steps)})

    def describe(self, lang: str = "en") -> str:
        """Every change in one sentence, e.g. "... lower the minimum of sex = f from 11 to 9"."""
        summary = self.summary()
        return "" if summary is None else summary.text(lang)

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

    def reasons(self) -> list[Message]:
        """What is wrong, then what would help: ``explanation`` as messages in any language."""
        return reasons(self.conflicts, self.problems, self.relaxation)

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


def reasons(
    conflicts: Sequence[Problem], problems: Sequence[Problem], relaxation: Relaxation | None
) -> list[Message]:
    """Why no panel exists (the conflicts, else the errors), the smallest fix, or why none."""
    out = [Message(p.code, p.params) for p in conflicts or errors_only(problems)]
    summary = None if relaxation is None else relaxation.summary()
    if summary is not None:
        out.append(summary)
    out += [Message(p.code, p.params) for p in problems if p.code.startswith("relaxation_none")]
    return out
