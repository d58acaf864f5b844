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


Block = tuple[str, object, float]  # ("heading" | "paragraph" | "table", content, size)


def _text(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in _PERCENT and isinstance(value, int | float):
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


def _blocks(report: Report, lang: str) -> list[Block]:
    """What the PDF shows, in order: headings, paragraphs, the map and tables."""
    params = {"at": report.generated_at, "engine": report.engine, "runs": len(report.runs)}
    blocks: list[Block] = [("paragraph", render("report_generated", params, lang), 8)]
    if report.country:
        text = render("report_only_country", {"country": report.country}, lang)
        blocks.append(("paragraph", text, 8))
    for code in ("report_pooling", "report_fairness_note"):
        blocks.append(("paragraph", render(code, {}, lang), 8))
    blocks.append(("map", None, 0))
    units = units_frame(report, lang)
    blocks.append(("heading", render("report_section_units", {}, lang), 12))
    blocks.append(("table", units[list(_UNIT_MAIN)], 6.5))
    volunteers = [c for c in units.columns if c.startswith("volunteers_")]
    blocks.append(("table", units[["unit", *volunteers]], 6.5))
    statuses = [c for c in units.columns if c.startswith("status_")]
    blocks.append(("table", units[["unit", *statuses]], 6.5))
    blocks.append(("heading", render("report_section_gaps", {}, lang), 12))
    blocks.append(("table", labelled(gaps_frame(report, lang), report, lang), 6.5))
    blocks.append(("heading", render("report_section_balance", {}, lang), 12))
    frame = balance_frame(report, lang)
    shown = ["feature", "value", "sites", "seats", "selected", "target_share", "panel_share"]
    for unit in report.units:
        label = unit_label(report, unit, lang)
        blocks.append(("heading", label, 9))
        rows = frame[frame["unit"] == label][[*shown, "deviation"]]
        blocks.append(("table", labelled(rows, report, lang), 6.5))
    blocks.append(("heading", render("report_section_tests", {}, lang), 12))
    blocks.extend(("paragraph", text, 8) for text in explanations(lang))
    blocks.append(("table", balance_tests_frame(report, lang), 6.5))
    blocks.append(("heading", render("report_section_sites", {}, lang), 12))
    blocks.append(("table", sites_frame(report, lang), 6.5))
    blocks.append(("heading", render("report_section_provenance", {}, lang), 12))
    blocks.append(("table", provenance_frame(report), 5.5))
    return blocks


def _texts(blocks: list[Block]) -> list[str]:
    """Every text the blocks show (their tables' cells too), to choose the fonts."""
    out: list[str] = []
    for kind, content, _ in blocks:
        if isinstance(content, pd.DataFrame):
            out.extend(str(v) for v in content.to_numpy().ravel() if isinstance(v, str))
        elif kind != "map":
            out.append(str(content))
    return out


def report_pdf(report: Report, lang: str = "en") -> bytes:
    """The report as PDF bytes, in ``lang`` (English when no font on the machine writes it)."""
    pdf = UnicodePDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    blocks = _blocks(report, lang)
    title = render(f"report_title_{report.level}", {"deliberation": report.deliberation}, lang)
    fonts = pdf_fonts(pdf, lang, [title, *_texts(blocks)])
    asked, lang = lang, pdf_language(lang, fonts)
    if lang != asked:
        blocks = _blocks(report, lang)
        title = render(f"report_title_{report.level}", {"deliberation": report.deliberation}, lang)
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
    for kind, content, size in blocks:
        if kind == "map":
            _map(pdf, report, lang)
        elif isinstance(content, pd.DataFrame):
            _table(pdf, content, lang, fonts, size)
        elif kind == "heading":
            _heading(pdf, str(content), fonts, size)
        else:
            _paragraph(pdf, str(content), fonts)
    return bytes(pdf.output())
