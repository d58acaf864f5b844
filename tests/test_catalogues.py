"""The message catalogues against the source: every code the code uses is catalogued, once.

Each package declares its catalogue (``<package>/catalogue.py``, an entry point of
``kleroterion.catalogues``); these tests read the product's source (no import of its
modules) to find the codes passed to ``Message``, ``Problem``, ``KleroError`` and its
subclasses, and compare them with what the catalogues hold.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from quotas import languages, messages, translations
from recruitment.permissions import Action, action_message

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("quotas", "sampling", "recruitment", "klero", "synthetic_data", "dashboard")
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
# Callables whose first argument is a message code, besides KleroError and its subclasses.
TAKES_A_CODE = {"Message", "Problem", "render", "problem", "_problem"}


@cache
def _trees() -> tuple[ast.Module, ...]:
    paths = sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))
    return tuple(ast.parse(p.read_text("utf-8")) for p in paths if "migrations" not in p.parts)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _error_classes(trees: Iterable[ast.Module]) -> set[str]:
    """``KleroError`` and every class that derives from it, found by name."""
    classes = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    found = {"KleroError"}
    while True:
        more = {c.name for c in classes if {_name(b) for b in c.bases} & found} - found
        if not more:
            return found
        found |= more


def _literals(node: ast.expr) -> list[str]:
    """The string constants an argument can be: ``"a"`` or ``"a" if x else "b"``."""
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return []


def codes_passed(trees: Iterable[ast.Module]) -> set[str]:
    """Every literal code given as the first argument of a message, problem or error."""
    trees = list(trees)
    callables = TAKES_A_CODE | _error_classes(trees)
    out: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and _name(node.func) in callables:
                out.update(c for c in _literals(node.args[0]) if CODE.fullmatch(c))
    return out


def test_the_scan_finds_codes_and_error_subclasses() -> None:
    snippet = ast.parse(
        "class Late(KleroError): ...\n"
        "class Later(Late): ...\n"
        "Later('a_code')\n"
        "Message('b_code' if x else 'c_code')\n"
        "print('not_a_code')\n"
    )
    assert codes_passed([snippet]) == {"a_code", "b_code", "c_code"}
    assert len(codes_passed(_trees())) > 200


def test_every_code_the_source_uses_is_in_a_catalogue() -> None:
    missing = sorted(codes_passed(_trees()) - set(messages.codes()))
    assert not missing, f"codes used but in no catalogue: {missing}"


def _used_somewhere(code: str, literals: set[str], prefixes: set[str]) -> bool:
    if code in literals or any(code.startswith(p) for p in prefixes):
        return True  # a literal, or built as f"bound_{kind}"
    return any(code[:i] in literals and code[i:] in literals for i in range(1, len(code)))


def test_no_catalogue_holds_a_code_nobody_uses() -> None:
    literals: set[str] = set()
    prefixes: set[str] = set()
    for tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and str(first.value).endswith("_"):
                    prefixes.add(str(first.value))
    unused = [c for c in messages.codes() if not _used_somewhere(c, literals, prefixes)]
    assert not unused, f"catalogued codes nobody uses: {unused}"


def test_every_package_declares_its_catalogue() -> None:
    packages = [c.package for c in messages.catalogues()]
    assert sorted(packages) == sorted(
        {"quotas", "sampling", "recruitment", "klero", "synthetic_data"}
    )
    assert len(messages.codes()) == sum(len(c.templates("en")) for c in messages.catalogues())


def test_a_code_in_two_catalogues_is_an_error() -> None:
    quotas = messages.Catalogue("quotas")
    with pytest.raises(ValueError, match="in the catalogues of both quotas and quotas"):
        messages.merged([quotas, quotas], "en")


def test_service_codes_are_the_service_s() -> None:
    owner = {code: c.package for c in messages.catalogues() for code in c.templates("en")}
    service = [c for c in owner if c.startswith(("db_", "audit_", "secret_key_", "run_"))]
    assert service and all(owner[code] == "recruitment" for code in service)


def test_every_action_reads_as_a_phrase_in_every_language() -> None:
    for action in Action:
        for lang in ("en", "fr", "es"):
            text = action_message(action).text(lang)
            assert not text.startswith("action_"), (action, lang)


def test_rendering_a_message_loads_nothing_heavy() -> None:
    probe = (
        "import json, sys\n"
        "from quotas.messages import render\n"
        "render('file_not_found', {'path': 'x'}, 'fr')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    heavy = {"pandas", "numpy", "faker", "sqlalchemy", "ortools", "highspy", "streamlit"}
    assert not loaded & heavy


# Every shipped language (quotas.languages): complete, valid, laid out as CLDR says.


def test_the_registry_agrees_with_cldr() -> None:
    from babel import Locale

    assert [lang.code for lang in languages.LANGUAGES][:6] == [
        "en",
        "fr",
        "es",
        "ar",
        "zh-Hans",
        "ru",
    ]
    assert len(set(languages.codes())) == len(languages.LANGUAGES) >= 20
    for lang in languages.LANGUAGES:
        where = Locale.parse(lang.babel)
        assert lang.rtl == (where.character_order == "right-to-left"), lang.code
        assert str(where.get_display_name("en")).startswith(lang.english.split(" (")[0]), lang.code
    assert {lang.code for lang in languages.LANGUAGES if lang.rtl} == {"ar", "fa", "ur"}
    assert languages.PSEUDO not in languages.codes()


def test_no_catalogue_file_is_for_an_unshipped_language() -> None:
    for package in translations.PACKAGES:
        english = translations.locale_file(package, "en")
        assert english is not None, package
        found = {p.stem for p in english.parent.glob("*.json")}
        assert found <= set(languages.codes()), (package, sorted(found - set(languages.codes())))


@pytest.mark.parametrize("lang", languages.codes())
def test_every_translated_template_is_valid(lang: str) -> None:
    """Same placeholders as English, plural blocks that parse, the language's CLDR forms."""
    wrong = []
    for package in translations.PACKAGES:
        english = translations.templates(package, "en")
        for key, template in translations.templates(package, lang).items():
            if key not in english:
                wrong.append((package, key, "not in English"))
            elif (found := translations.problem(english[key], template, lang)) is not None:
                wrong.append((package, key, found))
    assert not wrong, wrong[:20]


@pytest.mark.parametrize("lang", languages.codes())
def test_every_language_is_complete(lang: str) -> None:
    """No English string falls back to English: `klero languages --language X` lists gaps."""
    found = translations.completeness(languages.language(lang))
    assert found.complete == 1.0, [(g.package, g.key, g.problem) for g in found.gaps[:20]]


@pytest.mark.parametrize(
    ("english", "template", "lang", "expected"),
    [
        ("{n} seats", "{n} sièges", "fr", None),
        ("{n} seats", "{m} sièges", "fr", "placeholders"),
        ("{n} seats", "", "fr", "missing"),
        ("{n, plural, one {# seat} other {# seats}}", "{n, plural, one {# x}}", "fr", "plural"),
        ("{n, plural, one {# seat} other {# seats}}", "{n, plural, other {# 席}}", "ja", None),
        ("{n, plural, one {# seat} other {# seats}}", "{n, plural, other {# kişi}}", "tr", None),
        (
            "{n, plural, one {# seat} other {# seats}}",
            "{n, plural, =0 {لا أحد} one {واحد} two {اثنان} other {# أشخاص}}",
            "ar",
            "forms",
        ),
        (
            "{n, plural, one {# seat} other {# seats}}",
            "{n, plural, one {#} other {#}}",
            "ja",
            "forms",
        ),
        (
            "{n, plural, one {# seat} other {# seats}}",
            "{n, plural, one {#} other {#}}",
            "ru",
            "forms",
        ),
        (
            "{n, plural, one {# seat} other {# seats}}",
            "{n, plural, one {# место} few {# места} many {# мест} other {# места}}",
            "ru",
            None,
        ),
        (
            "{n, plural, one {# seat} other {# seats}}",
            "{n, plural, =0 {aucun} one {#} many {#} other {#}}",
            "fr",
            None,
        ),
        ("{path!r} is wrong", "{path} est faux", "fr", "placeholders"),
    ],
)
def test_a_translation_is_valid_only_with_its_language_s_forms(
    english: str, template: str, lang: str, expected: str | None
) -> None:
    assert translations.problem(english, template, lang) == expected


@pytest.mark.parametrize(
    ("code", "params", "lang", "said"),
    [
        (
            "batch_site_selected",
            {"selected": 1, "alternates": 1},
            "en",
            "1 person and 1 alternate ",
        ),
        (
            "batch_site_selected",
            {"selected": 2, "alternates": 0},
            "en",
            "2 people and 0 alternates",
        ),
        (
            "batch_site_selected",
            {"selected": 1, "alternates": 1},
            "fr",
            "1 personne et 1 suppléant ",
        ),
        ("batch_site_selected", {"selected": 1, "alternates": 1}, "es", "1 persona y 1 suplente "),
        ("file_ragged_row", {"found": 1, "expected": 3}, "en", "has 1 field but"),
        ("file_ragged_row", {"found": 1, "expected": 3}, "de", "hat 1 Feld,"),
        ("file_ragged_row", {"found": 2, "expected": 3}, "fr", "a 2 champs mais"),
        ("tables_summary", {"people": 6, "tables": 1, "rounds": 1}, "en", "at 1 table of"),
        ("tables_summary", {"people": 6, "tables": 1, "rounds": 1}, "en", "for 1 round,"),
        ("tables_summary", {"people": 6, "tables": 2, "rounds": 1}, "fr", "pendant 1 tour,"),
        ("tables_move_invalid", {"rounds": 1, "tables": 2}, "en", "(1 round, 2 tables)"),
        ("report_map_country", {"country": "KE", "seats": 1, "score": 90}, "en", "KE: 1 seat,"),
        ("seats_total_below_minimum", {"units": 1, "minimum": 3}, "en", "give the 1 unit its"),
        ("seats_total_above_maximum", {"units": 1}, "fr", "pour 1 unité d'au plus"),
        ("places_too_few", {"count": 1, "places": 0}, "en", "1 place cannot be drawn"),
        ("places_too_few", {"count": 1, "places": 0}, "es", "No se puede sortear 1 lugar"),
    ],
)
def test_counts_next_to_a_noun_agree_with_it(
    code: str, params: dict[str, int], lang: str, said: str
) -> None:
    """A count of one takes the singular in the languages whose nouns have one (issue 15)."""
    assert said in messages.render(code, {"run_id": 1, "row": 2, "path": "p", **params}, lang)
