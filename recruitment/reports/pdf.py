"""A report as a PDF (fpdf2, pure Python): the HTML page's tables, landscape A4, no map.

The PDF uses the standard PDF fonts, which hold Latin-1 only: other letters are written
without their accents (``Bihār`` as ``Bihar``), or as ``?`` when they have no Latin form.
The HTML report shows every name as it is, and the world map.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from quotas.messages import render
from recruitment.reports.model import Report
from recruitment.reports.tables import (
    balance_frame,
    gaps_frame,
    header,
    provenance_frame,
    sites_frame,
    unit_label,
    units_frame,
)

_PERCENT = {"target_share", "panel_share", "deviation", "max_abs_deviation"}
_SUBSTITUTES = {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "≥": ">=", "…": "..."}
# The units' columns are many: the PDF shows them as three tables.
_UNIT_MAIN = (
    *("unit", "sites", "panels", "planned_seats", "seats", "score", "max_abs_deviation"),
    *("lowest_probability", "highest_gini", "fairness_of", "replacements", "runs"),
)


def latin(text: str) -> str:
    """``text`` in the standard fonts' Latin-1: accents outside it dropped, else ``?``.

    >>> latin("Bihār – Île-de-France")
    'Bihar - Île-de-France'
    """
    out = []
    for char in text:
        char = _SUBSTITUTES.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            char = base or "?"
        out.append(char)
    return "".join(out)


def _text(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in _PERCENT and isinstance(value, int | float):
        return f"{100 * value:.1f} %"
    return latin(str(value))


def _table(pdf: object, frame: pd.DataFrame, lang: str, size: float = 6.5) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    if frame.empty:
        return
    pdf.set_font("Helvetica", size=size)
    columns = [str(c) for c in frame.columns]
    with pdf.table(text_align="LEFT", first_row_as_headings=True, line_height=size * 0.6) as table:
        heading = table.row()
        for column in columns:
            heading.cell(latin(header(column, lang)))
        for values in frame.itertuples(index=False):
            row = table.row()
            for column, value in zip(columns, values, strict=True):
                row.cell(_text(column, value))
    pdf.ln(3)


def _heading(pdf: object, text: str, size: float = 12) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_font("Helvetica", style="B", size=size)
    pdf.multi_cell(0, size * 0.5, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _paragraph(pdf: object, text: str) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(0, 4, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def report_pdf(report: Report, lang: str = "en") -> bytes:
    """The report as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    title = render(f"report_title_{report.level}", {"deliberation": report.deliberation}, lang)
    pdf.set_title(latin(title))
    pdf.set_creator("Kleroterion")
    _heading(pdf, title, 16)
    params = {"at": report.generated_at, "engine": report.engine, "runs": len(report.runs)}
    _paragraph(pdf, render("report_generated", params, lang))
    if report.country:
        _paragraph(pdf, render("report_only_country", {"country": report.country}, lang))
    for code in ("report_pooling", "report_fairness_note"):
        _paragraph(pdf, render(code, {}, lang))
    units = units_frame(report, lang)
    _heading(pdf, render("report_section_units", {}, lang))
    _table(pdf, units[list(_UNIT_MAIN)], lang)
    _table(pdf, units[["unit", *(c for c in units.columns if c.startswith("volunteers_"))]], lang)
    _table(pdf, units[["unit", *(c for c in units.columns if c.startswith("status_"))]], lang)
    _heading(pdf, render("report_section_gaps", {}, lang))
    _table(pdf, gaps_frame(report, lang), lang)
    _heading(pdf, render("report_section_balance", {}, lang))
    frame = balance_frame(report, lang)
    shown = ["feature", "value", "sites", "seats", "selected", "target_share", "panel_share"]
    for unit in report.units:
        label = unit_label(report, unit, lang)
        _heading(pdf, label, 9)
        _table(pdf, frame[frame["unit"] == label][[*shown, "deviation"]], lang)
    _heading(pdf, render("report_section_sites", {}, lang))
    _table(pdf, sites_frame(report, lang), lang)
    _heading(pdf, render("report_section_provenance", {}, lang))
    _table(pdf, provenance_frame(report), lang, size=5.5)
    return bytes(pdf.output())
