"""Balance tables for one site or a group of sites, the charts drawn from them and the report.

Pure functions of pandas frames (no Streamlit), so tests and benchmarks can call them.
A group of sites is pooled criterion by criterion (``recruitment.reports.model``): the
Representativeness page, the overview and the reports show the same numbers.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from quotas.balance import (
    balance_table,
    crossed_balance,
    representativeness_score,
)
from quotas.labels import Labels
from quotas.languages import direction
from quotas.model import QuotaTable
from recruitment.reports.model import pooled_balance, pooled_scores


@dataclass(frozen=True)
class SiteGroup:
    """What one site adds to a comparison: its pool, its panel (may be empty) and quotas."""

    site: str
    pool: pd.DataFrame
    panel: pd.DataFrame
    quotas: QuotaTable
    panel_size: int
    # Where the panel's numbers come from: the run's id, date, algorithm, seed or public
    # number, engine and input hash (``Provenance``); None while the site has no panel.
    provenance: Provenance | None = None


@dataclass(frozen=True)
class Provenance:
    """The recorded run a site's panel comes from, as a printed report names it."""

    run_id: int
    started_at: str
    algorithm: str
    seed: int | None
    public_number: int | None
    engine: str
    input_sha256: str


def site_balance(group: SiteGroup) -> pd.DataFrame:
    """Per category: target, pool and panel counts and shares of one site."""
    table = balance_table(group.panel, group.quotas, pool=group.pool)
    table.insert(0, "site", group.site)
    table["weight"] = group.panel_size
    return table


def combined_balance(groups: Sequence[SiteGroup]) -> pd.DataFrame:
    """Per (feature, value) over several sites, pooled as every multi-site view pools them.

    ``recruitment.reports.model.pooled_balance``: criterion by criterion, over the sites
    whose quotas have it; targets weighted by panel size; panel and pool shares of those
    sites' panels and pools, so each criterion's shares add up to 100 %. Columns:
    ``feature, value, target_share, pool_count, pool_share, count, share, deviation``.
    """
    columns = ["feature", "value", "target_share", "pool_count", "pool_share", "count", "share"]
    if not groups:
        return pd.DataFrame(columns=[*columns, "deviation"])
    rows = pd.concat(
        [
            site_balance(g).assign(seats=len(g.panel), pool=len(g.pool), weight=g.panel_size)
            for g in groups
        ],
        ignore_index=True,
    )
    return pooled_balance(rows)[[*columns, "deviation"]]


def score_of(table: pd.DataFrame) -> float:
    """A 0-100 score from a balance table: 100 × (1 − mean over features of the TVD to target)."""
    return representativeness_score(
        {"feature": f, "share": share, "target_share": target}
        for f, share, target in zip(
            table["feature"], table["share"], table["target_share"], strict=True
        )
    )


def grouped_balance(
    sites: pd.DataFrame, categories: pd.DataFrame, by: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sites' panels pooled by ``by`` (e.g. ``["country"]``; ``[]``: all together).

    ``sites`` has one row per site: ``site``, the ``by`` columns and ``seats`` (0 without
    a panel); ``categories`` one row per (site with a panel, category), as
    ``usecases.sites_overview`` gives them. Returns ``(summary, detail)``: per pool, the
    number of sites, of sites with a panel, the seats, the score and the largest gap; and
    ``recruitment.reports.model.pooled_balance``'s rows (the same pooling as the
    Representativeness page and the reports).
    """
    keys = list(by)
    rows = categories.merge(sites[["site", *keys]], on="site", how="inner")
    detail = pooled_balance(rows.assign(weight=rows["seats"]), keys)
    scores = pooled_scores(detail, keys)
    counted = sites.assign(panel=sites["seats"] > 0, _all="")
    summary = (
        counted.groupby(keys or ["_all"], sort=True)
        .agg(sites=("site", "size"), panels=("panel", "sum"), seats=("seats", "sum"))
        .reset_index()
    )
    if keys:
        summary = summary.merge(scores, on=keys, how="left")
    else:
        summary = summary.drop(columns="_all").assign(
            score=scores["score"].iloc[0], max_abs_deviation=scores["max_abs_deviation"].iloc[0]
        )
    return summary, detail


def deviation_grid(detail: pd.DataFrame, pools: Sequence[str]) -> pd.DataFrame:
    """Panel − target share per pool (rows, named by ``pools``) and category (columns).

    ``detail`` is ``grouped_balance``'s detail, ``pools`` the name of each of its rows'
    pool; columns read ``feature = value``, in order of first appearance.
    """
    frame = detail.assign(pool=list(pools), category=detail["feature"] + " = " + detail["value"])
    grid = frame.pivot(index="pool", columns="category", values="deviation")
    grid = grid.reindex(
        index=list(dict.fromkeys(frame["pool"])), columns=list(dict.fromkeys(frame["category"]))
    )
    grid.index.name, grid.columns.name = None, None
    return grid


def long_form(table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Target, pool and panel shares as one row per (category, series), for charts."""
    series = [("target_share", "target"), ("pool_share", "pool"), ("share", "panel")]
    parts = [
        pd.DataFrame(
            {
                "feature": table["feature"],
                "value": table["value"],
                "series": labels.get(name, name),
                "share": table[column].astype(float),
            }
        )
        for column, name in series
        if column in table
    ]
    return pd.concat(parts, ignore_index=True)


def labelled_rows(table: pd.DataFrame, labels: Labels, lang: str) -> pd.DataFrame:
    """``table`` with its ``feature`` and ``value`` columns read by their labels in ``lang``."""
    if not labels:
        return table
    shown = table.copy()
    pairs = zip(table["feature"], table["value"], strict=True)
    shown["value"] = [labels.category(str(f), str(v), lang) for f, v in pairs]
    shown["feature"] = [labels.criterion(str(f), lang) for f in table["feature"]]
    return shown


def bar_chart(
    long: pd.DataFrame,
    feature: str,
    share_title: str,
    *,
    rtl: bool = False,
    labels: Labels | None = None,
    lang: str = "en",
) -> alt.Chart:
    """Grouped horizontal bars of target, pool and panel shares for one feature.

    Criterion and categories read by their ``labels`` in ``lang`` (codes without one).
    Right to left (``rtl``), the bars grow leftwards from the category labels on the right.
    """
    data = long[long["feature"] == feature].copy()
    title = feature
    if labels:
        data["value"] = [labels.category(feature, str(v), lang) for v in data["value"]]
        title = labels.criterion(feature, lang)
    return (
        alt.Chart(data, title=alt.Title(title, anchor="end" if rtl else "start"))
        .mark_bar()
        .encode(
            x=alt.X(
                "share:Q",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(reverse=rtl),
                title=share_title,
            ),
            y=alt.Y(
                "value:N", sort=None, title=None, axis=alt.Axis(orient="right" if rtl else "left")
            ),
            yOffset=alt.YOffset("series:N", sort=None),
            color=alt.Color("series:N", sort=None, title=None),
            tooltip=["value:N", "series:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=alt.Step(12))
    )


def probability_histogram(
    probabilities: pd.DataFrame, x_title: str, y_title: str, bins: int = 30, *, rtl: bool = False
) -> alt.Chart:
    """Histogram of selection probabilities; ``probabilities`` has columns ``p`` and ``method``."""
    return (
        alt.Chart(probabilities)
        .mark_bar(opacity=0.6)
        .encode(
            x=alt.X("p:Q", bin=alt.Bin(maxbins=bins), title=x_title, scale=alt.Scale(reverse=rtl)),
            y=alt.Y(
                "count():Q",
                stack=None,
                title=y_title,
                axis=alt.Axis(orient="right" if rtl else "left"),
            ),
            color=alt.Color("method:N", title=None),
        )
        .properties(height=260)
    )


def crossed_table(
    panel: pd.DataFrame, pool: pd.DataFrame, feature_a: str, feature_b: str
) -> pd.DataFrame:
    """Panel share minus pool share of each cell of two crossed features, as a grid."""
    cells = crossed_balance(panel, feature_a, feature_b, pool=pool)
    cells["gap"] = cells["share"] - cells["pool_share"]
    return cells.pivot(index=feature_a, columns=feature_b, values="gap")


def heat(value: object, scale: float = 0.05) -> str:
    """A CSS background for a deviation: red when too few, blue when too many, white near 0.

    Takes any table cell (Styler passes cells untyped); what is not a number gets no colour.

    >>> heat(-0.05), heat(float("nan")), heat("n/a")
    ('background-color: rgb(255,100,100)', '', '')
    """
    if not isinstance(value, int | float | np.number) or np.isnan(value):
        return ""
    strength = min(abs(float(value)) / scale, 1.0)
    channel = int(255 - 155 * strength)
    colour = f"255,{channel},{channel}" if value < 0 else f"{channel},{channel},255"
    return f"background-color: rgb({colour})"


def report_html(
    title: str,
    subtitle: str,
    table: pd.DataFrame,
    headers: dict[str, str],
    percent: Callable[[float], str],
    provenance: ReportProvenance,
    lang: str = "en",
) -> str:
    """A printable HTML page of a balance table (deviations beyond 5 points highlighted),
    with the provenance of its numbers: when it was made, and each site's run.

    The page declares ``lang`` and its direction (right to left for Arabic, Persian, Urdu).
    """
    rows = []
    for record in table.to_dict("records"):
        cells = []
        for column in headers:
            value = record[column]
            if column.endswith("share") or column == "deviation":
                style = heat(value) if column == "deviation" else ""
                cells.append(f'<td style="{style}">{html.escape(percent(value))}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers.values())
    return (
        f"<!doctype html><html lang='{html.escape(lang)}' dir='{direction(lang)}'>"
        "<head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:end}"
        "td:first-child,td:nth-child(2){text-align:start}.prov td{text-align:start;"
        "font-family:monospace}@media print{body{margin:0}}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{_provenance_html(provenance)}</body></html>"
    )


@dataclass(frozen=True)
class ReportProvenance:
    """What a printed report says of its origin: a heading, a sentence, a table of runs."""

    heading: str
    made: str  # e.g. "Made on 2026-12-07 04:10 UTC by Kleroterion, engine 2026-12-07.1."
    headers: Sequence[str]  # site, run, date, algorithm, seed, public number, engine, hash
    rows: Sequence[Sequence[str]]


def provenance_rows(groups: Sequence[SiteGroup], none: str) -> list[list[str]]:
    """One row per site: its run's facts, or ``none`` in every column while it has no panel."""
    out = []
    for group in groups:
        p = group.provenance
        if p is None:
            out.append([group.site, *[none] * 7])
            continue
        seed = "" if p.seed is None else str(p.seed)
        number = "" if p.public_number is None else str(p.public_number)
        run = [str(p.run_id), p.started_at, p.algorithm, seed, number, p.engine, p.input_sha256]
        out.append([group.site, *run])
    return out


def _provenance_html(provenance: ReportProvenance) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in provenance.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in provenance.rows
    )
    return (
        f"<h2>{html.escape(provenance.heading)}</h2><p>{html.escape(provenance.made)}</p>"
        f"<table class='prov'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
