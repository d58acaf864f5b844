"""Human messages keyed by error code, from the catalogue each package declares: translatable.

Each package declares its catalogue in one module (``<package>/catalogue.py``, listed as
an entry point of the group ``kleroterion.catalogues`` in ``pyproject.toml``); the
templates themselves are ``<package>/locales/<lang>.json`` files (``en`` first, then
the translations, same codes). The catalogues are loaded on the first render, never by
importing a module for its side effects. A ``Message`` (code + parameters) is text not
yet written in any language; a parameter may itself be a ``Message`` (e.g. a list joined
with "and"), rendered in the same language. Parameters are values (numbers, ids,
category names), never English phrases.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata, resources
from typing import Any

from quotas.languages import PSEUDO
from quotas.plurals import expand

#: What an empty list of names shows, in every language (not an English "none").
EMPTY = "–"

#: The entry-point group in which each package names its ``Catalogue``.
CATALOGUES_GROUP = "kleroterion.catalogues"
ENGLISH = "en"


#: The markers the pseudo-language puts around every catalogue string.
PSEUDO_MARKS = ("\u27e6", "\u27e7")


def read_locale(package: str, lang: str) -> dict[str, str]:
    """The templates of ``<package>/locales/<lang>.json`` (empty if there is no such file).

    The pseudo-language (``quotas.languages.PSEUDO``) is English with each template
    between ``PSEUDO_MARKS``: text shown without them did not come from a catalogue.
    """
    if lang == PSEUDO:
        opening, closing = PSEUDO_MARKS
        return {k: opening + v + closing for k, v in read_locale(package, ENGLISH).items()}
    try:
        text = resources.files(package).joinpath(f"locales/{lang}.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return {str(k): str(v) for k, v in json.loads(text).items()}


@dataclass(frozen=True)
class Catalogue:
    """One package's messages: its templates live in ``<package>/locales/<lang>.json``."""

    package: str

    def templates(self, lang: str) -> dict[str, str]:
        """This package's templates in ``lang`` (``{}`` if it has none in that language)."""
        return read_locale(self.package, lang)


@cache
def catalogues() -> tuple[Catalogue, ...]:
    """Every catalogue declared in the ``kleroterion.catalogues`` entry points, by package."""
    declared = sorted(metadata.entry_points(group=CATALOGUES_GROUP), key=lambda e: e.name)
    if not declared:  # every message would read as its bare code: say why instead
        raise RuntimeError(
            f"no {CATALOGUES_GROUP} entry points: install the project (pip install -e .)"
        )
    loaded = [point.load() for point in declared]
    for point, catalogue in zip(declared, loaded, strict=True):
        if not isinstance(catalogue, Catalogue):
            raise TypeError(f"entry point {point.value!r} is not a quotas.messages.Catalogue")
    return tuple(loaded)


def merged(sources: Iterable[Catalogue], lang: str) -> dict[str, str]:
    """The templates of every catalogue in ``lang``; a code in two catalogues is an error."""
    out: dict[str, str] = {}
    owner: dict[str, str] = {}
    for catalogue in sources:
        for code, template in catalogue.templates(lang).items():
            if code in owner:
                raise ValueError(
                    f"message code {code!r} is in the catalogues of both "
                    f"{owner[code]} and {catalogue.package}"
                )
            owner[code] = catalogue.package
            out[code] = template
    return out


@cache
def _templates(lang: str) -> dict[str, str]:
    return merged(catalogues(), lang)


def codes() -> list[str]:
    """Return every code of every catalogue, sorted."""
    return sorted(_templates(ENGLISH))


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """Return the message for ``code`` filled with ``params`` in ``lang`` (English fallback).

    Parameters that are ``Message`` objects are rendered first, in the same language.
    """
    filled = {k: v.text(lang) if isinstance(v, Message) else v for k, v in params.items()}
    template = _templates(lang).get(code) if lang != ENGLISH else None
    if template is None:
        template = _templates(ENGLISH).get(code)
    if template is None:
        return f"{code}: " + ", ".join(f"{k}={v}" for k, v in sorted(filled.items()))
    return expand(template, filled, lang).format_map(_Lenient(filled))


@dataclass(frozen=True)
class Message:
    """Text to be written later in any language: a catalogued code and its parameters.

    >>> all_of(["age = 65+", "gender = female"]).text("fr")
    'age = 65+ et gender = female'
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (English fallback)."""
        return render(self.code, self.params, lang)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form ``{"code", "params"}``; nested messages become nested dicts."""
        return {"code": self.code, "params": {k: plain(v) for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The message saved by ``to_dict`` (e.g. read back from JSON)."""
        params = {
            k: cls.from_dict(v) if _is_message_dict(v) else v
            for k, v in dict(data.get("params") or {}).items()
        }
        return cls(str(data["code"]), params)


def plain(value: Any) -> Any:
    """``value`` made JSON-ready: a ``Message`` becomes its ``to_dict``, other values stay."""
    return value.to_dict() if isinstance(value, Message) else value


def _is_message_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"code", "params"}


Part = str | Message


def _fold(code: str, items: Sequence[Part]) -> Part:
    """``items`` joined right to left by the two-part message ``code``: a, b, c."""
    out = items[-1]
    for item in reversed(items[:-1]):
        out = Message(code, {"first": item, "rest": out})
    return out


def _listing(code: str, items: Sequence[Part]) -> Part:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return Message(code, {"items": _fold("list_comma", items[:-1]), "last": items[-1]})


def all_of(items: Sequence[Part]) -> Part:
    """``items`` as "a, b and c" in the language it is rendered in."""
    return _listing("list_and", items)


def any_of(items: Sequence[Part]) -> Part:
    """``items`` as "a, b or c" in the language it is rendered in."""
    return _listing("list_or", items)


def clauses(items: Sequence[Part]) -> Part:
    """Whole clauses as "a; b; c" (for parts that contain commas or lists themselves)."""
    return _fold("list_clauses", items) if items else ""
