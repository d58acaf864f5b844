"""Sites overview: every site with its country, partner, pool, panel, status and score."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.balance_views import combined_balance, score_of, site_balance
from dashboard.data import site_group
from dashboard.i18n import format_number, format_percent
from dashboard.ui import attempt, db, guard, lang, tr
from recruitment import usecases as uc

who = guard("sites")
st.title(tr("page.sites"))
sites = attempt(uc.list_sites, db(), who) or []
countries = sorted({s.country for s in sites})
chosen = st.multiselect(tr("sites.filter_country"), countries, key="sites_countries")
shown = [s for s in sites if not chosen or s.country in chosen]


def _status(site: uc.SiteView) -> str:
    if site.quota_version is None:
        return tr("status.no_quotas")
    if site.volunteers == 0:
        return tr("status.no_pool")
    if site.last_run_status is None:
        return tr("status.ready")
    return tr(f"status.{site.last_run_status}")


groups = {s.code: site_group(who, s.code) for s in shown}
rows = []
for s in shown:
    group = groups[s.code]
    score = (
        score_of(site_balance(group))
        if group is not None and len(group.panel) > 0
        else float("nan")
    )
    rows.append(
        {
            tr("col.site"): s.code,
            tr("col.name"): s.name,
            tr("col.country"): s.country,
            tr("col.partner"): s.partner,
            tr("col.pool_size"): format_number(s.volunteers, lang()),
            tr("col.panel_size"): format_number(s.panel_size, lang()),
            tr("col.status"): _status(s),
            tr("col.score"): format_number(score, lang(), 1),
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption(tr("sites.score_help"))

st.subheader(tr("sites.aggregate"))
selected = [g for g in groups.values() if g is not None and len(g.panel) > 0]
if not selected:
    st.info(tr("sites.no_panels"))
else:
    by = {
        tr("sites.global"): selected,
        **{
            c: [g for g in selected if g.site in {s.code for s in shown if s.country == c}]
            for c in sorted({s.country for s in shown})
        },
    }
    summary = []
    for name, members in by.items():
        if not members:
            continue
        table = combined_balance(members)
        summary.append(
            {
                tr("sites.group"): name,
                tr("col.sites"): len(members),
                tr("col.panel_size"): format_number(sum(len(g.panel) for g in members), lang()),
                tr("col.score"): format_number(score_of(table), lang(), 1),
                tr("col.worst_gap"): format_percent(float(table["deviation"].abs().max()), lang()),
            }
        )
    st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch")
