"""The sites page's plan upload (coordinators and admins): a plan file and the files it names.

The plan and its pool and margins files are saved in a fresh folder of the session, so
the plan's relative paths find them; ``usecases.import_plan`` checks everything first
and stores nothing when any row is wrong: every problem is shown with its row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.i18n import format_number
from dashboard.ui import db, labeller, lang, show_error, show_problems, tr
from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.permissions import Action, Actor, allowed


def _saved(uploads: list[object]) -> Path:
    """The uploads written (by their bare names) into a new folder; the folder."""
    root = Path(st.session_state.setdefault("_upload_dir", tempfile.mkdtemp()))
    folder = Path(tempfile.mkdtemp(dir=root))
    for upload in uploads:
        name = Path(str(getattr(upload, "name", ""))).name
        if name:
            (folder / name).write_bytes(upload.getvalue())  # type: ignore[attr-defined]
    return folder


def _show(result: uc.PlanResult) -> None:
    outcome = labeller("plan.outcome_")
    st.success(
        tr(
            "plan.done",
            sites=format_number(len(result.sites), lang()),
            countries=", ".join(result.countries_created) or "-",
            partners=", ".join(result.organisations_created) or "-",
        )
    )
    st.dataframe(
        pd.DataFrame(
            {
                tr("col.row"): [s.row for s in result.sites],
                tr("col.site"): [s.site for s in result.sites],
                tr("col.outcome"): [outcome(s.outcome) for s in result.sites],
                tr("col.changed"): [", ".join(s.changed) for s in result.sites],
                tr("col.added"): [s.volunteers_added for s in result.sites],
                tr("col.quota_version"): [s.quota_version or "" for s in result.sites],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if result.problems:
        show_problems(result.problems, "plan.warnings")


def plan_upload(who: Actor, deliberations: list[str]) -> None:
    """The plan upload, for the roles that may import a plan (nothing for the others)."""
    if not allowed(who, Action.IMPORT_PLAN):
        return
    with st.expander(tr("plan.title")):
        st.caption(tr("plan.help"))
        deliberation = st.text_input(
            tr("plan.deliberation"),
            value=deliberations[0] if deliberations else "",
            key="plan_deliberation",
        )
        plan = st.file_uploader(tr("plan.file"), type=["csv", "xlsx"], key="plan_file")
        files = st.file_uploader(
            tr("plan.files"), type=["csv", "xlsx"], accept_multiple_files=True, key="plan_files"
        )
        if plan is None or not st.button(tr("plan.import"), key="plan_import_go"):
            return
        folder = _saved([*(files or []), plan])
        path = folder / Path(plan.name).name
        try:
            result = uc.import_plan(db(), who, deliberation.strip(), path)
        except InvalidInput as refused:  # every problem, with its row, as a table
            show_problems(list(refused.problems), "plan.refused")
            return
        except KleroError as error:
            show_error(error)
            return
        _show(result)
