"""The catalogues: every language has every string with the same placeholders; formats."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

import recruitment
import sampling
from dashboard.i18n import LANGUAGES, format_date, format_number, format_percent, keys, text
from quotas import messages, plurals


def _load(package: str, lang: str) -> dict[str, str]:
    raw = resources.files(package).joinpath(f"locales/{lang}.json").read_text("utf-8")
    return dict(json.loads(raw))


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
    assert format_date("2026-11-30T09:05:00+00:00", "es") == "30 nov 2026, 9:05 UTC"
    assert format_date("2026-01-02", "en") == "Jan 2, 2026"


@pytest.mark.parametrize(
    ("lang", "number", "percent", "day"),
    [
        ("hi", "12,34,567.9", "12.5%", "5 मार्च 2026"),
        ("de", "1.234.567,9", "12,5\u00a0%", "05.03.2026"),
        ("ja", "1,234,567.9", "12.5%", "2026/03/05"),
        ("ar", "1,234,567.9", "12.5%", "05\u200f/03\u200f/2026"),
    ],
)
def test_every_language_formats_numbers_and_dates_by_cldr(
    lang: str, number: str, percent: str, day: str
) -> None:
    """Grouping (Hindi's lakhs), decimal marks and date order are CLDR's, digits Western."""
    assert format_number(1234567.89, lang, 1) == number
    assert format_percent(0.125, lang) == percent
    assert format_date("2026-03-05", lang) == day
    assert format_number(-0.01, lang, 1) == format_number(0, lang, 1)  # never "-0.0"


def test_every_progress_stage_of_the_algorithms_has_a_name_in_every_language() -> None:
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


def test_every_registration_channel_has_a_label() -> None:
    # The registration form offers recruitment.channels.ASSISTED_CHANNELS and the pool page
    # shows every channel's contribution, each labelled channel.*.
    from recruitment.channels import ASSISTED_CHANNELS, CHANNELS

    assert set(ASSISTED_CHANNELS) < set(CHANNELS)
    english = _load("dashboard", "en")
    assert {k for k in english if k.startswith("channel.")} == {f"channel.{c}" for c in CHANNELS}


def _numeric_fields(template: str) -> set[str]:
    return {name for name, _ in plurals.blocks(template)}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("catalogue", messages.catalogues(), ids=lambda c: c.package)
def test_plural_messages_render_for_every_count(catalogue: messages.Catalogue, lang: str) -> None:
    """Every message with plural forms renders cleanly for 0, 1, 2, 5 and 21 in every language."""
    templates = catalogue.templates(lang)  # a missing one is the completeness test's
    for code, english in catalogue.templates("en").items():
        if code not in templates:
            continue
        numbers = _numeric_fields(english) | _numeric_fields(templates[code])
        if not numbers:
            continue
        for count in (0, 1, 2, 5, 21):
            params: dict[str, object] = {n: f"<{n}>" for n in plurals.fields(templates[code])}
            params.update(dict.fromkeys(numbers, count))
            text = messages.render(code, params, lang)
            assert "{" not in text and "#" not in text and "plural" not in text, (code, text)


@pytest.mark.parametrize(
    ("code", "params", "lang", "expected"),
    [
        (
            "conflict_households_too_few",
            {"people": 1, "households": 1, "size": 1},
            "en",
            "The 1 person in the pool lives in only 1 household",
        ),
        (
            "conflict_households_too_few",
            {"people": 3, "households": 2, "size": 5},
            "en",
            "The 3 people in the pool live in only 2 households",
        ),
        (
            "conflict_min_above_pool",
            {"count": 1, "category": "x", "min": 2},
            "en",
            "Only 1 person in the pool has x",
        ),
        (
            "conflict_min_above_pool",
            {"count": 0, "category": "x", "min": 2},
            "en",
            "No one in the pool has x",
        ),
        (
            "conflict_min_above_pool",
            {"count": 1, "category": "x", "min": 2},
            "fr",
            "Seule 1 personne du vivier a x",
        ),
        (
            "conflict_min_above_pool",
            {"count": 1, "category": "x", "min": 2},
            "es",
            "Solo 1 persona del grupo tiene x",
        ),
        (
            "feasibility_households_too_few",
            {"people": 1, "households": 1, "size": 2},
            "fr",
            "La 1 personne du vivier vit dans 1 foyer",
        ),
        (
            "alternates_count_too_large",
            {"available": 1, "count": 3},
            "en",
            "Only 1 person can be an alternate",
        ),
    ],
)
def test_counts_agree_with_their_nouns(
    code: str, params: dict[str, object], lang: str, expected: str
) -> None:
    """CLDR's plural categories choose the noun and verb: no "1 people" or "1 households"."""
    assert messages.render(code, params, lang).startswith(expected)


def test_plural_categories_come_from_cldr() -> None:
    """French counts 0 as singular, English does not; an unknown language falls back to English."""
    template = "{n, plural, one {# item} other {# items}}"
    assert plurals.expand(template, {"n": 0}, "fr") == "0 item"
    assert plurals.expand(template, {"n": 0}, "en") == "0 items"
    assert plurals.expand(template, {"n": 1}, "xx") == "1 item"
    assert plurals.expand(template, {"n": "several"}, "en") == "several items"
    assert plurals.expand(template, {}, "en") == "{n} items"


@pytest.mark.parametrize(
    "template",
    [
        "{n, plural, one {# x}}",
        "{n, plural, one {# x} other {# y}",
        "{n, plural, one # x other {y}}",
    ],
)
def test_malformed_plural_blocks_are_refused(template: str) -> None:
    with pytest.raises(plurals.TemplateError):
        plurals.expand(template, {"n": 1}, "en")


def test_right_to_left_languages_turn_the_page(shared_db: object) -> None:
    """Arabic lays the page out right to left (as Persian and Urdu: the registry's
    direction); French does not."""
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    styles = {}
    for lang in ("ar", "fr"):
        at = AppTest.from_file(APP, default_timeout=30)
        at.session_state["lang"] = lang
        at.run()
        styles[lang] = [str(e.proto) for e in at.get("html")]
    assert "direction: rtl" in "".join(styles["ar"])
    assert not any("direction: rtl" in s for s in styles["fr"])
