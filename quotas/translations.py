"""How complete each shipped language is: every English string, translated with a valid template.

A translation of an English template is valid when it parses (balanced plural blocks,
each with an ``other`` branch), uses the same placeholders (and conversions) as the
English, and each plural block either has a branch for every CLDR category the language
gives whole numbers (Russian: one, few, many; Arabic: zero, one, two, few, many) or only
``other`` (a language whose words do not change with the number, as Turkish after a
numeral), and none for a category the language does not have (``=N`` branches are
always allowed). The catalogues are read as files (``<package>/locales/<lang>.json``),
without importing the packages, so the dashboard's strings count too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from quotas.cldr import locale
from quotas.languages import LANGUAGES, Language
from quotas.plurals import TemplateError, blocks, fields

#: Every package with a ``locales`` folder: the five message catalogues and the dashboard.
PACKAGES = ("dashboard", "klero", "quotas", "recruitment", "sampling", "synthetic_data")
ENGLISH = "en"
# Whole numbers below this bound reach every category a language gives counts (the
# categories only millions reach, such as French "many", are allowed, not needed).
_COUNTS = range(0, 10_000)
_CONVERSIONS = re.compile(r"\{(\w+)!([rsa])\}")


def locale_file(package: str, lang: str) -> Path | None:
    """The path of ``<package>/locales/<lang>.json`` (found without importing the package)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "locales" / f"{lang}.json"
    return path if path.is_file() else None


def templates(package: str, lang: str) -> dict[str, str]:
    """The templates of one package in one language (empty if it has no such file)."""
    path = locale_file(package, lang)
    if path is None:
        return {}
    return {str(k): str(v) for k, v in json.loads(path.read_text("utf-8")).items()}


@cache
def plural_categories(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The categories ``lang`` gives whole numbers (needed) and all it has (allowed)."""
    rule = locale(lang).plural_form
    needed = frozenset(str(rule(n)) for n in _COUNTS) | {"other"}
    return needed, frozenset(rule.tags) | {"other"}


def _placeholders(template: str) -> list[str]:
    return sorted(fields(template)) + sorted(map(str, _CONVERSIONS.findall(template)))


def _plural_problem(template: str, lang: str) -> str | None:
    needed, allowed = plural_categories(lang)
    for _, branches in blocks(template):
        given = {s for s in branches if not s.startswith("=")}
        if not given <= allowed or not (needed <= given or given == {"other"}):
            return "forms"
        for branch in branches.values():
            if (inner := _plural_problem(branch, lang)) is not None:
                return inner
    return None


def problem(english: str, template: str | None, lang: str) -> str | None:
    """Why ``template`` is not a valid ``lang`` translation of ``english`` (None if it is).

    One of ``missing``, ``plural`` (does not parse), ``placeholders``, ``forms``.

    >>> problem("{n} seats", "{n} sièges", "fr") is None
    True
    >>> problem("{n, plural, one {# seat} other {# seats}}", "{n, plural, one {# место} "
    ...         "other {# мест}}", "ru")  # Russian also needs few and many (or other alone)
    'forms'
    """
    if template is None or not template.strip():
        return "missing"
    try:
        if _placeholders(template) != _placeholders(english):
            return "placeholders"
        return _plural_problem(template, lang)
    except TemplateError:
        return "plural"


@dataclass(frozen=True)
class Gap:
    """One English string a language lacks or gets wrong."""

    package: str
    key: str
    problem: str


@dataclass(frozen=True)
class Completeness:
    """A language's share of valid translations, and what it lacks."""

    language: Language
    total: int
    gaps: tuple[Gap, ...] = field(default=())

    @property
    def complete(self) -> float:
        """The share of English strings with a valid translation (1.0: nothing missing)."""
        return (self.total - len(self.gaps)) / self.total if self.total else 1.0

    def count(self, kind: str) -> int:
        """How many gaps of ``kind`` (``missing`` or any invalid kind)."""
        return sum(gap.problem == kind for gap in self.gaps)


def completeness(language: Language) -> Completeness:
    """How much of every package's English ``language`` translates validly."""
    gaps: list[Gap] = []
    total = 0
    for package in PACKAGES:
        english = templates(package, ENGLISH)
        translated = templates(package, language.code)
        total += len(english)
        for key in sorted(english):
            found = problem(english[key], translated.get(key), language.code)
            if found is not None:
                gaps.append(Gap(package, key, found))
    return Completeness(language, total, tuple(gaps))


def every_language() -> list[Completeness]:
    """The completeness of every shipped language, in the registry's order."""
    return [completeness(language) for language in LANGUAGES]
