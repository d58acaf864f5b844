"""The pseudo-language's check, shared by the dashboard's and the command line's tests.

In the pseudo-language (``quotas.languages.PSEUDO``) every catalogue string is English
between ``⟦`` and ``⟧``: a word shown outside them must be data (given by the caller),
a number or an id (a word holding a digit), else it did not come from a catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from quotas.languages import LANGUAGES
from quotas.messages import PSEUDO_MARKS

OPEN, CLOSE = PSEUDO_MARKS
# Words: runs of letters and digits.
WORD = re.compile(r"[^\W_]+")


def words(texts: Iterable[str]) -> set[str]:
    """Every word of ``texts``, lower-cased (to build the data's vocabulary)."""
    return {w.lower() for text in texts for w in WORD.findall(text)}


def language_words() -> set[str]:
    """The words of every language's own and English name (the language lists show them)."""
    return words(n for lang in LANGUAGES for n in (lang.name, lang.english))


def unmarked(text: str) -> str:
    """``text`` without its marked (catalogue) parts, nested or not."""
    out: list[str] = []
    depth = 0
    for char in text:
        if char == OPEN:
            depth += 1
        elif char == CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(char)
    return "".join(out)


# Inline code (a link, a command, a file name) is literal in every language.
CODE = re.compile(r"`[^`]*`")


def stray_words(text: str, data: set[str]) -> list[str]:
    """The words of ``text`` outside the markers and code spans that are not data (nor ids
    or numbers)."""
    found = WORD.findall(CODE.sub(" ", unmarked(text)))
    return [w for w in found if not any(c.isdigit() for c in w) and w.lower() not in data]
