"""A report as tables: the same frames make the CSV, the XLSX sheets, the HTML and the PDF.

Column names are identifiers (stable for scripts reading the CSV or XLSX); the HTML and
the PDF show them translated (``header``: the ``report_col_<name>`` message).
"""

from __future__ import annotations

import math

import pandas as pd

from quotas.messages import render
from recruitment.reports.model import Level, Report, Unit


def header(column: str, lang: str) -> str:
    """A column's heading in ``lang``."""
    return render(f"report_col_{column.replace('-', '_')}", {}, lang)


def labelled(frame: pd.DataFrame, report: Report, lang: str) -> pd.DataFrame:
    """``frame`` with criteria and categories by their labels in ``lang`` (files keep codes)."""
    if not report.labels or "feature" not in frame:
        return frame
    shown = frame.copy()
    if "value" in shown:
        pairs = zip(frame["feature"], frame["value"], strict=True)
        shown["value"] = [report.labels.category(str(f), str(v), lang) for f, v in pairs]
    shown["feature"] = [report.labels.criterion(str(f), lang) for f in frame["feature"]]
    return shown


def unit_label(report: Report, unit: Unit, lang: str) -> str:
    """How a unit is named: every site, a country (code and name) or a region (country)."""
    if report.level == Level.GLOBAL:
        return render("report_all_sites", {}, lang)
    country = f"{unit.country} · {report.country_names.get(unit.country, unit.country)}"
    if report.level == Level.COUNTRY:
        return country
    return f"{unit.region or render('report_no_region', {}, lang)} ({unit.country})"


def source_label(source: str, lang: str) -> str:
    """``lottery`` or ``optimum``, in ``lang``."""
    return render(f"report_source_{source}", {}, lang)


def _sources(report: Report, unit: Unit) -> str:
    found = sorted({s.run.fairness_source for s in report.unit_sites(unit) if s.run is not None})
    return "+".join(found)


def units_frame(report: Report, lang: str = "en") -> pd.DataFrame:
    """One row per unit: sites, seats, volunteers by channel, score, fairness, statuses."""
    rows = []
    for unit in report.units:
        row: dict[str, object] = {
            "unit": unit_label(report, unit, lang),
            "sites": unit.sites,
            "panels": unit.panels,
            "planned_seats": unit.planned_seats,
            "seats": unit.seats,
        }
        row |= {f"volunteers_{c}": unit.volunteers.get(c, 0) for c in report.channels}
        row |= {
            "score": _round(unit.score, 1),
            "max_abs_deviation": _round(unit.max_abs_deviation, 4),
            "lowest_probability": _round(unit.lowest_probability, 4),
            "highest_gini": _round(unit.highest_gini, 4),
            "fairness_of": _sources(report, unit),
        }
        row |= {f"status_{s}": unit.statuses.get(s, 0) for s in report.statuses}
        row |= {"replacements": unit.replacements, "runs": " ".join(map(str, unit.runs))}
        rows.append(row)
    return pd.DataFrame(rows)


def _round(value: float | None, digits: int) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), digits)


def balance_frame(report: Report, lang: str = "en") -> pd.DataFrame:
    """The CSV: one row per unit × criterion × category, with the provenance of each row."""
    rows = []
    for unit in report.units:
        sites = report.unit_sites(unit)
        runs = [s.run for s in sites if s.run is not None]
        common = {
            "level": str(report.level),
            "country": unit.country,
            "region": unit.region,
            "unit": unit_label(report, unit, lang),
        }
        provenance = {
            "runs": " ".join(str(r.run_id) for r in runs),
            "engine": " ".join(sorted({r.engine for r in runs})),
            "input_sha256": " ".join(r.input_sha256 for r in runs),
            "generated_at": report.generated_at,
        }
        for line in report.unit_balance(unit).to_dict("records"):
            rows.append(
                common
                | {
                    "feature": line["feature"],
                    "value": line["value"],
                    "sites": int(line["groups"]),
                    "seats": int(line["seats"]),
                    "selected": int(line["count"]),
                    "target_seats": _round(line["target_seats"], 3),
                    "target_share": _round(line["target_share"], 6),
                    "panel_share": _round(line["share"], 6),
                    "deviation": _round(line["deviation"], 6),
                }
                | provenance
            )
    columns = [
        *("level", "country", "region", "unit", "feature", "value", "sites", "seats"),
        *("selected", "target_seats", "target_share", "panel_share", "deviation"),
        *("runs", "engine", "input_sha256", "generated_at"),
    ]
    return pd.DataFrame(rows, columns=columns)


def gaps_frame(report: Report, lang: str = "en", count: int = 3) -> pd.DataFrame:
    """Each unit's ``count`` categories furthest from their targets."""
    rows = []
    for unit in report.units:
        for line in report.largest_gaps(unit, count).to_dict("records"):
            rows.append(
                {
                    "unit": unit_label(report, unit, lang),
                    "feature": line["feature"],
                    "value": line["value"],
                    "target_share": _round(line["target_share"], 4),
                    "panel_share": _round(line["share"], 4),
                    "deviation": _round(line["deviation"], 4),
                }
            )
    columns = ["unit", "feature", "value", "target_share", "panel_share", "deviation"]
    return pd.DataFrame(rows, columns=columns)


def sites_frame(report: Report, lang: str = "en") -> pd.DataFrame:
    """One row per site: where, who, its pool, its panel's score and fairness."""
    rows = [
        {
            "site": s.code,
            "name": s.name,
            "country": s.country,
            "region": s.region,
            "partner": s.partner,
            "panel_size": s.panel_size,
            "volunteers": sum(s.volunteers.values()),
            "seats": s.seats,
            "tables": s.tables,
            "score": _round(s.score, 1),
            "run": None if s.run is None else s.run.run_id,
            "lowest_probability": None if s.run is None else _round(s.run.lowest_probability, 4),
            "gini": None if s.run is None else _round(s.run.gini, 4),
            "fairness_of": "" if s.run is None else source_label(s.run.fairness_source, lang),
            "replacements": s.replacements,
        }
        for s in report.sites
    ]
    return pd.DataFrame(rows)


def provenance_frame(report: Report) -> pd.DataFrame:
    """Every run the report's panel figures come from: when, how, on which inputs."""
    rows = [
        {
            "site": r.site,
            "run": r.run_id,
            "started_at": r.started_at,
            "algorithm": r.algorithm,
            "engine": r.engine,
            "seed": r.seed,
            "public_number": r.public_number,
            "quota_version": r.quota_version,
            "input_sha256": r.input_sha256,
            "fairness_of": r.fairness_source,
        }
        for r in report.runs
    ]
    columns = ["site", "run", "started_at", "algorithm", "engine", "seed", "public_number"]
    return pd.DataFrame(rows, columns=[*columns, "quota_version", "input_sha256", "fairness_of"])
