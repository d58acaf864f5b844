"""One catalogue of human messages, keyed by error code, so every message can be translated.

Modules register their English templates at import; other languages come from
``quotas/locales/<lang>.json`` files mapping the same codes to templates. A ``Message``
(code + parameters) is text not yet written in any language; a parameter may itself be a
``Message`` (e.g. a list joined with "and"), rendered in the same language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

_ENGLISH: dict[str, str] = {}


def register(templates: Mapping[str, str]) -> None:
    """Add English message templates (``str.format`` style) for error codes."""
    for code, template in templates.items():
        existing = _ENGLISH.get(code)
        if existing is not None and existing != template:
            raise ValueError(f"message code {code!r} registered twice with different text")
        _ENGLISH[code] = template


def codes() -> list[str]:
    """Return every registered code, sorted."""
    return sorted(_ENGLISH)


@cache
def _catalogue(lang: str) -> dict[str, str]:
    try:
        text = resources.files("quotas").joinpath(f"locales/{lang}.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    loaded = json.loads(text)
    return {str(k): str(v) for k, v in loaded.items()}


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """Return the message for ``code`` filled with ``params`` in ``lang`` (English fallback).

    Parameters that are ``Message`` objects are rendered first, in the same language.
    """
    filled = {k: v.text(lang) if isinstance(v, Message) else v for k, v in params.items()}
    template = _catalogue(lang).get(code) if lang != "en" else None
    if template is None:
        template = _ENGLISH.get(code)
    if template is None:
        return f"{code}: " + ", ".join(f"{k}={v}" for k, v in sorted(filled.items()))
    return template.format_map(_Lenient(filled))


@dataclass(frozen=True)
class Message:
    """Text to be written later in any language: a registered code and its parameters.

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


register(
    {
        "list_and": "{items} and {last}",
        "list_or": "{items} or {last}",
        "list_comma": "{first}, {rest}",
        "list_clauses": "{first}; {rest}",
    }
)

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
