"""Typing in a batch of paper registration forms: one row each, keyboard only.

A grid (``st.data_editor``): the form number, one drop-down per criterion (its
categories), name, phone and e-mail. Tab and the arrow keys move between cells; Enter
edits one. The batch goes in through the assisted registration's use case (channel
``paper``): people already in the pool (same form number, e-mail or phone) are reported,
not added. A row without a form number or an answer stops the whole batch.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from dashboard.i18n import format_number
from dashboard.ui import attempt, db, lang, plain, problem_table, tr
from recruitment import usecases as uc
from recruitment.permissions import Actor

_CONTACT = ("name", "phone", "email")
_ROWS = 10


def _blank(form: uc.RegistrationForm) -> pd.DataFrame:
    columns = ["form", *(q.criterion for q in form.questions), *_CONTACT]
    return pd.DataFrame({c: pd.Series([None] * _ROWS, dtype=object) for c in columns})


def paper_people(frame: pd.DataFrame, form: uc.RegistrationForm) -> tuple[list[uc.Person], int]:
    """The filled rows as people to register, and how many rows are incomplete."""
    people: list[uc.Person] = []
    incomplete = 0
    for _, row in frame.iterrows():
        cells = {c: str(v).strip() for c, v in row.items() if isinstance(v, str) and v.strip()}
        if not cells:
            continue  # an empty row of the grid
        answers = {q.criterion: cells.get(q.criterion, "") for q in form.questions}
        if "form" not in cells or not all(answers.values()):
            incomplete += 1
            continue
        contact = {k: cells[k] for k in _CONTACT if k in cells}
        people.append(uc.Person(cells["form"], answers, contact))
    return people, incomplete


def paper_forms(who: Actor, site: str, form: uc.RegistrationForm) -> bool:
    """The entry grid and its button; whether forms were added (the pool changed)."""
    config: dict[str, ColumnConfig] = {
        "form": st.column_config.TextColumn(tr("col.form"), max_chars=60),
        **{
            q.criterion: st.column_config.SelectboxColumn(
                plain(q.label), options=[code for code, _ in q.options]
            )
            for q in form.questions
        },
        **{k: st.column_config.TextColumn(tr(f"pool.{k}")) for k in _CONTACT},
    }
    with st.form("paper_forms"):
        edited = st.data_editor(
            _blank(form),
            column_config=config,
            num_rows="dynamic",
            hide_index=True,
            key="paper_grid",
        )
        go = st.form_submit_button(tr("registration.paper_save"), key="paper_go")
    if not go:
        return False
    people, incomplete = paper_people(edited, form)
    if incomplete:
        st.error(tr("registration.paper_incomplete", count=incomplete))
        return False
    if not people:
        return False
    report = attempt(uc.register_people, db(), who, site, people, channel="paper")
    if report is None:
        return False
    show_import_report(report)
    return bool(report.added)


def show_import_report(result: uc.ImportReport) -> None:
    """Who was added, left unchanged or skipped by an import or a batch of forms, and why."""
    st.success(
        tr(
            "pool.import_done",
            added=format_number(len(result.added), lang()),
            unchanged=format_number(result.unchanged, lang()),
            skipped=format_number(result.skipped, lang()),
        )
    )
    if result.problems:
        st.dataframe(problem_table(result.problems), hide_index=True, width="stretch")
