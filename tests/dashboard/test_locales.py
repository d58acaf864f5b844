"""The catalogues: every language has every string with the same placeholders; formats."""

from __future__ import annotations

import json
import string
from importlib import resources

import pytest

import recruitment
import sampling
from dashboard.i18n import LANGUAGES, format_date, format_number, format_percent, keys, text
from quotas import messages


def _fields(template: str) -> list[str]:
    return sorted(
        f"{name}!{conversion}"
        for _, name, _, conversion in string.Formatter().parse(template)
        if name is not None
    )


def _load(package: str, lang: str) -> dict[str, str]:
    raw = resources.files(package).joinpath(f"locales/{lang}.json").read_text("utf-8")
    return dict(json.loads(raw))


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_ui_strings_complete_with_same_placeholders(lang: str) -> None:
    english, other = _load("dashboard", "en"), _load("dashboard", lang)
    assert sorted(other) == sorted(english)
    for key, template in english.items():
        assert _fields(other[key]) == _fields(template), key


@pytest.mark.parametrize("lang", ["fr", "es"])
@pytest.mark.parametrize("catalogue", messages.catalogues(), ids=lambda c: c.package)
def test_message_catalogue_translated_with_same_placeholders(
    catalogue: messages.Catalogue, lang: str
) -> None:
    english, translated = catalogue.templates("en"), catalogue.templates(lang)
    assert english, catalogue.package
    assert sorted(translated) == sorted(english)
    for code, template in english.items():
        assert _fields(translated[code]) == _fields(template), code


def test_messages_render_in_each_language() -> None:
    params = {"count": 3, "category": "age = 65+", "min": 5}
    rendered = {
        lang: messages.render("conflict_min_above_pool", params, lang) for lang in LANGUAGES
    }
    assert rendered["en"].startswith("Only 3 people")
    assert rendered["fr"].startswith("Seules 3 personnes")
    assert rendered["es"].startswith("Solo 3 personas")


def test_ui_text_falls_back_to_english_then_key() -> None:
    assert text("signin.title", "es") == "Iniciar sesión"
    assert text("signin.title", "xx") == "Sign in"
    assert text("no.such.key", "fr") == "no.such.key"
    assert "signin.title" in keys()


def test_numbers_percent_and_dates_follow_the_language() -> None:
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(1234567, "fr") == "1\u202f234\u202f567"
    assert format_number(-1234.56, "es", 1) == "-1.234,6"
    assert format_number(float("nan"), "en") == "–"
    assert format_percent(0.5, "es", 0) == "50\u00a0%"
    assert format_date("2026-11-30T09:05:00+00:00", "es") == "30 nov 2026, 09:05 UTC"
    assert format_date("2026-01-02", "en") == "2 Jan 2026"


def test_every_progress_stage_of_the_algorithms_has_a_name_in_every_language() -> None:
    import re
    from pathlib import Path

    sources = [
        *Path(sampling.__path__[0]).rglob("*.py"),
        *Path(recruitment.__path__[0]).rglob("*.py"),
    ]
    stages = {
        stage
        for source in sources
        for stage in re.findall(r'progress\("([^"]+)"', source.read_text("utf-8"))
    }
    assert {"leximin", "head start", "done"} <= stages
    for lang in LANGUAGES:
        for stage in stages:
            key = f"selection.stage_{stage.replace(' ', '_')}"
            assert text(key, lang) != key, (lang, stage)


def test_every_assisted_registration_channel_has_a_label() -> None:
    # The registration form offers recruitment.channels.ASSISTED_CHANNELS, labelled channel.*.
    from recruitment.channels import ASSISTED_CHANNELS, CHANNELS

    assert set(ASSISTED_CHANNELS) < set(CHANNELS)
    english = _load("dashboard", "en")
    assert {k for k in english if k.startswith("channel.")} == {
        f"channel.{c}" for c in ASSISTED_CHANNELS
    }
