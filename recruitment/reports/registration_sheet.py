"""A site's registration form on paper: an HTML print view and a PDF, large type, tick boxes.

The words come from the caller, already in the reader's language (``Sheet``); this
module only lays them out: one tick box per answer, lines to write contact details on,
the consent text and its box, and a place for the partner's form number (the id typed in
with the paper forms entry). The PDF uses the standard PDF fonts (Latin-1, see
``recruitment.reports.pdf.latin``); the HTML view shows every script as it is, and is
the one to print in languages written in other scripts. ``script_html`` prints the
read-aloud script of assisted registration the same way.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from fpdf import FPDF

from quotas.languages import direction
from quotas.pdf_text import latin


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


def _box(pdf: FPDF, label: str, size: float) -> None:
    """A tick box and its label, wrapping to the next line when the row is full."""
    width = size * 0.45 + 3 + pdf.get_string_width(label) + 8
    if pdf.get_x() + width > pdf.w - pdf.r_margin:
        pdf.ln(size * 0.6)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.rect(x, y + 1, size * 0.4, size * 0.4)
    pdf.set_x(x + size * 0.4 + 3)
    pdf.cell(pdf.get_string_width(label) + 8, size * 0.6, label)


def sheet_pdf(sheet: Sheet, size: float = 14) -> bytes:
    """The form as a PDF (A4 portrait, ``size`` points: large type)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=size + 6)
    pdf.multi_cell(0, (size + 6) * 0.5, latin(sheet.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=size)
    pdf.multi_cell(0, size * 0.5, latin(sheet.intro), align="L", new_x="LMARGIN", new_y="NEXT")
    for question, options in sheet.questions:
        pdf.ln(size * 0.3)
        pdf.set_font("Helvetica", style="B", size=size)
        pdf.multi_cell(0, size * 0.55, latin(question), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=size)
        for option in options:
            _box(pdf, latin(option), size)
        pdf.ln(size * 0.7)
    for label in sheet.fields:
        pdf.ln(size * 0.3)
        pdf.cell(0, size * 0.55, latin(label), new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + size * 0.55
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_y(y + 2)
    pdf.ln(size * 0.4)
    pdf.multi_cell(0, size * 0.5, latin(sheet.consent), align="L", new_x="LMARGIN", new_y="NEXT")
    _box(pdf, latin(sheet.consent_box), size)
    pdf.ln(size * 1.2)
    pdf.set_font("Helvetica", size=size - 3)
    pdf.cell(0, size * 0.5, latin(sheet.office) + " ____________")
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
