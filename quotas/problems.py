"""Problems found in user input and the domain errors that carry them.

A Problem is data: a code, its parameters and a rendered message. Validators
collect *all* problems of an input before raising, so a partner fixes a file once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Self

from quotas.messages import Message, render

Severity = Literal["error", "warning"]

#: How many problems of one code a list shows; the rest are counted (``bounded``).
PROBLEMS_SHOWN_PER_CODE = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in an input, with a code and parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    @property
    def message(self) -> str:
        """The English message for this problem."""
        return render(self.code, self.params)

    def message_in(self, lang: str) -> str:
        """The message in ``lang``, falling back to English."""
        return render(self.code, self.params, lang)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: ``code``, ``severity``, ``message`` and the parameters.

        A parameter that is itself a ``Message`` (a list joined with "or", say) is given
        as its English text, like ``message``.
        """
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
        for key, value in self.params.items():
            out.setdefault(key, value.text() if isinstance(value, Message) else value)
        return out


class KleroError(Exception):
    """Base of every error Kleroterion reports to a user (never shown as a traceback).

    ``exit_code`` is the CLI's: 2 for a request that cannot be done as given (an unknown
    site, a wrong option, ...); subclasses set their own (1 infeasible quotas, 3 a failure
    of the environment, 4 permission denied).
    """

    exit_code = 2

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(render(code, params))

    @property
    def message(self) -> str:
        """The English message."""
        return render(self.code, self.params)

    def message_in(self, lang: str) -> str:
        """The message in ``lang`` (English fallback)."""
        return render(self.code, self.params, lang)


class EnvironmentFailure(KleroError):
    """A failure the request did not cause (the database, the key, the disk, a solver): exit 3.

    Each package raises it for its own such failures (``recruitment`` for the database
    and the key, ``quotas`` for output files, ...).
    """

    exit_code = 3


class InvalidInput(KleroError):
    """An input (file, table, argument) has one or more problems; all are listed."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        # Bounded: 200,000 bad rows make 20 lines per kind of problem and a count.
        self.problems = bounded(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        first = errors[0] if errors else (self.problems[0] if self.problems else None)
        self.code = first.code if first else "invalid_input"
        self.params = dict(first.params) if first else {}
        lines = [p.message for p in errors] or [p.message for p in self.problems]
        Exception.__init__(self, "\n".join(lines) if lines else "invalid input")

    @property
    def message(self) -> str:
        """All error messages, one per line."""
        return str(self)

    def message_in(self, lang: str) -> str:
        """All error messages in ``lang``, one per line."""
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        return "\n".join(p.message_in(lang) for p in errors) or self.message


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """Return the problems of severity ``error``."""
    return [p for p in problems if p.severity == "error"]


def raise_if_errors(problems: Iterable[Problem]) -> None:
    """Raise InvalidInput with every problem if any of them is an error."""
    listed = list(problems)
    if errors_only(listed):
        raise InvalidInput(listed)


def bounded(problems: Iterable[Problem], per_code: int = PROBLEMS_SHOWN_PER_CODE) -> list[Problem]:
    """The first ``per_code`` problems of each code, in order, and a count of the rest.

    The rest of a code are summed up in one ``problems_more`` problem (parameters
    ``kind``: the code, ``count``), placed just after the last one shown; summaries
    already in ``problems`` are merged, so bounding twice changes nothing.

    >>> many = [Problem("pool_blank_id", {"row": r}) for r in range(2, 32)]
    >>> shown = bounded(many, per_code=2)
    >>> [p.code for p in shown]
    ['pool_blank_id', 'pool_blank_id', 'problems_more']
    >>> shown[-1].message
    '… and 28 more problems like this (pool_blank_id).'
    """
    kept: list[Problem] = []
    shown: dict[str, int] = {}
    rest: dict[str, int] = {}
    severity: dict[str, Severity] = {}
    last: dict[str, int] = {}  # code -> index in ``kept`` of its last problem shown
    for problem in problems:
        if problem.code == "problems_more":
            kind = str(problem.params["kind"])
            rest[kind] = rest.get(kind, 0) + int(problem.params["count"])
            severity.setdefault(kind, problem.severity)
            continue
        code = problem.code
        severity.setdefault(code, problem.severity)
        if shown.get(code, 0) < per_code:
            shown[code] = shown.get(code, 0) + 1
            last[code] = len(kept)
            kept.append(problem)
        else:
            rest[code] = rest.get(code, 0) + 1
    after: dict[int, list[Problem]] = {}
    for code, count in rest.items():
        summary = Problem("problems_more", {"kind": code, "count": count}, severity[code])
        after.setdefault(last.get(code, len(kept) - 1), []).append(summary)
    out = list(after.get(-1, []))
    for index, problem in enumerate(kept):
        out.append(problem)
        out.extend(after.get(index, []))
    return out


def problem_counts(problems: Iterable[Problem]) -> dict[str, int]:
    """How many problems there are of each code, counting those a ``bounded`` list sums up.

    >>> problem_counts(bounded([Problem("pool_blank_id")] * 30, per_code=2))
    {'pool_blank_id': 30}
    """
    counts: dict[str, int] = {}
    for problem in problems:
        if problem.code == "problems_more":
            kind = str(problem.params["kind"])
            counts[kind] = counts.get(kind, 0) + int(problem.params["count"])
        else:
            counts[problem.code] = counts.get(problem.code, 0) + 1
    return counts


def error_count(problems: Iterable[Problem]) -> int:
    """How many errors ``problems`` hold, counting those a ``bounded`` list sums up."""
    return sum(
        int(p.params["count"]) if p.code == "problems_more" else 1
        for p in problems
        if p.severity == "error"
    )


# Each Choice's error code for an unknown name, and the parameter that holds the name.
_UNKNOWN: dict[type, tuple[str, str]] = {}


class Choice(StrEnum):
    """A name a person types (an algorithm, a method), parsed once into an enum member.

    A subclass states its error code and the code's parameter for the typed text:
    ``class Algorithm(Choice, unknown="selection_algorithm_unknown", param="algorithm")``.
    """

    def __init_subclass__(cls, *, unknown: str = "", param: str = "name", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _UNKNOWN[cls] = (unknown, param)

    @classmethod
    def parse(cls, value: object) -> Self:
        """The member named ``value`` (case and spaces aside); KleroError if none, with the
        known names."""
        code, param = _UNKNOWN[cls]
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise KleroError(code, **{param: value, "known": ", ".join(cls)}) from None
