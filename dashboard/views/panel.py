"""Panel management: seat statuses, replacing a drop-out, the export, the invitations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import forget, run_view
from dashboard.i18n import format_number
from dashboard.invitation_editor import invitations_section
from dashboard.labels_editor import site_labels
from dashboard.seat_tables import seat_table
from dashboard.ui import attempt, db, labeller, lang, plain, site_page, tr
from quotas.exports import table_bytes
from recruitment import usecases as uc
from recruitment.dashboard_support import may, suggest_replacement
from recruitment.permissions import Action
from recruitment.usecases.panels import TRANSITIONS
from recruitment.usecases.seats import empty_seats, open_dropouts

who, site = site_page("panel")
details = run_view(who, site)
if details is None:
    st.info(tr("selection.no_run"))
    st.stop()
status = attempt(uc.panel_status, db(), who, run_id=details.run_id)
if status is not None:
    cols = st.columns(3)
    selected = status.counts.get("selected", {})
    cols[0].metric(tr("panel.seats"), format_number(status.size, lang()))
    cols[1].metric(tr("panel.confirmed"), format_number(selected.get("confirmed", 0), lang()))
    cols[2].metric(tr("panel.vacancies"), format_number(status.vacancies, lang()))
# Who fills whose seat, as stored with each replacement (blank when nobody).
st.dataframe(seat_table(details.seats, site_labels()), hide_index=True, width="stretch")

if may(who, Action.RECORD_STATUS, site, db()):
    st.subheader(tr("panel.record"))
    people = details.seats["pseudonym"].tolist()
    current = dict(zip(details.seats["pseudonym"], details.seats["status"], strict=True))
    person = st.selectbox(tr("panel.person"), people, key="panel_person")
    nexts = list(TRANSITIONS[current[person]]) if person else []
    if nexts:
        new = st.selectbox(
            tr("panel.new_status"), nexts, format_func=labeller("seat."), key="panel_new"
        )
        clicked = st.button(tr("panel.record_go"), key="panel_record")
        if (
            clicked
            and attempt(uc.record_seat_status, db(), who, details.run_id, person, new) is not None
        ):
            forget()
            st.rerun()
    else:
        st.caption(tr("panel.final", status=tr(f"seat.{current.get(person, 'selected')}")))

    st.subheader(tr("panel.replace"))
    # Only drop-outs whose seats nobody fills yet are offered (a replacement who dropped
    # out too), and no more of them than the panel lacks members.
    open_seats = empty_seats(details.size, details.lines)
    dropped_choices = open_dropouts(details.lines)
    dropped: list[str] = []
    if open_seats <= 0:
        st.caption(tr("panel.no_open_seat"))
    elif not dropped_choices:
        st.caption(tr("panel.no_open_dropout", count=open_seats))
    else:
        dropped = st.multiselect(
            tr("panel.dropped"), dropped_choices, key="panel_dropped", max_selections=open_seats
        )
    if dropped and st.button(tr("panel.suggest"), key="panel_suggest"):
        found = attempt(suggest_replacement, db(), who, details.run_id, dropped)
        st.session_state["_replacement"] = (details.run_id, list(dropped), found)
    kept = st.session_state.get("_replacement")
    if kept is not None and kept[0] == details.run_id and kept[2] is not None:
        replacement = kept[2]
        st.dataframe(
            pd.DataFrame(
                {
                    tr("panel.added"): [a.id for a in replacement.added],
                    tr("panel.replaces"): [a.replaces for a in replacement.added],
                    tr("panel.reason"): [a.why.text(lang()) for a in replacement.added],
                }
            ),
            hide_index=True,
        )
        if replacement.unmet:
            unmet = [q.unmet_message() for q in replacement.unmet]
            lines = [f"- {plain(m.text(lang()))}" for m in unmet if m is not None]
            st.warning(tr("panel.unmet", count=len(unmet)) + "\n\n" + "\n".join(lines))
        if replacement.added and st.button(tr("panel.invite"), key="panel_invite"):
            # One transaction recomputes the same answer (same inputs, same seed) and stores it,
            # so a half-recorded replacement cannot happen.
            done = attempt(
                uc.replace_dropouts, db(), who, details.run_id, kept[1], seed=replacement.seed
            )
            st.session_state.pop("_replacement", None)
            if done is not None:
                forget()
                st.rerun()

if may(who, Action.EXPORT_PANEL, site, db()):
    st.subheader(tr("panel.export"))
    contacts = may(who, Action.VIEW_CONTACTS, site, db())
    st.caption(tr("panel.export_contacts" if contacts else "panel.export_pseudonymous"))
    if st.button(tr("panel.export_prepare"), key="panel_export"):
        prepared = attempt(uc.prepare_panel_export, db(), who, run_id=details.run_id)
        if prepared is not None:
            st.session_state["_export"] = (prepared, table_bytes(prepared.frame, "csv"))
    ready = st.session_state.get("_export")
    if ready is not None and ready[0].run_id == details.run_id:
        # The export is recorded in the audit trail when it is handed over (the click),
        # not when it is prepared: a prepared file nobody downloads was never exported.
        st.download_button(
            tr("panel.download"),
            ready[1],
            f"panel-{site}-run{details.run_id}.csv",
            "text/csv",
            key="panel_download",
            on_click=attempt,
            args=(uc.record_panel_export, db(), who, ready[0]),
        )

if may(who, Action.VIEW_CONTACTS, site, db()) and may(who, Action.RECORD_STATUS, site, db()):
    invitations_section(who, site, details.run_id)
