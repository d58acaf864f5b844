"""Reports of a deliberation at the global, country or region level, in four formats.

``recruitment.usecases.deliberation_report`` reads a ``Report``; ``report_bytes`` writes
it as HTML (self-contained, with a world map drawn offline), CSV (one row per unit ×
criterion × category), XLSX (units, balance, gaps, tests, sites and provenance sheets) or PDF.
Nothing here touches the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from quotas.exports import table_bytes, workbook_bytes
from quotas.problems import KleroError
from quotas.staging import write_all
from recruitment.reports.balance_tests import balance_tests_frame, balance_with_tests
from recruitment.reports.model import Level, Report, pooled_balance, pooled_scores
from recruitment.reports.tables import (
    gaps_frame,
    provenance_frame,
    sites_frame,
    units_frame,
)

ReportFormat = Literal["html", "csv", "xlsx", "pdf"]
FORMATS: tuple[ReportFormat, ...] = ("html", "csv", "xlsx", "pdf")
#: The media type of each format, for downloads.
MEDIA_TYPES = {
    "html": "text/html",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Level",
    "Report",
    "ReportFormat",
    "pooled_balance",
    "pooled_scores",
    "report_bytes",
    "report_format",
    "write_report",
]


def report_format(path: str | Path) -> ReportFormat:
    """The format a file name asks for; exit 2 for any other suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    for known in FORMATS:
        if suffix == known:
            return known
    raise KleroError("report_format_unknown", path=str(path))


def report_bytes(report: Report, kind: ReportFormat, lang: str = "en") -> bytes:
    """The report as a file's bytes in ``kind``."""
    if kind == "html":
        from recruitment.reports.page import report_html

        return report_html(report, lang).encode("utf-8")
    if kind == "pdf":
        from recruitment.reports.pdf import report_pdf

        return report_pdf(report, lang)
    if kind == "csv":
        return table_bytes(balance_with_tests(report, lang), "csv")
    sheets = {
        "units": units_frame(report, lang),
        "balance": balance_with_tests(report, lang),
        "gaps": gaps_frame(report, lang),
        "tests": balance_tests_frame(report, lang),
        "sites": sites_frame(report, lang),
        "provenance": provenance_frame(report),
    }
    return workbook_bytes(sheets, name="report")


def write_report(report: Report, path: str | Path, lang: str = "en") -> ReportFormat:
    """Write the report to ``path`` in the format its suffix names; return that format."""
    kind = report_format(path)
    data = report_bytes(report, kind, lang)
    target = Path(path)

    def write(staged: Path) -> None:
        staged.write_bytes(data)

    write_all(target.parent, {target.name: write})
    return kind
