"""A site's registration form on paper: an HTML print view and a PDF, large type, tick boxes.

The words come from the caller, already in the reader's language (``Sheet``); this
module only lays them out: one tick box per answer, lines to write contact details on,
the consent text and its box, and a place for the partner's form number (the id typed in
with the paper forms entry). The PDF writes every script (``quotas.pdf_fonts``), right
to left for Arabic, Persian and Urdu, as the HTML view does. ``script_html`` prints the
read-aloud script of assisted registration the same way.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from fpdf import FPDF

from quotas.languages import direction
from quotas.messages import ENGLISH
from quotas.pdf_fonts import PdfFonts, Style, UnicodePDF, pdf_fonts
from quotas.pdf_text import writable


@dataclass(frozen=True)
class Sheet:
    """What a printed registration form says, in one language."""

    lang: str
    title: str
    intro: str
    questions: tuple[tuple[str, tuple[str, ...]], ...]  # (question, answer options)
    fields: tuple[str, ...]  # contact details written by hand
    consent: str
    consent_box: str
    office: str  # "For the office: form number"


_STYLE = """
body { font-family: sans-serif; font-size: 16pt; line-height: 1.5; margin: 1.5cm; }
h1 { font-size: 24pt; margin: 0 0 0.4em; }
fieldset { border: 1px solid #000; margin: 0 0 0.8em; padding: 0.3em 0.8em; }
legend { font-weight: bold; padding: 0 0.3em; }
.box { display: inline-block; width: 0.9em; height: 0.9em; border: 2px solid #000;
       vertical-align: middle; margin-inline-end: 0.4em; }
.option { display: inline-block; margin-inline-end: 1.6em; white-space: nowrap; }
.line { border-bottom: 1px solid #000; height: 1.6em; margin-bottom: 0.4em; }
.office { margin-top: 1em; font-size: 12pt; }
@media print { fieldset { break-inside: avoid; } }
"""


def sheet_html(sheet: Sheet) -> str:
    """The form as a self-contained HTML page to print (no script, no network)."""
    e = html.escape
    parts = [
        f'<!doctype html><html lang="{e(sheet.lang)}" dir="{direction(sheet.lang)}">',
        f'<head><meta charset="utf-8"><title>{e(sheet.title)}</title>',
        f"<style>{_STYLE}</style></head><body><main>",
        f"<h1>{e(sheet.title)}</h1><p>{e(sheet.intro)}</p>",
    ]
    for question, options in sheet.questions:
        boxes = "".join(
            f'<span class="option"><span class="box" aria-hidden="true"></span>{e(o)}</span>'
            for o in options
        )
        parts.append(f"<fieldset><legend>{e(question)}</legend>{boxes}</fieldset>")
    for label in sheet.fields:
        parts.append(f'<p>{e(label)}</p><div class="line"></div>')
    parts.append(f"<fieldset><legend>{e(sheet.consent_box)}</legend>")
    parts.append(f'<p>{e(sheet.consent)}</p><span class="box" aria-hidden="true"></span>')
    parts.append(f"{e(sheet.consent_box)}</fieldset>")
    parts.append(f'<p class="office">{e(sheet.office)} ____________</p>')
    parts.append("</main></body></html>")
    return "\n".join(parts)


class _Writer:
    """Lines and tick boxes on the page, from the left or (right to left) from the right."""

    def __init__(self, pdf: FPDF, fonts: PdfFonts, size: float) -> None:
        self.pdf, self.fonts, self.size = pdf, fonts, size

    def paragraph(self, text: str, style: Style = "", grow: float = 0, height: float = 0.5) -> None:
        """``text`` across the page, wrapped, ``grow`` points larger than the body."""
        self.fonts.set(self.pdf, style, self.size + grow)
        line = (self.size + grow) * height
        text = self.fonts.text(text)
        self.pdf.multi_cell(0, line, text, align=self.fonts.align, new_x="LMARGIN", new_y="NEXT")

    def box(self, label: str) -> None:
        """A tick box and its label, wrapping to the next line when the row is full."""
        pdf, size = self.pdf, self.size
        label = self.fonts.text(label)
        text_width = pdf.get_string_width(label) + 8
        width = size * 0.4 + 3 + text_width
        used = pdf.get_x() - pdf.l_margin
        if used + width > pdf.epw and used > 0:
            pdf.ln(size * 0.6)
        x, y = pdf.get_x(), pdf.get_y()
        if self.fonts.rtl:  # the box on the right, its label to its left
            right = pdf.w - pdf.r_margin - (x - pdf.l_margin)
            pdf.rect(right - size * 0.4, y + 1, size * 0.4, size * 0.4)
            pdf.set_x(right - width)
            pdf.cell(text_width, size * 0.6, label, align="R")
        else:
            pdf.rect(x, y + 1, size * 0.4, size * 0.4)
            pdf.set_x(x + size * 0.4 + 3)
            pdf.cell(text_width, size * 0.6, label)
        pdf.set_x(x + width)


def _texts(sheet: Sheet) -> list[str]:
    answers = [option for _, options in sheet.questions for option in options]
    words = [sheet.title, sheet.intro, sheet.consent, sheet.consent_box, sheet.office]
    return [*words, *sheet.fields, *(q for q, _ in sheet.questions), *answers]


def sheet_pdf(sheet: Sheet, size: float = 14) -> bytes:
    """The form as a PDF (A4 portrait, ``size`` points: large type), in any script.

    Without the fonts for the sheet's letters, the standard Latin-1 fonts and, at the
    bottom, the note naming the Debian package to install.
    """
    pdf = UnicodePDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = pdf_fonts(pdf, sheet.lang, _texts(sheet))
    write = _Writer(pdf, fonts, size)
    pdf.add_page()
    pdf.set_title(fonts.text(sheet.title))
    write.paragraph(sheet.title, "B", grow=6)
    write.paragraph(sheet.intro)
    for question, options in sheet.questions:
        pdf.ln(size * 0.3)
        write.paragraph(question, "B", height=0.55)
        fonts.set(pdf, "", size)
        for option in options:
            write.box(option)
        pdf.ln(size * 0.7)
    for label in sheet.fields:
        pdf.ln(size * 0.3)
        write.paragraph(label, height=0.55)
        y = pdf.get_y() + size * 0.55
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_y(y + 2)
    pdf.ln(size * 0.4)
    write.paragraph(sheet.consent)
    fonts.set(pdf, "", size)
    write.box(sheet.consent_box)
    pdf.ln(size * 1.2)
    write.size = size - 3
    write.paragraph(f"{sheet.office} ____________")
    warning = fonts.warning()
    if warning is not None:
        note = warning.text(sheet.lang)
        write.paragraph(note if writable(note) else warning.text(ENGLISH))
    return bytes(pdf.output())


def script_html(lang: str, title: str, lines: list[str]) -> str:
    """The read-aloud script as an HTML page to print: one paragraph per thing to say."""
    e = html.escape
    body = "".join(f"<p>{e(line)}</p>" for line in lines)
    return (
        f'<!doctype html><html lang="{e(lang)}" dir="{direction(lang)}"><head>'
        f'<meta charset="utf-8"><title>{e(title)}</title><style>{_STYLE}</style></head>'
        f"<body><main><h1>{e(title)}</h1>{body}</main></body></html>"
    )
