"""Batch selection: every ready site of a deliberation at once; its progress and each outcome.

The batch runs in a background thread (``dashboard.batch_jobs``); the progress view
refreshes itself every two seconds while it runs. Coordinators and admins only. End to
end, each site uses its own census margins (``recruitment.usecases.batch``).
"""

from __future__ import annotations

import os
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import batch_jobs
from dashboard.ui import attempt, db, draw_inputs, guard, lang, plain, show_error, tr
from recruitment import usecases as uc
from sampling import PropensityModel

who = guard("batch")
st.title(tr("page.batch"))
st.caption(tr("batch.intro"))

sites = attempt(uc.list_sites, db(), who) or []
deliberations = sorted({s.deliberation for s in sites})
if not deliberations:
    st.info(tr("batch.no_sites"))
    st.stop()

with st.form("batch_form"):
    deliberation = st.selectbox(tr("batch.deliberation"), deliberations, key="batch_deliberation")
    countries = sorted({s.country for s in sites})
    every_country = tr("batch.all_countries")  # fixed now: a format_func may run later
    country = st.selectbox(
        tr("batch.country"),
        ["", *countries],
        format_func=lambda c: str(c) or every_country,
        key="batch_country",
    )
    drawn = draw_inputs("batch", alternates=10)
    workers = st.number_input(tr("batch.workers"), 1, 64, os.cpu_count() or 1, key="batch_workers")
    end_to_end = st.checkbox(
        tr("selection.end_to_end"),
        key="batch_end_to_end",
        help=f"{tr('selection.end_to_end_help')} {tr('batch.end_to_end_help')}",
    )
    go = st.form_submit_button(tr("batch.start"), type="primary", key="batch_go")
if go:
    job = attempt(
        batch_jobs.start,
        db(),
        who,
        str(deliberation),
        # no margins: each site's census margins, stored with its quotas
        replace(drawn, end_to_end=PropensityModel({})) if end_to_end else drawn,
        country=str(country) or None,
        workers=int(workers),
    )
    if job is not None:
        st.session_state["batch_job"] = job.job_id


def _table(outcomes: list[uc.SiteOutcome]) -> pd.DataFrame:
    now = lang()
    return pd.DataFrame(
        [
            {
                tr("batch.col_site"): o.site,
                tr("batch.col_country"): o.country,
                tr("batch.col_outcome"): tr(f"batch.status_{o.status}"),
                tr("batch.col_run"): o.run_id,
                tr("batch.col_number"): o.seed if o.seed is not None else o.public_number,
                tr("batch.col_detail"): o.message.text(now),
                tr("batch.col_explanation"): " ".join(m.text(now) for m in o.reasons),
            }
            for o in sorted(outcomes, key=lambda o: o.site)
        ]
    )


def _progress() -> None:
    job = batch_jobs.find(st.session_state.get("batch_job"))
    if job is None:
        st.info(tr("batch.none"))
        return
    done, total, outcomes = job.snapshot()
    st.subheader(tr("batch.job", deliberation=plain(job.deliberation), job=job.job_id))
    if job.running:
        st.progress(
            done / total if total else 0.0, text=tr("batch.progress", done=done, total=total)
        )
    elif job.error is not None:
        show_error(job.error)
    elif job.report is not None:
        summary = plain(job.report.message.text(lang()))
        (st.success if job.report.exit_code == 0 else st.warning)(summary)
    if outcomes:
        st.dataframe(_table(outcomes), hide_index=True)


job_now = batch_jobs.find(st.session_state.get("batch_job"))
st.fragment(run_every=2.0 if job_now is not None and job_now.running else None)(_progress)()
