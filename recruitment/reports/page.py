"""A report as one self-contained HTML page: inline CSS and SVG, nothing loaded from anywhere."""

from __future__ import annotations

import html
import math

import pandas as pd

from quotas.languages import direction
from quotas.messages import render
from recruitment.reports.balance_tests import balance_tests_frame, explanations
from recruitment.reports.model import Report
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
from recruitment.reports.worldmap import world_svg

_STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}"
    "td,th{border:1px solid #bbb;padding:3px 6px;text-align:end;vertical-align:top}"
    "th{background:#eee}td.text{text-align:start}"
    ".neg{background:#fdd}.pos{background:#dde}.worldmap{max-width:1100px;background:#fff}"
    ".note{color:#555;max-width:60em}@media print{body{margin:0}}"
)
# Share columns shown as percentages; gaps coloured.
_PERCENT = {"target_share", "panel_share", "deviation", "max_abs_deviation"}
_PERCENT |= {"tvd", "gap_low", "gap_high"}


def _cell(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<td></td>"
    if column in _PERCENT and isinstance(value, int | float):
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
    runs = len(report.runs)
    intro = [
        render(
            "report_generated",
            {"at": report.generated_at, "engine": report.engine, "runs": runs},
            lang,
        )
    ]
    if report.country:
        intro.append(render("report_only_country", {"country": report.country}, lang))
    sections = [
        ("report_section_units", table_html(units_frame(report, lang), lang)),
        (
            "report_section_map",
            map_svg(report, lang)
            + f'<p class="note">{html.escape(render("report_map_legend", {}, lang))}</p>',
        ),
        ("report_section_gaps", table_html(labelled(gaps_frame(report, lang), report, lang), lang)),
        ("report_section_balance", _balance_tables(report, lang)),
        ("report_section_tests", _tests_section(report, lang)),
        ("report_section_sites", table_html(sites_frame(report, lang), lang)),
        ("report_section_provenance", table_html(provenance_frame(report), lang)),
    ]
    notes = "".join(
        f'<p class="note">{html.escape(render(code, {}, lang))}</p>'
        for code in ("report_pooling", "report_fairness_note")
    )
    body = "".join(
        f"<h2>{html.escape(render(code, {}, lang))}</h2>{content}" for code, content in sections
    )
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in intro)
    return (
        f"<!doctype html><html lang='{html.escape(lang)}' dir='{direction(lang)}'>"
        "<head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{paragraphs}{notes}{body}</body></html>"
    )


def _tests_section(report: Report, lang: str) -> str:
    """The balance tests: what the figures mean, then one row per unit and criterion."""
    notes = "".join(f'<p class="note">{html.escape(p)}</p>' for p in explanations(lang))
    return notes + table_html(balance_tests_frame(report, lang), lang)


def _balance_tables(report: Report, lang: str) -> str:
    """Per unit, its pooled categories: target, panel and gap."""
    frame = balance_frame(report, lang)
    shown = ["feature", "value", "sites", "seats", "selected", "target_share", "panel_share"]
    parts = []
    for unit in report.units:
        label = unit_label(report, unit, lang)
        part = labelled(frame[frame["unit"] == label][[*shown, "deviation"]], report, lang)
        parts.append(f"<h3>{html.escape(label)}</h3>{table_html(part, lang)}")
    return "".join(parts)
