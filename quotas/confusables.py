"""Look-alike spellings of a category: Cyrillic or Greek letters that look Latin, and NFKC forms.

"mаle" with a Cyrillic ``а`` (U+0430) is not "male", though no one can see the
difference; nor is "ｍａｌｅ" (full-width letters), though Unicode calls it a
compatibility form of the same word. Two spellings *look alike* when their skeletons are
equal: the text in Unicode's NFKC form, each look-alike letter replaced by the Latin
letter it imitates, then matched as ``quotas.model.normalise`` matches categories.

Provenance of ``LOOK_ALIKES``: a curated subset of the Cyrillic and Greek entries of
Unicode's confusables list (Unicode Technical Standard #39, ``confusables.txt``),
limited to letters that look like a Latin letter in common fonts, typed here by hand
(no download). It is deliberately small: letters that only resemble a Latin letter in
some fonts (Cyrillic ``п``, Greek ``η``) are left out, so that a warning is always worth
reading.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from quotas.model import normalise
from quotas.problems import Problem

#: Cyrillic and Greek letters -> the Latin letter they look like.
LOOK_ALIKES: dict[str, str] = {
    # Cyrillic capitals
    "\u0405": "S",  # DZE
    "\u0406": "I",  # BYELORUSSIAN-UKRAINIAN I
    "\u0408": "J",  # JE
    "\u0410": "A",
    "\u0412": "B",  # VE
    "\u0415": "E",  # IE
    "\u041a": "K",  # KA
    "\u041c": "M",  # EM
    "\u041d": "H",  # EN
    "\u041e": "O",
    "\u0420": "P",  # ER
    "\u0421": "C",  # ES
    "\u0422": "T",  # TE
    "\u0425": "X",  # HA
    "\u04ae": "Y",  # STRAIGHT U
    "\u04c0": "I",  # PALOCHKA
    # Cyrillic small letters
    "\u0430": "a",
    "\u0435": "e",  # ie
    "\u043e": "o",
    "\u0440": "p",  # er
    "\u0441": "c",  # es
    "\u0443": "y",  # u
    "\u0445": "x",  # ha
    "\u0455": "s",  # dze
    "\u0456": "i",  # byelorussian-ukrainian i
    "\u0458": "j",  # je
    "\u04bb": "h",  # shha
    "\u04cf": "l",  # palochka
    "\u0501": "d",  # komi de
    "\u051b": "q",  # qa
    "\u051d": "w",  # we
    # Greek capitals
    "\u0391": "A",  # ALPHA
    "\u0392": "B",  # BETA
    "\u0395": "E",  # EPSILON
    "\u0396": "Z",  # ZETA
    "\u0397": "H",  # ETA
    "\u0399": "I",  # IOTA
    "\u039a": "K",  # KAPPA
    "\u039c": "M",  # MU
    "\u039d": "N",  # NU
    "\u039f": "O",  # OMICRON
    "\u03a1": "P",  # RHO
    "\u03a4": "T",  # TAU
    "\u03a5": "Y",  # UPSILON
    "\u03a7": "X",  # CHI
    # Greek small letters
    "\u03b1": "a",  # alpha
    "\u03b9": "i",  # iota
    "\u03bd": "v",  # nu
    "\u03bf": "o",  # omicron
    "\u03c1": "p",  # rho
    "\u03c5": "u",  # upsilon
    "\u03f2": "c",  # lunate sigma
    "\u03f3": "j",  # yot
}
_TABLE = str.maketrans(LOOK_ALIKES)


def compatible(value: str) -> str:
    """``value`` in Unicode's NFKC form (full-width letters, ligatures... made plain).

    >>> compatible("ｆｅｍａｌｅ"), compatible("ﬁrst")
    ('female', 'first')
    """
    return unicodedata.normalize("NFKC", value)


def skeleton(value: str) -> str:
    """The key under which look-alike spellings are equal.

    >>> skeleton("M\u0430le") == skeleton("male") == skeleton("ｍａｌｅ")
    True
    """
    return normalise(compatible(value).translate(_TABLE))


def look_alike_letters(value: str) -> list[str]:
    """The Cyrillic or Greek look-alike letters in ``value``, each with its code point.

    >>> look_alike_letters("m\u0430le")
    ['U+0430 CYRILLIC SMALL LETTER A']
    """
    return _described(c for c in value if c in LOOK_ALIKES)


def compatibility_letters(value: str) -> list[str]:
    """The characters of ``value`` that NFKC changes, each with its code point.

    >>> compatibility_letters("ma\u00a0le")
    ['U+00A0 NO-BREAK SPACE']
    """
    return _described(c for c in value if compatible(c) != c)


def _described(chars: Iterable[str]) -> list[str]:
    out: list[str] = []
    for c in chars:
        text = f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED CHARACTER')}"
        if text not in out:
            out.append(text)
    return out


def odd_letters(value: str) -> str:
    """The look-alike and compatibility characters of ``value``, listed for a message."""
    return ", ".join(look_alike_letters(value) + compatibility_letters(value))


def look_alike_pairs(values: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs ``(first, other)`` of distinct categories in ``values`` that look alike.

    >>> look_alike_pairs(["male", "female", "m\u0430le"])
    [('male', 'mаle')]
    """
    first_of: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    for value in values:
        key = skeleton(value)
        first = first_of.setdefault(key, value)
        if normalise(first) != normalise(value):
            pairs.append((first, value))
    return pairs


def look_alike_problems(values: dict[str, Iterable[str]], source: str) -> list[Problem]:
    """A warning for each two categories of a feature that look alike (``quotas.confusables``).

    >>> [p.params["other"] for p in look_alike_problems({"sex": ["male", "m\u0430le"]}, "q")]
    ['mаle']
    """
    problems = []
    for feature, categories in values.items():
        for first, other in look_alike_pairs(categories):
            letters = ", ".join(filter(None, (odd_letters(first), odd_letters(other))))
            params = {"source": source, "feature": feature, "value": first, "other": other}
            problems.append(
                Problem("categories_look_alike", {**params, "letters": letters}, "warning")
            )
    return problems
