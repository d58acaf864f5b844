"""The languages Kleroterion ships: one registry that the dashboard, the CLI and reports read.

Each language has its code (the name of its ``locales/<code>.json`` files), its name in
itself and in English, its text direction and the Babel (CLDR) locale that gives its
plural rules and number and date formats. ``resolve`` turns what a user typed
(``zh-hans``, ``zh_Hans``, ``FR``) into a registered code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class Language:
    """One shipped language: ``code`` names its catalogue files, ``babel`` its CLDR data."""

    code: str
    name: str
    english: str
    direction: Direction
    babel: str

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.direction == "rtl"


# Order: English, then the other UN languages, then the rest by English name.
LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English", "ltr", "en"),
    Language("fr", "Français", "French", "ltr", "fr"),
    Language("es", "Español", "Spanish", "ltr", "es"),
    Language("ar", "العربية", "Arabic", "rtl", "ar"),
    Language("zh-Hans", "简体中文", "Chinese (Simplified)", "ltr", "zh_Hans"),
    Language("ru", "Русский", "Russian", "ltr", "ru"),
    Language("am", "አማርኛ", "Amharic", "ltr", "am"),
    Language("bn", "বাংলা", "Bangla", "ltr", "bn"),
    Language("de", "Deutsch", "German", "ltr", "de"),
    Language("ha", "Hausa", "Hausa", "ltr", "ha"),
    Language("hi", "हिन्दी", "Hindi", "ltr", "hi"),
    Language("id", "Bahasa Indonesia", "Indonesian", "ltr", "id"),
    Language("ja", "日本語", "Japanese", "ltr", "ja"),
    Language("fa", "فارسی", "Persian", "rtl", "fa"),
    Language("pt", "Português", "Portuguese", "ltr", "pt"),
    Language("sw", "Kiswahili", "Swahili", "ltr", "sw"),
    Language("tr", "Türkçe", "Turkish", "ltr", "tr"),
    Language("ur", "اردو", "Urdu", "rtl", "ur"),
    Language("vi", "Tiếng Việt", "Vietnamese", "ltr", "vi"),
    Language("yo", "Yorùbá", "Yoruba", "ltr", "yo"),
)
DEFAULT = "en"
#: The environment variable that chooses the command line's language.
ENV = "KLERO_LANG"
#: A pseudo-language for tests: English with every catalogue string between markers.
PSEUDO = "qps"

_BY_CODE = {language.code: language for language in LANGUAGES}
_FOLDED = {language.code.lower().replace("_", "-"): language.code for language in LANGUAGES}


def codes() -> list[str]:
    """Every shipped language's code, in the registry's order."""
    return [language.code for language in LANGUAGES]


def resolve(code: str | None) -> str | None:
    """The registered code for ``code`` (any case, ``-`` or ``_``), or None if none matches.

    >>> resolve("zh_hans"), resolve("FR"), resolve("xx")
    ('zh-Hans', 'fr', None)
    """
    if code is None:
        return None
    if code == PSEUDO:
        return PSEUDO
    return _FOLDED.get(code.strip().lower().replace("_", "-"))


def shipped(tags: Iterable[str]) -> list[str]:
    """The shipped languages among BCP-47 ``tags`` (a site's), in their order, once each.

    A tag Kleroterion does not ship as such counts by its language: ``fr-CA`` is ``fr``,
    ``zh`` is ``zh-Hans``.

    >>> shipped(["fr-CA", "zh", "wo", "ar", "fr"])
    ['fr', 'zh-Hans', 'ar']
    """
    found: list[str] = []
    for tag in tags:
        code = resolve(tag)
        if code is None or code == PSEUDO:
            primary = tag.strip().lower().replace("_", "-").split("-")[0]
            code = next((c for c in codes() if c.lower().split("-")[0] == primary), None)
        if code is not None and code not in found:
            found.append(code)
    return found


def language(code: str) -> Language:
    """The registered language ``code`` (English for an unknown code or the pseudo-language)."""
    return _BY_CODE.get(resolve(code) or DEFAULT, _BY_CODE[DEFAULT])


def direction(code: str) -> Direction:
    """``rtl`` for Arabic, Persian and Urdu, ``ltr`` for the others."""
    return language(code).direction
