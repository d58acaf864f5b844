"""A printed report's sections: the one order the HTML page and the PDF both follow.

Each section is its heading's code, notes (translated paragraphs) and tables (frames of
``tables`` and ``balance_tests``, a unit's label over each of the balance's); each
format lays them out its own way (``page``, ``pdf``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from quotas.messages import render
from recruitment.reports.balance_tests import balance_tests_frame, explanations
from recruitment.reports.model import Report
from recruitment.reports.tables import (
    balance_frame,
    gaps_frame,
    labelled,
    provenance_frame,
    sites_frame,
    unit_label,
    units_frame,
)

#: Columns holding shares: the HTML and the PDF show them as percentages.
PERCENT_COLUMNS = frozenset(
    ("target_share", "panel_share", "deviation", "max_abs_deviation", "tvd", "gap_low", "gap_high")
)
#: The notes every printed report carries under its opening lines.
NOTES = ("report_pooling", "report_fairness_note")
#: The map's section (each format draws the map itself).
MAP = "report_section_map"


@dataclass(frozen=True)
class Section:
    """One section of a printed report: its heading's code, notes, then tables.

    ``tables`` pairs an optional sub-heading (a unit's label) with a frame; the HTML page
    and the PDF lay out the same sections in the same order.
    """

    code: str
    tables: tuple[tuple[str | None, pd.DataFrame], ...] = ()
    notes: tuple[str, ...] = ()


def opening(report: Report, lang: str) -> list[str]:
    """The lines under a printed report's title: when and how it was made, and its scope."""
    figures = {"at": report.generated_at, "engine": report.engine, "runs": len(report.runs)}
    lines = [render("report_generated", figures, lang)]
    if report.country:
        lines.append(render("report_only_country", {"country": report.country}, lang))
    return lines


def sections(report: Report, lang: str) -> list[Section]:
    """The printed report's sections in order (the HTML page's and the PDF's)."""
    return [
        Section("report_section_units", ((None, units_frame(report, lang)),)),
        Section(MAP, notes=(render("report_map_legend", {}, lang),)),
        Section("report_section_gaps", ((None, labelled(gaps_frame(report, lang), report, lang)),)),
        Section("report_section_balance", tuple(_balance_by_unit(report, lang))),
        Section(
            "report_section_tests",
            ((None, balance_tests_frame(report, lang)),),
            tuple(explanations(lang)),
        ),
        Section("report_section_sites", ((None, sites_frame(report, lang)),)),
        Section("report_section_provenance", ((None, provenance_frame(report)),)),
    ]


def _balance_by_unit(report: Report, lang: str) -> list[tuple[str | None, pd.DataFrame]]:
    """Per unit, its pooled categories: target, panel and gap."""
    frame = balance_frame(report, lang)
    shown = ["feature", "value", "sites", "seats", "selected", "target_share", "panel_share"]
    parts: list[tuple[str | None, pd.DataFrame]] = []
    for unit in report.units:
        label = unit_label(report, unit, lang)
        parts.append(
            (label, labelled(frame[frame["unit"] == label][[*shown, "deviation"]], report, lang))
        )
    return parts
