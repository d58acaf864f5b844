"""Representativeness: target vs pool vs panel for a site or a group of sites, and a report."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard.balance_views import (
    ReportProvenance,
    bar_chart,
    combined_balance,
    crossed_table,
    heat,
    labelled_rows,
    long_form,
    provenance_rows,
    report_html,
    score_of,
)
from dashboard.data import site_group
from dashboard.i18n import format_number, format_percent
from dashboard.labels_editor import site_labels
from dashboard.ui import attempt, current_site, db, guard, lang, percent_cell, rtl, tr
from quotas.exports import table_bytes
from recruitment import usecases as uc
from sampling import ENGINE

#: The provenance table's columns, in order (one UI string each: balance.prov_<key>).
PROVENANCE_KEYS = ("site", "run", "date", "algorithm", "seed", "number", "engine", "hash")

who = guard("balance")
st.title(tr("page.balance"))
codes = [s.code for s in attempt(uc.list_sites, db(), who) or []]
default = [current_site()] if current_site() in codes else codes[:1]
chosen = st.multiselect(tr("balance.sites"), codes, default, key="balance_sites")
groups = [g for g in (site_group(who, c) for c in chosen) if g is not None]
if not groups:
    st.info(tr("balance.nothing"))
    st.stop()
table = combined_balance(groups)
panel_seats = sum(len(g.panel) for g in groups)
cols = st.columns(3)
cols[0].metric(tr("col.pool_size"), format_number(sum(len(g.pool) for g in groups), lang()))
cols[1].metric(tr("col.panel_size"), format_number(panel_seats, lang()))
cols[2].metric(tr("col.score"), format_number(score_of(table), lang(), 1))
if not panel_seats:
    st.info(tr("balance.no_panel"))

labels = {"target": tr("series.target"), "pool": tr("series.pool"), "panel": tr("series.panel")}
long = long_form(table, labels)
named = site_labels()  # criteria and categories in the reader's language
features = list(dict.fromkeys(table["feature"]))
chart_cols = st.columns(2)
for i, feature in enumerate(features):
    chart_cols[i % 2].altair_chart(
        bar_chart(long, feature, tr("chart.share"), rtl=rtl(), labels=named, lang=lang()),
        width="stretch",
    )

st.subheader(tr("balance.table"))
headers = {
    "feature": tr("col.feature"),
    "value": tr("col.value"),
    "target_share": tr("series.target"),
    "pool_share": tr("series.pool"),
    "share": tr("series.panel"),
    "deviation": tr("col.deviation"),
}
shown = labelled_rows(table[list(headers)], named, lang()).rename(columns=headers)


percent_columns = pd.Index(
    [headers[c] for c in ("target_share", "pool_share", "share", "deviation")]
)
styled = shown.style.format(percent_cell, subset=percent_columns).map(
    heat, subset=pd.Index([headers["deviation"]])
)
st.dataframe(styled, hide_index=True, width="stretch")

st.subheader(tr("balance.crossed"))
crossable = [f for f in features if all(f in g.pool.columns for g in groups)]
if len(crossable) >= 2 and panel_seats:
    a = st.selectbox(tr("balance.first"), crossable, 0, key="balance_a")
    b = st.selectbox(tr("balance.second"), [f for f in crossable if f != a], 0, key="balance_b")
    grids = [crossed_table(g.panel, g.pool, a, b) for g in groups if len(g.panel)]
    grid = sum(grids[1:], grids[0]) / len(grids) if len(grids) > 1 else grids[0]
    st.caption(tr("balance.crossed_help"))
    st.dataframe(grid.style.format(percent_cell).map(heat), width="stretch")

name = ", ".join(g.site for g in groups)
csv = table_bytes(table, "csv")
st.download_button(tr("balance.csv"), csv, "representativeness.csv", "text/csv", key="balance_csv")
made = ReportProvenance(
    tr("balance.provenance"),
    tr("balance.provenance_made", at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", engine=ENGINE),
    [tr(f"balance.prov_{key}") for key in PROVENANCE_KEYS],
    provenance_rows(groups, tr("balance.prov_none")),
)
page = report_html(
    tr("balance.report_title", sites=name),
    tr("balance.report_subtitle", score=format_number(score_of(table), lang(), 1)),
    table,
    headers,
    lambda v: format_percent(v, lang()),
    made,
    lang(),
)
st.download_button(
    tr("balance.html"), page, "representativeness.html", "text/html", key="balance_html"
)
