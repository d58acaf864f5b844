"""The overview's report section: a deliberation's report at one level, in four files.

The files are the ones ``klero report`` writes (``recruitment.reports``): made on demand
(a button), kept in the session until the choice changes, offered as downloads.
"""

from __future__ import annotations

import re

import streamlit as st

from dashboard.ui import attempt, db, labeller, lang, tr
from recruitment import usecases as uc
from recruitment.permissions import Actor
from recruitment.reports import FORMATS, MEDIA_TYPES, Level, report_bytes

_KEY = "sites_report_files"


def _file_name(deliberation: str, level: str, country: str | None) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", deliberation).strip("-").lower() or "report"
    return f"{stem}-{level}" + (f"-{country.lower()}" if country else "")


def report_section(who: Actor, deliberations: list[str], countries: list[str]) -> None:
    """Choose a deliberation, a level and (with one country filtered) that country; download."""
    st.subheader(tr("sites.report"))
    st.caption(tr("sites.report_help"))
    cols = st.columns(3)
    deliberation = cols[0].selectbox(
        tr("sites.report_deliberation"), deliberations, key="sites_report_deliberation"
    )
    level = cols[1].radio(
        tr("sites.report_level"),
        [str(v) for v in Level],
        format_func=labeller("sites.report_by_"),
        horizontal=True,
        key="sites_report_level",
    )
    country = countries[0] if len(countries) == 1 else None
    if country is not None:
        cols[2].caption(tr("sites.report_country", country=country))
    choice = (deliberation, level, country, lang())
    if cols[2].button(tr("sites.report_make"), key="sites_report_make"):
        report = attempt(uc.deliberation_report, db(), who, deliberation, level, country=country)
        if report is not None:
            files = {kind: report_bytes(report, kind, lang()) for kind in FORMATS}
            st.session_state[_KEY] = (choice, files)
    made = st.session_state.get(_KEY)
    if made is None or made[0] != choice:
        return
    name = _file_name(deliberation, level, country)
    buttons = st.columns(len(FORMATS))
    for column, kind in zip(buttons, FORMATS, strict=True):
        column.download_button(
            tr(f"sites.report_{kind}"),
            made[1][kind],
            f"{name}.{kind}",
            MEDIA_TYPES[kind],
            key=f"sites_report_{kind}",
        )
