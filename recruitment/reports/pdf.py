"""A report as a PDF (fpdf2, pure Python): the HTML page's world map and tables, landscape A4.

The map is the HTML page's own SVG (``page.map_svg``), drawn as vector paths (no
network, no image file); its per-country tooltips have no place on paper, the tables
below give the same figures. The text is in the reader's language, in any script
(``quotas.pdf_fonts``: Noto fonts, shaped; right-to-left languages read from the right,
their tables' columns too). On a machine without the fonts the PDF uses the standard
PDF fonts (Latin-1): a language they cannot write gets the report in English, with a
note naming the Debian package to install (``pdf_language``).
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd
from fpdf import FPDF

from quotas.languages import language, resolve
from quotas.messages import ENGLISH, catalogues, merged, render
from quotas.pdf_fonts import PdfFonts, UnicodePDF, pdf_fonts
from quotas.pdf_text import writable
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
    return str(value)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (ending in ``...``) to fit ``width`` millimetres at the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _cells(frame: pd.DataFrame, lang: str, fonts: PdfFonts) -> tuple[list[str], list[list[str]]]:
    """The table's header and rows as the fonts write them (right to left: columns reversed)."""
    columns = [str(c) for c in frame.columns]
    heads = [fonts.text(header(c, lang)) for c in columns]
    rows = [
        [fonts.text(_text(c, v)) for c, v in zip(columns, values, strict=True)]
        for values in frame.itertuples(index=False)
    ]
    if fonts.rtl:
        return heads[::-1], [row[::-1] for row in rows]
    return heads, rows


def _table(pdf: FPDF, frame: pd.DataFrame, lang: str, fonts: PdfFonts, size: float) -> None:
    """A grid of fixed-width cells (fast: a report may have tens of thousands of them).

    Columns are as wide as their widest text, scaled down to the page when too wide
    (then long texts are cut); the header row is repeated on each new page.
    """
    if frame.empty:
        return
    heads, rows = _cells(frame, lang, fonts)
    fonts.set(pdf, "B", size)
    widths = [pdf.get_string_width(h) + 2 for h in heads]
    fonts.set(pdf, "", size)
    for row in rows:
        widths = [max(w, pdf.get_string_width(t) + 2) for w, t in zip(widths, row, strict=True)]
    scale = min(1.0, pdf.epw / sum(widths))
    widths = [w * scale for w in widths]
    height = size * 0.55
    if fonts.rtl:
        pdf.set_x(pdf.w - pdf.r_margin - sum(widths))

    def line(texts: list[str], fill: bool = False) -> None:
        left = pdf.get_x()
        for width, text in zip(widths, texts, strict=True):
            cut = _fit(pdf, text, width - 1)
            pdf.cell(width, height, cut, border=1, align=fonts.align, fill=fill)
        pdf.ln(height)
        pdf.set_x(left)

    def head() -> None:
        fonts.set(pdf, "B", size)
        pdf.set_fill_color(230, 230, 230)
        line(heads, fill=True)
        fonts.set(pdf, "", size)

    head()
    for row in rows:
        if pdf.get_y() + height > pdf.page_break_trigger:
            left = pdf.get_x()
            pdf.add_page()
            pdf.set_x(left)
            head()
        line(row)
    pdf.set_x(pdf.l_margin)
    pdf.ln(3)


def _heading(pdf: FPDF, text: str, fonts: PdfFonts, size: float) -> None:
    fonts.set(pdf, "B", size)
    pdf.multi_cell(
        0, size * 0.5, fonts.text(text), align=fonts.align, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str, fonts: PdfFonts) -> None:
    fonts.set(pdf, "", 8)
    pdf.multi_cell(0, 4, fonts.text(text), align=fonts.align, new_x="LMARGIN", new_y="NEXT")
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


def pdf_language(lang: str, fonts: PdfFonts) -> str:
    """``lang`` when ``fonts`` write its report's words, else English.

    With the Noto fonts every language is written. Without them (the standard PDF
    fonts: Latin-1 only), a language whose report templates need other letters (Arabic,
    Chinese, Russian, Hindi, Vietnamese, ...) gets an English PDF with a note naming the
    language and the package to install; its HTML report is in that language.
    """
    if fonts.unicode or lang == ENGLISH:
        return lang
    templates = merged(catalogues(), lang)
    report = [t for code, t in templates.items() if code.startswith("report_")]
    return lang if templates and all(writable(t) for t in report) else ENGLISH


def _words(report: Report, lang: str) -> tuple[str, list[str], list[Section]]:
    """The title, the opening lines and notes, and the sections, in ``lang``."""
    title = render(f"report_title_{report.level}", {"deliberation": report.deliberation}, lang)
    lines = [*opening(report, lang), *(render(code, {}, lang) for code in NOTES)]
    return title, lines, [s for s in sections(report, lang) if s.code != MAP]


def _texts(title: str, lines: list[str], shown: list[Section], lang: str) -> list[str]:
    """Every text the PDF writes (its tables' cells too), to choose the fonts."""
    out = [title, *lines]
    for section in shown:
        out += [render(section.code, {}, lang), *section.notes]
        for label, frame in section.tables:
            out += [label or "", *(str(v) for v in frame.to_numpy().ravel() if isinstance(v, str))]
    return out


def report_pdf(report: Report, lang: str = "en") -> bytes:
    """The report as PDF bytes, in ``lang`` (English when no font on the machine writes it)."""
    pdf = UnicodePDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    title, lines, shown = _words(report, lang)
    fonts = pdf_fonts(pdf, lang, _texts(title, lines, shown, lang))
    asked, lang = lang, pdf_language(lang, fonts)
    if lang != asked:
        title, lines, shown = _words(report, lang)
    pdf.add_page()
    pdf.set_title(fonts.text(title))
    pdf.set_creator("Kleroterion")
    _heading(pdf, title, fonts, 16)
    warning = fonts.warning()
    if warning is not None:
        if lang != asked and resolve(asked) is not None:
            note = render("report_pdf_in_english", {"language": language(asked).english})
            _paragraph(pdf, note, fonts)
        _paragraph(pdf, warning.text(lang), fonts)
    for text in lines:
        _paragraph(pdf, text, fonts)
    _map(pdf, report, lang)  # first, under the opening (the map's section has no place here)
    for section in shown:
        _section(pdf, section, lang, fonts)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section, lang: str, fonts: PdfFonts) -> None:
    """A section's heading, notes and tables (the units' table in three, being wide)."""
    _heading(pdf, render(section.code, {}, lang), fonts, 12)
    for text in section.notes:
        _paragraph(pdf, text, fonts)
    for label, frame in section.tables:
        if label is not None:
            _heading(pdf, label, fonts, 9)
        if section.code == "report_section_units":
            _table(pdf, frame[list(_UNIT_MAIN)], lang, fonts, 6.5)
            for part in ("volunteers_", "status_"):
                columns = ["unit", *(c for c in frame.columns if c.startswith(part))]
                _table(pdf, frame[columns], lang, fonts, 6.5)
        else:
            small = section.code == "report_section_provenance"
            _table(pdf, frame, lang, fonts, 5.5 if small else 6.5)
