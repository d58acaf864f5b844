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
from recruitment.reports.balance_tests import balance_tests_frame, explanations
from recruitment.reports.model import Report
from recruitment.reports.page import map_svg
from recruitment.reports.tables import (
    balance_frame,
    gaps_frame,
    header,
    labelled,
    provenance_frame,
    sites_frame,
    unit_label,
    units_frame,
)

_PERCENT = {"target_share", "panel_share", "deviation", "max_abs_deviation"}
_PERCENT |= {"tvd", "gap_low", "gap_high"}
# The units' columns are many: the PDF shows them as three tables.
_UNIT_MAIN = (
    *("unit", "sites", "panels", "planned_seats", "seats", "score", "max_abs_deviation"),
    *("lowest_probability", "highest_gini", "fairness_of", "replacements", "runs"),
)


def _text(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in _PERCENT and isinstance(value, int | float):
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
    params = {"at": report.generated_at, "engine": report.engine, "runs": len(report.runs)}
    _paragraph(pdf, render("report_generated", params, lang))
    if report.country:
        _paragraph(pdf, render("report_only_country", {"country": report.country}, lang))
    for code in ("report_pooling", "report_fairness_note"):
        _paragraph(pdf, render(code, {}, lang))
    _map(pdf, report, lang)
    units = units_frame(report, lang)
    _heading(pdf, render("report_section_units", {}, lang))
    _table(pdf, units[list(_UNIT_MAIN)], lang)
    _table(pdf, units[["unit", *(c for c in units.columns if c.startswith("volunteers_"))]], lang)
    _table(pdf, units[["unit", *(c for c in units.columns if c.startswith("status_"))]], lang)
    _heading(pdf, render("report_section_gaps", {}, lang))
    _table(pdf, labelled(gaps_frame(report, lang), report, lang), lang)
    _heading(pdf, render("report_section_balance", {}, lang))
    frame = balance_frame(report, lang)
    shown = ["feature", "value", "sites", "seats", "selected", "target_share", "panel_share"]
    for unit in report.units:
        label = unit_label(report, unit, lang)
        _heading(pdf, label, 9)
        _table(
            pdf, labelled(frame[frame["unit"] == label][[*shown, "deviation"]], report, lang), lang
        )
    _heading(pdf, render("report_section_tests", {}, lang))
    for text in explanations(lang):
        _paragraph(pdf, text)
    _table(pdf, balance_tests_frame(report, lang), lang)
    _heading(pdf, render("report_section_sites", {}, lang))
    _table(pdf, sites_frame(report, lang), lang)
    _heading(pdf, render("report_section_provenance", {}, lang))
    _table(pdf, provenance_frame(report), lang, size=5.5)
    return bytes(pdf.output())
