"""Selection: choose the algorithm and the draw, run with a progress bar, see panel and fairness."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.balance_views import probability_histogram
from dashboard.data import forget, run_view
from dashboard.i18n import format_date, format_number, problem_text
from dashboard.labels_editor import site_labels
from dashboard.seat_tables import seat_table
from dashboard.ui import (
    attempt,
    db,
    draw_inputs,
    labeller,
    lang,
    plain,
    rtl,
    show_error,
    site_page,
    tr,
)
from quotas.problems import KleroError, Problem
from recruitment import usecases as uc
from recruitment.dashboard_support import legacy_comparison, may
from recruitment.permissions import Action
from sampling import Algorithm, PropensityModel, fairness_metrics

who, site = site_page("selection")

if may(who, Action.RUN_SELECTION, site, db()):
    with st.form("run"):
        algorithm = st.selectbox(
            tr("selection.algorithm"),
            list(Algorithm),
            index=list(Algorithm).index(Algorithm.LEXIMIN),
            format_func=labeller("algorithm."),
            key="sel_algorithm",
        )
        drawn = draw_inputs("sel", alternates=5)
        dropout = st.slider(
            tr("selection.dropout"), 0, 60, 15, step=1, key="sel_dropout", format="%d %%"
        )
        end_to_end = st.checkbox(
            tr("selection.end_to_end"), key="sel_end_to_end", help=tr("selection.end_to_end_help")
        )
        go = st.form_submit_button(tr("selection.run"), type="primary", key="sel_go")
    if go:
        bar = st.progress(0.0, text=tr("selection.starting"))

        def progress(stage: str, fraction: float) -> None:
            key = f"selection.stage_{stage.replace(' ', '_')}"
            name = tr(key)
            bar.progress(
                min(max(float(fraction), 0.0), 1.0),
                text=f"{tr('selection.running')} {stage if name == key else name}",
            )

        try:
            summary = uc.run_selection(
                db(),
                who,
                site,
                replace(
                    drawn,
                    algorithm=Algorithm.parse(algorithm),
                    dropout=int(dropout) / 100,
                    # no margins of its own: the site's census margins, stored with its quotas
                    end_to_end=PropensityModel({}) if end_to_end else None,
                ),
                progress=progress,
            )
        except KleroError as error:
            bar.empty()
            show_error(error)
        else:
            bar.progress(1.0, text=tr("selection.done", run=summary.run_id))
            if summary.excluded:
                count = format_number(summary.excluded, lang())
                st.info(tr("selection.excluded_elsewhere", count=count))
            for warning in (summary.end_to_end or {}).get("warnings", []):
                params = {
                    k: v for k, v in warning.items() if k not in ("code", "severity", "message")
                }
                st.warning(plain(problem_text(Problem(warning["code"], params), lang())))
            forget()

details = run_view(who, site)
if details is None:
    st.info(tr("selection.no_run"))
    st.stop()

st.subheader(tr("selection.latest", run=details.run_id))
draw = (
    tr("selection.by_seed", seed=details.seed)
    if details.public_number is None
    else tr("selection.by_number", number=details.public_number)
)
st.caption(
    f"{tr(f'algorithm.{details.algorithm}')} · {draw} · "
    f"{tr('selection.lottery_index', index=details.lottery_index)} · "
    f"{format_date(details.started_at, lang())} · {plain(details.started_by)} · "
    f"{tr('selection.input_hash', hash=details.input_sha256[:16])}"
)
fair = details.fairness
# The lottery's figures (the chances people actually have), the optimum's beside them;
# runs before ENGINE 2026-12-07.1 stored the optimum's only.
nan = float("nan")
low = fair.get("lottery_min", fair.get("min", nan))
equal = fair.get("equal", nan)
cols = st.columns(4)
cols[0].metric(tr("fair.lottery_min"), format_number(low, lang(), 4))
cols[1].metric(tr("fair.equal"), format_number(equal, lang(), 4))
cols[2].metric(tr("fair.min_over_equal"), format_number(low / equal if equal else nan, lang(), 3))
cols[3].metric(
    tr("fair.lottery_gini"), format_number(fair.get("lottery_gini", fair.get("gini")), lang(), 3)
)
st.caption(
    tr(
        "fair.optimum_beside",
        min=format_number(fair.get("min", nan), lang(), 4),
        gini=format_number(fair.get("gini", nan), lang(), 3),
        drop=format_number(fair.get("lottery_max_drop", nan), lang(), 5),
        rise=format_number(fair.get("lottery_max_rise", nan), lang(), 5),
    )
)

if "end_to_end_p95_p5" in fair:
    # An end-to-end run: how equal the chances from the population to the panel are.
    st.caption(
        tr(
            "fair.end_to_end",
            max_min=format_number(fair.get("end_to_end_max_min", nan), lang(), 2),
            p95_p5=format_number(fair["end_to_end_p95_p5"], lang(), 2),
            leximin_max_min=format_number(fair.get("leximin_max_min", nan), lang(), 2),
            leximin_p95_p5=format_number(fair.get("leximin_p95_p5", nan), lang(), 2),
        )
    )

probabilities = pd.DataFrame({"p": details.probabilities.to_numpy(), "method": details.algorithm})
legacy_key = ("legacy", details.run_id)
legacy = st.session_state.get("_legacy", {}).get(legacy_key)
if st.button(tr("selection.compare_legacy"), key="sel_legacy"):
    with st.spinner(tr("selection.legacy_running")):
        legacy = attempt(legacy_comparison, db(), who, details.run_id, samples=300)
    st.session_state.setdefault("_legacy", {})[legacy_key] = legacy
if legacy is not None:
    probabilities = pd.concat(
        [probabilities, pd.DataFrame({"p": legacy.to_numpy(), "method": "legacy"})],
        ignore_index=True,
    )
    other = fairness_metrics(legacy.to_numpy(dtype=float), details.size)
    st.dataframe(
        pd.DataFrame(
            {
                tr("col.method"): [details.algorithm, "legacy"],
                tr("fair.min"): [
                    format_number(fair.get("min"), lang(), 4),
                    format_number(other["min"], lang(), 4),
                ],
                tr("fair.gini"): [
                    format_number(fair.get("gini"), lang(), 3),
                    format_number(other["gini"], lang(), 3),
                ],
            }
        ),
        hide_index=True,
    )
st.altair_chart(
    probability_histogram(probabilities, tr("chart.probability"), tr("chart.people"), rtl=rtl()),
    width="stretch",
)
left, right = st.columns(2)
left.markdown(f"**{tr('selection.panel', count=len(details.panel))}**")
named = site_labels()  # criteria and categories in the reader's language
panel_table = seat_table(details.panel.drop(columns=["kind"]), named)
left.dataframe(panel_table, hide_index=True, width="stretch")
right.markdown(f"**{tr('selection.alternates_list', count=len(details.alternates))}**")
right.dataframe(
    seat_table(details.alternates.drop(columns=["kind"]), named), hide_index=True, width="stretch"
)
