"""The dashboard's words and numbers in the user's language: UI strings, messages, formats.

UI strings live in ``dashboard/locales/<lang>.json`` (English is the fallback for any
missing key); error and explanation messages come from the ``quotas.messages``
catalogue, so a conflict explanation reads in the same language as the page around it.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import cache
from typing import Any

from quotas.messages import read_locale, render
from quotas.plurals import expand
from quotas.problems import InvalidInput, KleroError, Problem

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español"}
DEFAULT_LANGUAGE = "en"

# Thousands separator, decimal mark and the space before a percent sign, per language.
_NUMBER_STYLE: dict[str, tuple[str, str, str]] = {
    "en": (",", ".", ""),
    "fr": ("\u202f", ",", "\u202f"),  # narrow no-break space, as French typography wants
    "es": (".", ",", "\u00a0"),
}
_MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
}


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


def _group(digits: str, sep: str) -> str:
    out: list[str] = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def format_number(
    value: float | int | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 0
) -> str:
    """A number with the language's thousands separator and decimal mark.

    >>> format_number(1234567.891, "fr", 2)
    '1\u202f234\u202f567,89'
    >>> format_number(1234.5, "en", 1), format_number(1234.5, "es", 1)
    ('1,234.5', '1.234,5')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    thousands, point, _ = _NUMBER_STYLE.get(lang, _NUMBER_STYLE[DEFAULT_LANGUAGE])
    rendered = f"{abs(float(value)):.{decimals}f}"
    whole, _, fraction = rendered.partition(".")
    sign = "-" if float(value) < 0 and float(rendered) != 0 else ""
    body = _group(whole, thousands)
    return sign + body + (point + fraction if fraction else "")


def format_percent(share: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    """A share (0.125) as a percentage in the language's style ("12.5%", "12,5 %").

    >>> format_percent(0.125, "en"), format_percent(0.125, "fr")
    ('12.5%', '12,5\u202f%')
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    space = _NUMBER_STYLE.get(lang, _NUMBER_STYLE[DEFAULT_LANGUAGE])[2]
    return format_number(100 * share, lang, decimals) + space + "%"


def format_date(value: str | date | datetime | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date (and time, if any) in the language's order with a month abbreviation.

    >>> format_date("2026-03-05T14:07:00+00:00", "fr")
    '5 mars 2026, 14:07 UTC'
    >>> format_date(date(2026, 3, 5), "en")
    '5 Mar 2026'
    """
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    months = _MONTHS.get(lang, _MONTHS[DEFAULT_LANGUAGE])
    day = f"{value.day} {months[value.month - 1]} {value.year}"
    if not isinstance(value, datetime):
        return day
    zone = " UTC" if value.utcoffset() is not None and not value.utcoffset() else ""
    return f"{day}, {value:%H:%M}{zone}"
