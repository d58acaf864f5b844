"""A report as one self-contained HTML page: inline CSS and SVG, nothing loaded from anywhere."""

from __future__ import annotations

import html
import math

import pandas as pd

from quotas.languages import direction
from quotas.messages import render
from recruitment.reports.model import Report
from recruitment.reports.sections import MAP, NOTES, PERCENT_COLUMNS, Section, opening, sections
from recruitment.reports.tables import header
from recruitment.reports.worldmap import world_svg

_STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}"
    "td,th{border:1px solid #bbb;padding:3px 6px;text-align:end;vertical-align:top}"
    "th{background:#eee}td.text{text-align:start}"
    ".neg{background:#fdd}.pos{background:#dde}.worldmap{max-width:1100px;background:#fff}"
    ".note{color:#555;max-width:60em}@media print{body{margin:0}}"
)


def _cell(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<td></td>"
    if column in PERCENT_COLUMNS and isinstance(value, int | float):
        style = ""
        if column == "deviation" and abs(value) >= 0.05:
            style = ' class="neg"' if value < 0 else ' class="pos"'
        return f"<td{style}>{100 * value:.1f} %</td>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<td>{value}</td>"
    return f'<td class="text">{html.escape(str(value))}</td>'


def table_html(frame: pd.DataFrame, lang: str) -> str:
    """A frame as an HTML table with translated headings."""
    head = "".join(f"<th>{html.escape(header(str(c), lang))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(_cell(str(c), v) for c, v in zip(frame.columns, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def map_svg(report: Report, lang: str) -> str:
    """The world map of the report's countries: each country's seats and pooled score."""
    seats: dict[str, int] = {}
    for site in report.sites:
        seats[site.country] = seats.get(site.country, 0) + site.seats
    scores = report.country_scores()
    titles = {
        code: render(
            "report_map_country",
            {
                "country": f"{code} · {report.country_names.get(code, code)}",
                "seats": seats[code],
                "score": "–" if _missing(scores.get(code)) else f"{scores[code]:.1f}",
            },
            lang,
        )
        for code in seats
    }
    return world_svg({c: scores.get(c) for c in seats}, seats, titles)


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def report_html(report: Report, lang: str = "en") -> str:
    """The report as one HTML page (UTF-8 text), printable, with no external reference."""
    title = render(f"report_title_{report.level}", {"deliberation": report.deliberation}, lang)
    notes = "".join(f'<p class="note">{html.escape(render(code, {}, lang))}</p>' for code in NOTES)
    body = "".join(_section_html(section, report, lang) for section in sections(report, lang))
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in opening(report, lang))
    return (
        f"<!doctype html><html lang='{html.escape(lang)}' dir='{direction(lang)}'>"
        "<head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{paragraphs}{notes}{body}</body></html>"
    )


def _section_html(section: Section, report: Report, lang: str) -> str:
    """A section's heading, then the map (its own section), notes and tables."""
    parts = [f"<h2>{html.escape(render(section.code, {}, lang))}</h2>"]
    if section.code == MAP:
        parts.append(map_svg(report, lang))
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in section.notes]
    for label, frame in section.tables:
        if label is not None:
            parts.append(f"<h3>{html.escape(label)}</h3>")
        parts.append(table_html(frame, lang))
    return "".join(parts)
