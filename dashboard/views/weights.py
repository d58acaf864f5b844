"""Weights & balance: raking weights for the site's panel or attendees, and balance tests.

The weights come from ``uc.site_weights`` (the run's census shares); the balance tests
are ``quotas.balance_tests`` on the panel against the run's targets, the same figures
as in ``klero report`` (with its explanations). Each download is recorded in the audit
trail when clicked (``weights.export``, as ``klero weights --site ... --out``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import format_number
from dashboard.ui import attempt, db, labeller, lang, number_cell, percent_cell, site_page, tr
from quotas.balance_tests import balance_tests
from quotas.exports import table_bytes
from recruitment import usecases as uc
from recruitment.reports.balance_tests import explanations

who, site = site_page("weights")
st.caption(tr("weights.intro"))
group = st.radio(
    tr("weights.group"),
    ["panel", "attendees"],
    format_func=labeller("weights.group_"),
    horizontal=True,
    key="weights_group",
)
trimmed = st.checkbox(tr("weights.trim_on"), key="weights_trim_on")
trim = st.number_input(
    tr("weights.trim"), 1.0, 100.0, 5.0, 0.5, disabled=not trimmed, key="weights_trim"
)
settings = {"attendees": group == "attendees", "trim": float(trim) if trimmed else None}
# First the criteria every census category of which the panel has; then the user's choice.
base = attempt(uc.site_weights, db(), who, site, only_weightable=True, **settings)
if base is None:
    st.stop()
    raise RuntimeError("unreachable")
chosen = st.multiselect(
    tr("weights.criteria"), list(base.all_criteria), list(base.weightable), key="weights_criteria"
)
left_out = [c for c in base.all_criteria if c not in base.weightable]
if left_out:
    st.caption(tr("weights.left_out", criteria=", ".join(left_out)))
if not chosen:
    st.info(tr("weights.choose"))
    st.stop()
found: uc.SiteWeights | None = base
if tuple(chosen) != base.criteria:
    found = attempt(uc.site_weights, db(), who, site, criteria=chosen, **settings)
if found is None:
    st.stop()
    raise RuntimeError("unreachable")

w = found.weights
cols = st.columns(4)
cols[0].metric(tr("weights.count"), format_number(len(w.weights), lang()))
cols[1].metric(tr("weights.max"), format_number(float(w.weights.max()), lang(), 2))
cols[2].metric(tr("weights.deff"), format_number(w.design_effect, lang(), 2))
cols[3].metric(tr("weights.ess"), format_number(w.effective_size, lang(), 1))
st.caption(tr("weights.figures_help", run=found.run_id, sha=found.input_sha256[:12]))

headers = {
    "feature": tr("col.feature"),
    "value": tr("col.value"),
    "count": tr("weights.count"),
    "census_share": tr("series.target"),
    "panel_share": tr("series.panel"),
    "weighted_share": tr("weights.weighted"),
}
shown = found.categories[list(headers)].rename(columns=headers)
shares = pd.Index([headers[c] for c in ("census_share", "panel_share", "weighted_share")])
st.dataframe(shown.style.format(percent_cell, subset=shares), hide_index=True, width="stretch")
st.download_button(
    tr("weights.download"),
    table_bytes(found.frame(), "csv"),
    f"weights-{site}-{found.group}.csv",
    "text/csv",
    key="weights_csv",
    on_click=attempt,  # handed over: recorded in the audit trail (weights.export)
    args=(uc.record_weights_export, db(), who, found, "weights"),
)

st.subheader(tr("weights.tests"))
tests = balance_tests(found.categories.rename(columns={"census_share": "target_share"}))
for text in explanations(lang()):
    st.caption(text)
columns = {
    "feature": tr("col.feature"),
    "p_value": tr("weights.p_value"),
    "method": tr("weights.test"),
    "tvd": tr("weights.tvd"),
    "gap_value": tr("weights.gap_value"),
    "gap": tr("col.deviation"),
    "gap_low": tr("weights.gap_low"),
    "gap_high": tr("weights.gap_high"),
}
table = tests[list(columns)].assign(method=tests["method"].map(lambda m: tr(f"weights.test_{m}")))
table = table.rename(columns=columns)
points = pd.Index([columns[c] for c in ("tvd", "gap", "gap_low", "gap_high")])
styled = table.style.format(percent_cell, subset=points).format(
    lambda v: number_cell(v, 3), subset=pd.Index([columns["p_value"]])
)
st.dataframe(styled, hide_index=True, width="stretch")
st.download_button(
    tr("weights.tests_csv"),
    table_bytes(tests, "csv"),
    f"balance-tests-{site}-{found.group}.csv",
    "text/csv",
    key="weights_tests_csv",
    on_click=attempt,
    args=(uc.record_weights_export, db(), who, found, "balance_tests"),
)
