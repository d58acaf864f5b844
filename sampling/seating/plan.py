"""A seating plan to print: one page per round, one card per table (HTML or PDF).

Each card shows the names given for the table's people (first names or pseudonyms: the
caller decides what may be shown to whom) and, for the coordinator, the table's count
per category next to its deviation. The words come from the message catalogue, so the
plan prints in any catalogued language, in its script (``quotas.pdf_fonts``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from quotas.messages import render
from quotas.pdf_text import latin
from sampling.seating.figures import category_columns
from sampling.seating.model import Seating

if TYPE_CHECKING:  # fpdf2 is loaded only to write a PDF
    from quotas.pdf_fonts import PdfFonts, Style, UnicodePDF


@dataclass(frozen=True)
class Card:
    """One table in one round: its people (as shown) and its counts per category."""

    table: int
    label: str
    people: tuple[str, ...]
    counts: tuple[tuple[str, str], ...]  # (criterion, "category n, category n")
    deviation: float


def plan_cards(seating: Seating, names: Mapping[str, str]) -> list[list[Card]]:
    """The cards, round by round; a person without a name in ``names`` shows as their id."""
    request = seating.request
    columns, onehot = category_columns(request)
    deviation = {(t.round, t.table): t.deviation for t in seating.figures.tables}
    rounds = []
    for r in range(seating.tables.shape[0]):
        cards = []
        for table in sorted(seating.labels):
            seated = np.flatnonzero(seating.tables[r] == table)
            shown = sorted(names.get(request.ids[i], request.ids[i]) for i in seated)
            counts = onehot[seated].sum(axis=0)
            by_criterion: dict[str, list[str]] = {}
            for (criterion, category), count in zip(columns, counts.tolist(), strict=True):
                if count:
                    by_criterion.setdefault(criterion, []).append(f"{category} {count}")
            summary = tuple((c, ", ".join(v)) for c, v in by_criterion.items())
            cards.append(
                Card(table, seating.labels[table], tuple(shown), summary, deviation[r + 1, table])
            )
        rounds.append(cards)
    return rounds


def _figures_line(seating: Seating, lang: str) -> str:
    return render(
        "tables_plan_figures",
        {
            "deviation": round(seating.figures.deviation, 2),
            "random": round(seating.random.deviation, 2),
            "pairs": len(seating.figures.repeated_pairs),
            "random_pairs": len(seating.random.repeated_pairs),
        },
        lang,
    )


def _title(seating: Seating, lang: str) -> str:
    params = {"tables": seating.table_count, "rounds": seating.tables.shape[0]}
    return render("tables_plan_title", params, lang)


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
section { page-break-after: always; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13em, 1fr)); gap: .8em; }
.card { border: 1px solid #999; border-radius: 6px; padding: .6em .8em; break-inside: avoid; }
.card h3 { margin: 0 0 .3em; font-size: 1em; } .card ul { margin: .2em 0; padding-left: 1.2em; }
.counts { font-size: .75em; color: #555; margin-top: .4em; }
"""


def plan_html(seating: Seating, names: Mapping[str, str], lang: str = "en") -> str:
    """The plan as one self-contained HTML page (a page per round when printed)."""
    esc = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{esc(lang)}"><head><meta charset="utf-8">',
        f"<title>{esc(_title(seating, lang))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(_title(seating, lang))}</h1><p>{esc(_figures_line(seating, lang))}</p>",
    ]
    for r, cards in enumerate(plan_cards(seating, names)):
        parts.append(
            f"<section><h2>{esc(render('tables_plan_round', {'round': r + 1}, lang))}</h2>"
        )
        parts.append('<div class="cards">')
        for card in cards:
            head = render("tables_plan_table", {"table": card.table}, lang)
            label = f" · {esc(card.label)}" if card.label else ""
            people = "".join(f"<li>{esc(p)}</li>" for p in card.people)
            counts = "<br>".join(f"{esc(c)}: {esc(v)}" for c, v in card.counts)
            deviation = render(
                "tables_plan_deviation", {"deviation": round(card.deviation, 2)}, lang
            )
            parts.append(
                f'<div class="card"><h3>{esc(head)}{label}</h3><ul>{people}</ul>'
                f'<div class="counts">{counts}<br>{esc(deviation)}</div></div>'
            )
        parts.append("</div></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _card_texts(rounds: list[list[Card]]) -> list[str]:
    return [t for cards in rounds for c in cards for t in (c.label, *c.people, *map(str, c.counts))]


def plan_pdf(seating: Seating, names: Mapping[str, str], lang: str = "en") -> bytes:
    """The plan as a PDF (A4 portrait, a page per round, cards three abreast), any script."""
    from quotas.pdf_fonts import UnicodePDF, pdf_fonts

    pdf = UnicodePDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    rounds = plan_cards(seating, names)
    fonts = pdf_fonts(pdf, lang, [_title(seating, lang), *_card_texts(rounds)])
    pdf.set_title(fonts.text(_title(seating, lang)))
    width, gap = 60.0, 5.0
    for r, cards in enumerate(rounds):
        pdf.add_page()
        fonts.set(pdf, "B", 13)
        title = fonts.text(_title(seating, lang))
        pdf.cell(0, 7, title, align=fonts.align, new_x="LMARGIN", new_y="NEXT")
        fonts.set(pdf, "", 8)
        line = fonts.text(_figures_line(seating, lang))
        pdf.multi_cell(0, 4, line, align=fonts.align, new_x="LMARGIN", new_y="NEXT")
        warning = fonts.warning()
        if warning is not None:
            pdf.multi_cell(0, 4, latin(warning.text()), new_x="LMARGIN", new_y="NEXT")
        fonts.set(pdf, "B", 11)
        heading = fonts.text(render("tables_plan_round", {"round": r + 1}, lang))
        pdf.cell(0, 7, heading, align=fonts.align, new_y="NEXT")
        pdf.set_x(pdf.l_margin)
        top, row_height = pdf.get_y() + 2, 0.0
        for k, card in enumerate(cards):
            column = k % 3
            if column == 0 and k:
                top += row_height + gap
                row_height = 0.0
            height = 9 + 4 * len(card.people) + 3.2 * (len(card.counts) + 1)
            if top + height > pdf.h - pdf.b_margin:
                pdf.add_page()
                top = pdf.t_margin
            x = pdf.l_margin + column * (width + gap)
            if fonts.rtl:  # the first card on the right
                x = pdf.w - pdf.r_margin - width - column * (width + gap)
            _card(pdf, card, (x, top, width, height), fonts, lang)
            row_height = max(row_height, height)
    return bytes(pdf.output())


def _card(
    pdf: UnicodePDF,
    card: Card,
    box: tuple[float, float, float, float],
    fonts: PdfFonts,
    lang: str,
) -> None:
    x, y, width, height = box
    pdf.rect(x, y, width, height)
    pdf.set_xy(x + 2, y + 2)
    head = render("tables_plan_table", {"table": card.table}, lang)
    label = f" - {card.label}" if card.label else ""
    lines: list[tuple[Style, float, float, str]] = [("B", 10, 5, (head + label)[:40])]
    lines += [("", 9, 4, person[:38]) for person in card.people]
    lines += [("", 6.5, 3.2, f"{criterion}: {values}"[:60]) for criterion, values in card.counts]
    deviation = render("tables_plan_deviation", {"deviation": round(card.deviation, 2)}, lang)
    lines.append(("", 6.5, 3.2, deviation))
    for style, size, height_mm, text in lines:
        fonts.set(pdf, style, size)
        pdf.cell(
            width - 4, height_mm, fonts.text(text), align=fonts.align, new_x="LEFT", new_y="NEXT"
        )
