"""Labels of the deliberation's criteria and categories in each language: read and edited.

The chosen site's deliberation has one label table (``recruitment.usecases.labels``);
pages show criteria and categories by their label in the reader's language
(``site_labels``), files keep the codes. Coordinators, admins and the site's partner
edit the table on the Criteria & quotas page; a deleted row removes its label.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from dashboard.ui import actor, attempt, current_site, db, plain, tr
from quotas.labels import COLUMNS, LABEL_MAX, LabelRow, Labels
from quotas.languages import codes
from recruitment import usecases as uc
from recruitment.permissions import Actor

# The label table's columns (a labels file's) and the heading each shows.
HEADINGS = {
    "criterion": "col.feature",
    "category": "col.value",
    "lang": "col.lang",
    "label": "col.label",
}


def _deliberation(who: Actor, site: str) -> str | None:
    sites = attempt(uc.list_sites, db(), who) or []
    return next((s.deliberation for s in sites if s.code == site), None)


def site_labels() -> Labels:
    """The labels of the chosen site's deliberation (none without a site)."""
    who, site = actor(), current_site()
    if who is None or site is None:
        return Labels([])
    deliberation = _deliberation(who, site)
    return deliberations_labels(who, [deliberation] if deliberation else [])


def deliberations_labels(who: Actor, deliberations: Iterable[str]) -> Labels:
    """The labels of ``deliberations`` together (the sites overview shows several)."""
    rows: list[LabelRow] = []
    for deliberation in sorted(set(deliberations)):
        rows += attempt(uc.deliberation_labels, db(), who, deliberation) or []
    return Labels(rows)


def _rows(frame: pd.DataFrame) -> list[LabelRow]:
    rows = []
    for record in frame.fillna("").to_dict("records"):
        values = {c: " ".join(str(record.get(c, "")).split()) for c in COLUMNS}
        if values["criterion"] and values["lang"]:
            rows.append(
                LabelRow(values["criterion"], values["category"], values["lang"], values["label"])
            )
    return rows


def labels_editor(who: Actor, site: str, *, can_edit: bool) -> None:
    """The label table of ``site``'s deliberation, editable by those who may set labels."""
    deliberation = _deliberation(who, site)
    if deliberation is None:
        return
    st.subheader(tr("labels.title"))
    st.caption(tr("labels.explain"))
    stored = attempt(uc.deliberation_labels, db(), who, deliberation) or []
    frame = pd.DataFrame(
        [(r.criterion, r.category, r.lang, r.label) for r in stored], columns=list(COLUMNS)
    )
    headings = {c: tr(key) for c, key in HEADINGS.items()}
    config = {
        headings["criterion"]: st.column_config.TextColumn(required=True),
        headings["lang"]: st.column_config.SelectboxColumn(options=codes(), required=True),
        headings["label"]: st.column_config.TextColumn(max_chars=LABEL_MAX),
    }
    edited = st.data_editor(
        frame.rename(columns=headings),
        column_config=config,
        num_rows="dynamic" if can_edit else "fixed",
        disabled=not can_edit,
        hide_index=True,
        key="labels_editor",
        width="stretch",
    )
    if not can_edit or not st.button(tr("labels.save"), key="labels_save"):
        return
    kept = _rows(edited.rename(columns={shown: c for c, shown in headings.items()}))
    keys = {(r.criterion, r.category, r.lang) for r in kept}
    removed = [
        LabelRow(r.criterion, r.category, r.lang, "")
        for r in stored
        if (r.criterion, r.category, r.lang) not in keys
    ]
    report = attempt(uc.set_labels, db(), who, deliberation, kept + removed)
    if report is not None:
        st.success(plain(tr("labels.saved", changed=report.changed, removed=report.removed)))
