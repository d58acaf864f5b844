"""Criteria and quotas: build them from census margins or edit the table; feasibility, live."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.balance_views import labelled_rows
from dashboard.data import forget, pool_page
from dashboard.i18n import format_number, format_percent, problem_text
from dashboard.labels_editor import labels_editor, site_labels
from dashboard.ui import (
    attempt,
    db,
    labeller,
    lang,
    plain,
    read_upload,
    show_error,
    show_problems,
    tr,
)
from quotas.apportion import METHODS
from quotas.explain import FeasibilityResult
from quotas.margin_files import margins_from_frame
from quotas.model import Category, Quota, QuotaTable, split_crossed
from quotas.problems import KleroError, Problem, errors_only
from quotas.targets import Margins, quotas_from_margins
from recruitment import usecases as uc
from recruitment.dashboard_support import may
from recruitment.permissions import Action

# The quota table's columns (a file's codes) and the heading each shows.
QUOTA_HEADINGS = {
    "feature": "col.feature",
    "value": "col.value",
    "min": "col.min",
    "max": "col.max",
    "target_share": "col.target_share",
}

who, site, view = pool_page("quotas")
can_edit = may(who, Action.SET_QUOTAS, site, db())
size = view.panel_size
st.caption(
    tr(
        "quotas.context",
        size=format_number(size, lang()),
        pool=format_number(len(view.people), lang()),
    )
    + (" " + tr("quotas.version", version=view.quota_version) if view.quota_version else "")
)


def margins_of(table: QuotaTable) -> Margins | None:
    """The census shares recorded with a quota table (plain features only)."""
    shares: dict[str, dict[str, float]] = {}
    for q in table:
        if q.target_share is None or split_crossed(q.feature) is not None:
            continue
        shares.setdefault(q.feature, {})[q.value] = float(q.target_share)
    return Margins(shares) if shares else None


def table_of(frame: pd.DataFrame) -> tuple[QuotaTable | None, list[Problem]]:
    """A quota table from the edited rows, or the problems that stop it."""
    quotas = []
    bad_rows: list[int] = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        feature, value = str(row.get("feature") or "").strip(), str(row.get("value") or "").strip()
        if not feature or not value:
            continue
        try:
            lo, hi = int(row["min"]), int(row["max"])
        except (TypeError, ValueError):
            bad_rows.append(number)
            continue
        share = row.get("target_share")
        target = None if share is None or pd.isna(share) else float(share)
        quotas.append(Quota(Category(feature, value), lo, hi, target))
    if bad_rows:
        st.error(tr("quotas.bad_rows", rows=", ".join(map(str, bad_rows))))
        return None, []
    table = QuotaTable(quotas)
    problems = table.problems(size)
    return (None if errors_only(problems) else table), problems


def explanation(result: FeasibilityResult) -> list[str]:
    """What is wrong and what would help, in the session's language."""
    return [m.text(lang()) for m in result.reasons()]


def feasibility(table: QuotaTable) -> FeasibilityResult | None:
    """The check of ``table`` against the pool, remembered per table for the session."""
    cache: dict[tuple[str, str, int], FeasibilityResult]
    cache = st.session_state.setdefault("_feasibility", {})
    key = (site, table.sha256(), len(view.people))
    if key not in cache:
        # A short time limit: the page waits for the answer.
        result = attempt(uc.check_feasibility, db(), who, site, table, time_limit=20.0)
        if result is None:
            return None
        cache[key] = result
    return cache[key]


modes = ["margins", "edit"]
if "_quotas_mode_next" in st.session_state:  # a widget's state may only be set before it is drawn
    st.session_state["quotas_mode"] = st.session_state.pop("_quotas_mode_next")
mode = st.radio(
    tr("quotas.mode"),
    modes,
    format_func=labeller("quotas.mode_"),
    horizontal=True,
    key="quotas_mode",
)
candidate: QuotaTable | None = None
settings: dict[str, object] = {}
if mode == "margins":
    margins = margins_of(view.quotas) if view.quotas is not None else None
    upload = st.file_uploader(tr("quotas.margins_file"), type=["csv", "xlsx"], key="margins_file")
    if upload is not None:
        _, frame, problems = read_upload(upload)
        if frame is not None and not errors_only(problems):
            margins, problems = margins_from_frame(frame, upload.name)
        if problems:
            show_problems(problems, "quotas.margins_problems")
        if errors_only(problems):
            margins = None
    if margins is None:
        st.info(tr("quotas.no_margins"))
    else:
        tolerance = st.slider(tr("quotas.tolerance"), 0.0, 20.0, 5.0, 0.5, key="quotas_tolerance")
        method = st.selectbox(
            tr("quotas.method"),
            METHODS,
            format_func=labeller("quotas.method_"),
            key="quotas_method",
        )
        settings = {"tolerance_points": tolerance, "method": method, "panel_size": size}
        try:
            candidate = quotas_from_margins(
                margins, size, tolerance_points=tolerance, method=method
            )
        except KleroError as error:
            show_error(error)
else:
    base = st.session_state.get("quotas_rows")
    if base is None:
        base = (
            view.quotas.to_frame()
            if view.quotas is not None
            else pd.DataFrame(columns=["feature", "value", "min", "max", "target_share"])
        )
    headings = {c: tr(key) for c, key in QUOTA_HEADINGS.items()}
    edited = st.data_editor(
        base.rename(columns=headings),
        num_rows="dynamic",
        key=f"quotas_editor_{st.session_state.get('quotas_rows_version', 0)}",
        width="stretch",
        disabled=not can_edit,
    )
    edited = edited.rename(columns={shown: c for c, shown in headings.items()})
    candidate, problems = table_of(edited)
    for p in problems:
        (st.error if p.severity == "error" else st.warning)(plain(problem_text(p, lang())))

if candidate is not None:
    st.subheader(tr("quotas.preview"))
    # The editor keeps the codes (they are the table's data); the preview reads by labels.
    frame = labelled_rows(candidate.to_frame(), site_labels(), lang())
    if "target_share" in frame:
        frame["target_share"] = [format_percent(s, lang()) for s in frame["target_share"]]
    frame = frame.rename(columns={c: tr(key) for c, key in QUOTA_HEADINGS.items()})
    st.dataframe(frame, hide_index=True, width="stretch")
    st.subheader(tr("quotas.feasibility"))
    result = feasibility(candidate) if len(view.people) else None
    if len(view.people) == 0:
        st.info(tr("pool.empty"))
    elif result is not None and result.feasible:
        st.success(tr("quotas.feasible"))
    elif result is not None:
        st.error(tr("quotas.infeasible"))
        for line in explanation(result):
            st.markdown(f"- {plain(line)}")
        if (
            result.relaxation is not None
            and can_edit
            and st.button(tr("quotas.apply_relaxation"), key="quotas_relax")
        ):
            st.session_state["quotas_rows"] = result.relaxation.table(candidate).to_frame()
            st.session_state["_quotas_mode_next"] = "edit"
            st.session_state["quotas_rows_version"] = (
                st.session_state.get("quotas_rows_version", 0) + 1
            )
            st.rerun()
    if can_edit and st.button(tr("quotas.save"), type="primary", key="quotas_save"):
        saved = attempt(
            uc.set_quotas,
            db(),
            who,
            site,
            candidate,
            source="margins" if mode == "margins" else "table",
            settings=settings,
        )
        if saved is not None:
            forget()
            st.session_state.pop("quotas_rows", None)
            st.success(tr("quotas.saved", version=saved.version))

labels_editor(who, site, can_edit=may(who, Action.SET_LABELS, site, db()))
