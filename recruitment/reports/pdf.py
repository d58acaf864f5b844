"""A report as a PDF (fpdf2, pure Python): the HTML page's world map and tables, landscape A4.

The map is the HTML page's own SVG (``page.map_svg``), drawn as vector paths (no
network, no image file); its per-country tooltips have no place on paper, the tables
below give the same figures. The PDF uses the standard PDF fonts, which hold Latin-1
only: other letters are written without their accents (``Bihār`` as ``Bihar``), or as
``?`` when they have no Latin form, and a language those fonts cannot write gets the
report in English (``pdf_language``). The HTML report shows every name as it is.
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd
from fpdf import FPDF

from quotas.languages import language, resolve
from quotas.messages import ENGLISH, catalogues, merged, render
from quotas.pdf_text import latin, writable
from recruitment.reports.model import Report
from recruitment.reports.page import map_svg
from recruitment.reports.sections import MAP, NOTES, PERCENT_COLUMNS, Section, opening, sections
from recruitment.reports.tables import header

# The units' columns are many: the PDF shows them as three tables.
_UNIT_MAIN = (
    *("unit", "sites", "panels", "planned_seats", "seats", "score", "max_abs_deviation"),
    *("lowest_probability", "highest_gini", "fairness_of", "replacements", "runs"),
)


def _text(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in PERCENT_COLUMNS and isinstance(value, int | float):
        return f"{100 * value:.1f} %"
    return latin(str(value))


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (ending in ``...``) to fit ``width`` millimetres at the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _table(pdf: FPDF, frame: pd.DataFrame, lang: str, size: float = 6.5) -> None:
    """A grid of fixed-width cells (fast: a report may have tens of thousands of them).

    Columns are as wide as their widest text, scaled down to the page when too wide
    (then long texts are cut); the header row is repeated on each new page.
    """
    if frame.empty:
        return
    columns = [str(c) for c in frame.columns]
    heads = [latin(header(c, lang)) for c in columns]
    rows = [
        [_text(c, v) for c, v in zip(columns, values, strict=True)]
        for values in frame.itertuples(index=False)
    ]
    pdf.set_font("Helvetica", style="B", size=size)
    widths = [pdf.get_string_width(h) + 2 for h in heads]
    pdf.set_font("Helvetica", size=size)
    for row in rows:
        widths = [max(w, pdf.get_string_width(t) + 2) for w, t in zip(widths, row, strict=True)]
    scale = min(1.0, pdf.epw / sum(widths))
    widths = [w * scale for w in widths]
    height = size * 0.55

    def head() -> None:
        pdf.set_font("Helvetica", style="B", size=size)
        pdf.set_fill_color(230, 230, 230)
        for width, text in zip(widths, heads, strict=True):
            pdf.cell(width, height, _fit(pdf, text, width - 1), border=1, fill=True)
        pdf.ln(height)
        pdf.set_font("Helvetica", size=size)

    head()
    for row in rows:
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            head()
        for width, text in zip(widths, row, strict=True):
            pdf.cell(width, height, _fit(pdf, text, width - 1), border=1)
        pdf.ln(height)
    pdf.ln(3)


def _heading(pdf: FPDF, text: str, size: float = 12) -> None:
    pdf.set_font("Helvetica", style="B", size=size)
    pdf.multi_cell(0, size * 0.5, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(0, 4, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _map(pdf: FPDF, report: Report, lang: str) -> None:
    """The world map across the page's width, then the text goes on below it."""
    if not report.sites:
        return
    svg = re.sub(r"<title>.*?</title>", "", map_svg(report, lang), flags=re.S)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    top = pdf.get_y()
    placed = pdf.image(io.BytesIO(svg.encode("utf-8")), x=pdf.l_margin, y=top, w=width)
    pdf.set_y(top + float(placed.rendered_height) + 2)


def pdf_language(lang: str) -> str:
    """``lang`` when the fonts can write its report's words, else English.

    The standard PDF fonts hold Latin-1 only: a language whose report templates need
    other letters (Arabic, Chinese, Russian, Hindi, Vietnamese, ...) gets an English PDF
    with a note naming the language; its HTML report is in that language.

    >>> pdf_language("fr"), pdf_language("ar")
    ('fr', 'en')
    """
    templates = merged(catalogues(), lang)
    if not templates or lang == ENGLISH:
        return ENGLISH
    report = [t for code, t in templates.items() if code.startswith("report_")]
    return lang if all(writable(t) for t in report) else ENGLISH


def report_pdf(report: Report, lang: str = "en") -> bytes:
    """The report as PDF bytes (in English when the PDF fonts cannot write ``lang``)."""
    asked, lang = lang, pdf_language(lang)
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    title = render(f"report_title_{report.level}", {"deliberation": report.deliberation}, lang)
    pdf.set_title(latin(title))
    pdf.set_creator("Kleroterion")
    _heading(pdf, title, 16)
    if lang != asked and resolve(asked) is not None:
        _paragraph(pdf, render("report_pdf_in_english", {"language": language(asked).english}))
    for text in [*opening(report, lang), *(render(code, {}, lang) for code in NOTES)]:
        _paragraph(pdf, text)
    _map(pdf, report, lang)  # first, under the opening (the map's section has no place here)
    for section in sections(report, lang):
        if section.code != MAP:
            _section(pdf, section, lang)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section, lang: str) -> None:
    """A section's heading, notes and tables (the units' table in three, being wide)."""
    _heading(pdf, render(section.code, {}, lang))
    for text in section.notes:
        _paragraph(pdf, text)
    for label, frame in section.tables:
        if label is not None:
            _heading(pdf, label, 9)
        if section.code == "report_section_units":
            _table(pdf, frame[list(_UNIT_MAIN)], lang)
            for part in ("volunteers_", "status_"):
                _table(
                    pdf, frame[["unit", *(c for c in frame.columns if c.startswith(part))]], lang
                )
        else:
            small = section.code == "report_section_provenance"
            _table(pdf, frame, lang, size=5.5 if small else 6.5)
