"""The printed registration form: every question's options as tick boxes, in HTML and PDF."""

from __future__ import annotations

import re

from recruitment.reports.registration_sheet import Sheet, script_html, sheet_html, sheet_pdf

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
