"""The printed registration form: every question's options as tick boxes, in HTML and PDF."""

from __future__ import annotations

import re

import pytest

from quotas.pdf_fonts import FONT_DIRS_ENV
from recruitment.reports.registration_sheet import Sheet, script_html, sheet_html, sheet_pdf
from tests.pdf_reading import holds, line_starts, needs_fonts, pdf_text, shaped

SHEET = Sheet(
    lang="fr",
    title="Rejoindre le panel citoyen · Lyon <b>",
    intro="Cochez une case par question.",
    questions=(("âge", ("16-34", "35-59", "60+")), ("genre", ("femme", "homme"))),
    fields=("Nom", "Téléphone", "E-mail"),
    consent="J'accepte d'être contacté.",
    consent_box="J'accepte",
    office="Réservé à l'organisation : n° de formulaire",
)


def test_the_html_form_has_a_box_per_option_and_escapes_text() -> None:
    page = sheet_html(SHEET)
    assert page.count('class="box"') == 5 + 1  # five options and the consent
    assert "<legend>âge</legend>" in page and "Lyon &lt;b&gt;" in page
    assert '<html lang="fr" dir="ltr">' in page
    assert 'dir="rtl"' in sheet_html(Sheet(**{**SHEET.__dict__, "lang": "ar"}))
    assert "<script" not in page and "http" not in page  # prints offline, nothing to fetch


def test_the_pdf_form_is_one_page_of_large_type() -> None:
    pdf = sheet_pdf(SHEET)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_the_script_prints_one_paragraph_per_line() -> None:
    page = script_html("es", "Guion", ["Hola.", "Pregunta 1: edad?"])
    assert page.count("<p>") == 2 and "<h1>Guion</h1>" in page


SCRIPTS = {
    "ar": ("التسجيل في الهيئة · القاهرة", "العمر", ("أقل من ثلاثين", "ثلاثون فأكثر"), "أوافق"),
    "hi": ("पैनल में नाम लिखवाएँ · पटना", "आयु", ("30 से कम", "30 या अधिक"), "मैं सहमत हूँ"),
    "zh-Hans": ("报名参加公民小组 · 上海", "年龄", ("30 岁以下", "30 岁及以上"), "我同意"),
    "am": ("ለፓነሉ ይመዝገቡ · አዲስ አበባ", "ዕድሜ", ("ከ30 በታች", "30 እና ከዚያ በላይ"), "እስማማለሁ"),
}


@needs_fonts
@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_the_pdf_form_is_written_in_every_script(lang: str) -> None:
    title, question, options, agree = SCRIPTS[lang]
    sheet = Sheet(
        lang,
        title,
        agree,
        ((question, options),),
        ("हस्ताक्षर" if lang == "hi" else agree,),
        agree,
        agree,
        "№",
    )
    pdf = sheet_pdf(sheet)
    text = pdf_text(pdf)
    for phrase in (title, question, *options, agree):
        assert holds(text, phrase), (lang, phrase, text)
    assert "fonts-noto" not in text
    title_x = line_starts(pdf)[0][0]  # points from the page's left edge (595 wide)
    assert (shaped(pdf), title_x > 300) == ((True, True) if lang == "ar" else (False, False))


def test_without_the_fonts_the_pdf_form_is_latin_and_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(FONT_DIRS_ENV, "/nonexistent/fonts")
    hindi = Sheet("hi", "नाम", "नाम", (), (), "नाम", "नाम", "नाम")
    text = " ".join(pdf_text(sheet_pdf(hindi)).split())
    assert "fonts-noto-core" in text and "Install the Debian packages" in text
    french = " ".join(pdf_text(sheet_pdf(SHEET)).split())
    assert "Rejoindre le panel citoyen" in french and "paquets Debian : fonts-noto-core" in french
