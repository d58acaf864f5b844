"""The dashboard's words and numbers in the user's language: UI strings, messages, formats.

UI strings live in ``dashboard/locales/<lang>.json`` (English is the fallback for any
missing key); error and explanation messages come from the ``quotas.messages``
catalogue, so a conflict explanation reads in the same language as the page around it.
The languages are ``quotas.languages``'s; numbers and dates are CLDR's (``quotas.cldr``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from quotas.cldr import format_date, format_number, format_percent
from quotas.languages import DEFAULT, PSEUDO, direction
from quotas.languages import LANGUAGES as REGISTRY
from quotas.messages import read_locale, render
from quotas.plurals import expand
from quotas.problems import InvalidInput, KleroError, Problem

#: Every shipped language's code and its name in itself (``quotas.languages``).
LANGUAGES: dict[str, str] = {language.code: language.name for language in REGISTRY}
DEFAULT_LANGUAGE = DEFAULT


@cache
def _strings(lang: str) -> dict[str, str]:
    return read_locale("dashboard", lang)


def keys() -> list[str]:
    """Every UI string key (those of the English file), sorted."""
    return sorted(_strings(DEFAULT_LANGUAGE))


def text(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The UI string ``key`` in ``lang`` filled with ``params`` (English, then the key, if missing).

    >>> text("signin.title", "fr")
    'Connexion'
    """
    template = _strings(lang).get(key) or _strings(DEFAULT_LANGUAGE).get(key) or key
    return expand(template, params, lang).format(**params) if params else template


def problem_text(problem: Problem, lang: str = DEFAULT_LANGUAGE) -> str:
    """A problem's message in ``lang``."""
    return render(problem.code, problem.params, lang)


def error_lines(error: KleroError, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Every message of an error in ``lang``: one per problem for invalid input."""
    if isinstance(error, InvalidInput):
        errors = [p for p in error.problems if p.severity == "error"] or error.problems
        return [problem_text(p, lang) for p in errors]
    return [render(error.code, error.params, lang)]


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "PSEUDO",
    "direction",
    "error_lines",
    "format_date",
    "format_number",
    "format_percent",
    "keys",
    "problem_text",
    "text",
]
