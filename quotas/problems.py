"""Problems found in user input and the domain errors that carry them.

A Problem is data: a code, its parameters and a rendered message. Validators
collect *all* problems of an input before raising, so a partner fixes a file once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from quotas.messages import Message, render

Severity = Literal["error", "warning"]


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


#: Failures that the request did not cause (the database, the key, the disk, a solver):
#: exit 3, as an unexpected failure. Every other KleroError is a request that cannot be
#: done as given (an unknown site, a wrong option, ...): exit 2, like invalid input.
ENVIRONMENT_FAILURES = frozenset(
    {
        "db_file_unwritable",
        "db_not_initialised",
        "db_schema_newer",
        "db_schema_out_of_date",
        "db_unreachable",
        "feasibility_timeout",
        "legacy_failed",
        "out_dir_not_writable",
        "out_file_not_written",
        "out_files_not_restored",
        "run_lost",
        "secret_key_invalid",
        "secret_key_missing",
        "secret_key_wrong",
        "selection_interrupted",
    }
)


class KleroError(Exception):
    """Base of every error Kleroterion reports to a user (never shown as a traceback).

    ``exit_code`` is the CLI's: 2 for a request that cannot be done as given, 3 for the
    failures in ``ENVIRONMENT_FAILURES``; subclasses set their own (1 infeasible quotas,
    4 permission denied).
    """

    exit_code = 2

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        if code in ENVIRONMENT_FAILURES and type(self).exit_code == 2:
            self.exit_code = 3
        super().__init__(render(code, params))

    @property
    def message(self) -> str:
        """The English message."""
        return render(self.code, self.params)


class InvalidInput(KleroError):
    """An input (file, table, argument) has one or more problems; all are listed."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = [p for p in problems]
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


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """Return the problems of severity ``error``."""
    return [p for p in problems if p.severity == "error"]


def raise_if_errors(problems: Iterable[Problem]) -> None:
    """Raise InvalidInput with every problem if any of them is an error."""
    listed = list(problems)
    if errors_only(listed):
        raise InvalidInput(listed)
