"""Sites overview: every site with its country, region, partner, pool, panel, status and score.

Filters by country and region; the chosen sites' panels are aggregated by country, by
region or all together. Everything comes from one call to ``usecases.sites_overview``
(one transaction, a fixed number of queries), so the page stays fast with hundreds of sites.
The deliberation's report (global, by country, by region) is offered in four files.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from dashboard.balance_views import (
    bar_chart,
    deviation_grid,
    grouped_balance,
    heat,
    labelled_rows,
    long_form,
)
from dashboard.i18n import format_number, format_percent
from dashboard.labels_editor import deliberations_labels
from dashboard.plan_upload import plan_upload
from dashboard.report_downloads import report_section
from dashboard.ui import (
    attempt,
    db,
    guard,
    labeller,
    lang,
    number_cell,
    percent_cell,
    rtl,
    tr,
)
from recruitment import usecases as uc

GROUPINGS: dict[str, list[str]] = {"country": ["country"], "region": ["country", "region"]}
GROUPINGS["global"] = []

who = guard("sites")
st.title(tr("page.sites"))
overview = attempt(uc.sites_overview, db(), who)
if overview is not None:
    plan_upload(who, sorted({s.deliberation for s in overview.sites}))
if overview is None:
    st.stop()
    raise RuntimeError("unreachable")
sites = overview.sites
country_names = {s.country: s.country_name for s in sites}
filters = st.columns(2)
countries = filters[0].multiselect(
    tr("sites.filter_country"),
    sorted(country_names),
    format_func=lambda c: f"{c} · {country_names[c]}",
    key="sites_countries",
)
in_countries = [s for s in sites if not countries or s.country in countries]


def _region_label(option: tuple[str, str]) -> str:
    country, region = option
    return f"{region or tr('sites.no_region')} ({country})"


regions = sorted({(s.country, s.region or "") for s in in_countries})
# A region whose country was just unselected is no longer an option: drop it first.
kept = [r for r in st.session_state.get("sites_regions", []) if r in regions]
st.session_state["sites_regions"] = kept
chosen_regions = filters[1].multiselect(
    tr("sites.filter_region"), regions, format_func=_region_label, key="sites_regions"
)
shown = [
    s for s in in_countries if not chosen_regions or (s.country, s.region or "") in chosen_regions
]
total = format_number(len(sites), lang())
st.caption(tr("sites.shown", shown=format_number(len(shown), lang()), total=total))
if not shown:
    st.info(tr("sites.none_match"))
    st.stop()

status = labeller("status.")
table = pd.DataFrame(
    {
        tr("col.site"): [s.code for s in shown],
        tr("col.name"): [s.name for s in shown],
        tr("col.country"): [s.country for s in shown],
        tr("col.region"): [s.region or "" for s in shown],
        tr("col.partner"): [s.partner for s in shown],
        tr("col.pool_size"): [format_number(s.volunteers, lang()) for s in shown],
        tr("col.panel_size"): [format_number(s.panel_size, lang()) for s in shown],
        tr("col.status"): [status(s.status) for s in shown],
        tr("col.score"): [format_number(s.score, lang(), 1) for s in shown],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(tr("sites.score_help"))
report_section(who, sorted({s.deliberation for s in shown}), countries)

st.subheader(tr("sites.aggregate"))
grouping = st.radio(
    tr("sites.group_by"),
    list(GROUPINGS),
    format_func=labeller("sites.by_"),
    horizontal=True,
    key="sites_group_by",
)
if not any(s.seats for s in shown):
    st.info(tr("sites.no_panels"))
    st.stop()
by = GROUPINGS[grouping]
site_frame = pd.DataFrame(
    {
        "site": [s.code for s in shown],
        "country": [s.country for s in shown],
        "region": [s.region or "" for s in shown],
        "seats": [s.seats for s in shown],
    }
)
summary, detail = grouped_balance(site_frame, overview.categories, by)
# Criteria and categories in the reader's language (the shown sites' deliberations' labels).
named = deliberations_labels(who, [s.deliberation for s in shown])
names = {"country": tr("col.country"), "region": tr("col.region")}


def _pool_columns(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The pool's name columns as shown: country and region, or the one 'all sites' group."""
    if not by:
        return {tr("sites.group"): [tr("sites.global")] * len(frame)}
    out = {names[k]: frame[k].tolist() for k in by}
    if "region" in by:
        out[names["region"]] = [r or tr("sites.no_region") for r in frame["region"]]
    return out


st.dataframe(
    pd.DataFrame(
        {
            **_pool_columns(summary),
            tr("col.sites"): [format_number(n, lang()) for n in summary["sites"]],
            tr("col.panels"): [format_number(n, lang()) for n in summary["panels"]],
            tr("col.seats"): [format_number(n, lang()) for n in summary["seats"]],
            tr("col.score"): [format_number(v, lang(), 1) for v in summary["score"]],
            tr("col.worst_gap"): [format_percent(v, lang()) for v in summary["max_abs_deviation"]],
        }
    ),
    hide_index=True,
    width="stretch",
)

pools = list(dict.fromkeys(zip(*(detail[k] for k in by), strict=True))) if by else [()]


def _pool_label(pool: tuple[str, ...]) -> str:
    if not by:
        return tr("sites.global")
    return _region_label((pool[0], pool[1])) if "region" in by else pool[0]


labels = {pool: _pool_label(pool) for pool in pools}
if by:
    st.subheader(tr("sites.grid"))
    st.caption(tr("sites.grid_help"))
    rows_of = zip(*(detail[k] for k in by), strict=True)
    grid = deviation_grid(labelled_rows(detail, named, lang()), [labels[pool] for pool in rows_of])
    pinned: dict[Literal["_index"] | str, ColumnConfig | None] = {
        "_index": st.column_config.TextColumn(width="medium", pinned=True)
    }
    st.dataframe(grid.style.format(percent_cell).map(heat), width="stretch", column_config=pinned)

st.subheader(tr("sites.detail"))
st.caption(tr("sites.aggregate_help"))
if st.session_state.get("sites_detail_of") not in pools:
    st.session_state.pop("sites_detail_of", None)
pool = pools[0]
if len(pools) > 1:
    pool = st.selectbox(
        tr("sites.detail_of"), pools, format_func=labels.__getitem__, key="sites_detail_of"
    )
part = detail
for key, value in zip(by, pool, strict=True):
    part = part[part[key] == value]
percent = pd.Index([tr("series.target"), tr("series.panel"), tr("col.deviation")])
read = labelled_rows(part, named, lang())
rows = pd.DataFrame(
    {
        tr("col.feature"): read["feature"],
        tr("col.value"): read["value"],
        tr("col.sites"): part["groups"],
        tr("col.seats"): part["seats"],
        tr("col.target_seats"): part["target_seats"],
        tr("col.selected"): part["count"],
        percent[0]: part["target_share"],
        percent[1]: part["share"],
        percent[2]: part["deviation"],
    }
)
counts = pd.Index([tr("col.sites"), tr("col.seats"), tr("col.selected")])
styled = (
    rows.style.format(percent_cell, subset=percent)
    .format(number_cell, subset=counts)
    .format(lambda v: number_cell(v, 1), subset=pd.Index([tr("col.target_seats")]))
    .map(heat, subset=pd.Index([percent[2]]))
)
st.dataframe(styled, hide_index=True, width="stretch")
series = {"target": tr("series.target"), "panel": tr("series.panel")}
long = long_form(part, series)
charts = st.columns(2)
for i, feature in enumerate(dict.fromkeys(part["feature"])):
    charts[i % 2].altair_chart(
        bar_chart(long, feature, tr("chart.share"), rtl=rtl(), labels=named, lang=lang()),
        width="stretch",
    )
