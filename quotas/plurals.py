"""Plural forms in message templates, chosen by CLDR's rules for the language (Babel).

A template may hold ICU MessageFormat plural blocks, the syntax translators' platforms
(Crowdin, Weblate, Lokalise) read:

    "The {people} people live in {households, plural, one {# household} other {# households}}."

``expand`` replaces each block by the branch CLDR selects for the number in ``lang`` (an
exact ``=N`` branch first, then the language's category: zero, one, two, few, many,
other) with ``#`` standing for the number; the rest of the template is filled as before
(``str.format`` placeholders). Blocks may nest. A block whose parameter is not a number
takes the ``other`` branch with the value for ``#`` (``{name}`` when it is missing), so a
message never fails to render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from numbers import Number
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel import Locale

_HEAD = re.compile(r"\{\s*(\w+)\s*,\s*plural\s*,")
_SELECTOR = re.compile(r"\s*(=\d+|zero|one|two|few|many|other)\s*\{")


class TemplateError(ValueError):
    """A plural block that does not parse (unbalanced braces, no ``other`` branch)."""


@cache
def _locale(lang: str) -> Locale:
    from babel import Locale, UnknownLocaleError  # loaded on the first plural only

    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def category(lang: str, number: Any) -> str:
    """CLDR's plural category of ``number`` in ``lang`` ("one", "other", ...)."""
    return str(_locale(lang).plural_form(abs(number)))


def _closing(text: str, start: int) -> int:
    """The index of the ``}`` closing the ``{`` just before ``start``."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise TemplateError(f"unbalanced braces in {text!r}")


def _branches(text: str, start: int) -> tuple[dict[str, str], int]:
    """The branches of the block whose selectors start at ``start``, and the block's end."""
    branches: dict[str, str] = {}
    pos = start
    while True:
        match = _SELECTOR.match(text, pos)
        if match is None:
            end = pos
            while end < len(text) and text[end].isspace():
                end += 1
            if end >= len(text) or text[end] != "}":
                raise TemplateError(f"malformed plural block in {text!r}")
            if "other" not in branches:
                raise TemplateError(f"plural block without an 'other' branch in {text!r}")
            return branches, end + 1
        close = _closing(text, match.end())
        branches[match.group(1)] = text[match.end() : close]
        pos = close + 1


def blocks(template: str) -> list[tuple[str, dict[str, str]]]:
    """Each top-level plural block of ``template``: its parameter and its branches."""
    out = []
    pos = 0
    while (head := _HEAD.search(template, pos)) is not None:
        branches, end = _branches(template, head.end())
        out.append((head.group(1), branches))
        pos = end
    return out


def _choose(branches: dict[str, str], name: str, value: Any, lang: str) -> str:
    if not isinstance(value, Number) or isinstance(value, bool):
        shown = "{" + name + "}" if value is None else str(value)
        return branches["other"].replace("#", shown)
    exact = f"={value}"
    if exact in branches:
        chosen = branches[exact]
    else:
        chosen = branches.get(category(lang, value), branches["other"])
    return chosen.replace("#", str(value))


def expand(template: str, params: Mapping[str, Any], lang: str) -> str:
    """``template`` with every plural block replaced by the branch ``lang`` selects."""
    if "plural" not in template:
        return template
    out: list[str] = []
    pos = 0
    while (head := _HEAD.search(template, pos)) is not None:
        branches, end = _branches(template, head.end())
        out.append(template[pos : head.start()])
        name = head.group(1)
        out.append(expand(_choose(branches, name, params.get(name), lang), params, lang))
        pos = end
    out.append(template[pos:])
    return "".join(out)


def fields(template: str) -> set[str]:
    """Every parameter a template uses: plural blocks' numbers and plain placeholders."""
    names: set[str] = set()
    plain: list[str] = []
    pos = 0
    while (head := _HEAD.search(template, pos)) is not None:
        branches, end = _branches(template, head.end())
        names.add(head.group(1))
        plain.append(template[pos : head.start()])
        for branch in branches.values():
            names |= fields(branch)
        pos = end
    plain.append(template[pos:])
    names |= set(re.findall(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}", "".join(plain)))
    return names
