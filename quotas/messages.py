"""One catalogue of human messages, keyed by error code, so every message can be translated.

Modules register their English templates at import; other languages come from
``quotas/locales/<lang>.json`` files mapping the same codes to templates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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
    """Return the message for ``code`` filled with ``params`` in ``lang`` (English fallback)."""
    template = _catalogue(lang).get(code) if lang != "en" else None
    if template is None:
        template = _ENGLISH.get(code)
    if template is None:
        return f"{code}: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    return template.format_map(_Lenient(params))
