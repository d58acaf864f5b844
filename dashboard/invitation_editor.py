"""The Panel page's invitations: the meeting, the message templates per language, the files.

A partner sets the meeting's day, time and place, edits each message (invitation,
stand-by for alternates, confirmation) in each language (empty: the default wording,
shown as the field's placeholder), and downloads one merged message per person (CSV or
XLSX) for their own e-mail or SMS tool. The download is recorded in the audit trail when
it is clicked (and, if asked, the panel members written to are recorded as invited).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.data import forget
from dashboard.registration_texts import language_name
from dashboard.ui import attempt, db, labeller, lang, show_error, tr
from quotas.exports import TableFormat, table_bytes
from quotas.languages import codes
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.permissions import Actor
from recruitment.usecases.invitation_texts import KINDS, PLACEHOLDERS, default_template
from recruitment.usecases.invitations import EXPORT_KINDS

_SUFFIXES: tuple[TableFormat, ...] = ("csv", "xlsx")
_MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _meeting(who: Actor, site: str, texts: uc.InvitationTexts) -> None:
    st.markdown(f"**{tr('invite.meeting')}**")
    with st.form("invite_meeting"):
        cols = st.columns(3)
        day = cols[0].date_input(tr("invite.date"), value=texts.meeting_date, key="invite_date")
        time = cols[1].text_input(tr("invite.time"), value=texts.meeting_time, key="invite_time")
        place = cols[2].text_input(
            tr("invite.place"), value=texts.meeting_place, key="invite_place"
        )
        save = st.form_submit_button(tr("invite.save_meeting"), key="invite_meeting_go")
    if save:
        chosen = day if isinstance(day, date) else None
        try:
            uc.set_meeting(db(), who, site, chosen, time, place)
        except KleroError as error:
            show_error(error)
        else:
            st.rerun()


def _templates(who: Actor, site: str, texts: uc.InvitationTexts) -> None:
    st.markdown(f"**{tr('invite.templates')}**")
    cols = st.columns(2)
    kind = cols[0].selectbox(
        tr("invite.kind"), KINDS, format_func=labeller("invite.kind_"), key="invite_kind"
    )
    offered = list(dict.fromkeys([*texts.languages, lang(), *codes()]))
    chosen = cols[1].selectbox(
        tr("invite.language"), offered, format_func=language_name, key="invite_lang"
    )
    placeholders = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    with st.form("invite_template"):
        written = st.text_area(
            tr("invite.text"),
            value=texts.written.get((kind, chosen), ""),
            placeholder=default_template(kind, chosen),
            help=tr("invite.text_help", placeholders=placeholders),
            height=160,
            key=f"invite_text_{kind}_{chosen}",
        )
        save = st.form_submit_button(tr("invite.save_text"), key="invite_text_go")
    if save:
        try:
            uc.set_message_template(db(), who, site, kind, chosen, written)
        except KleroError as error:
            show_error(error)
        else:
            st.session_state["invite_saved"] = True
            st.rerun()
    if st.session_state.pop("invite_saved", False):
        st.success(tr("invite.saved"))


def _downloads(who: Actor, site: str, run_id: int) -> None:
    st.markdown(f"**{tr('invite.files')}**")
    cols = st.columns(2)
    kind = cols[0].selectbox(
        tr("invite.export_kind"),
        EXPORT_KINDS,
        format_func=labeller("invite.export_"),
        key="invite_export_kind",
    )
    mark = cols[1].checkbox(tr("invite.mark"), key="invite_mark", disabled=kind != "invitation")
    if st.button(tr("invite.prepare"), key="invite_prepare"):
        prepared = attempt(uc.prepare_invitations, db(), who, site, run_id=run_id, kind=kind)
        st.session_state["_invitations"] = prepared
    ready: uc.InvitationExport | None = st.session_state.get("_invitations")
    if ready is None or ready.run_id != run_id or ready.kind != kind:
        return
    st.caption(tr("invite.ready", count=len(ready.frame)))
    marking = bool(mark) and kind == "invitation"
    buttons = st.columns(2)
    for column, suffix in zip(buttons, _SUFFIXES, strict=True):
        # Recorded (and seats marked invited) when handed over: the click, not the preparation.
        column.download_button(
            tr(f"invite.download_{suffix}"),
            table_bytes(ready.frame, suffix),
            f"invitations-{site}-run{run_id}-{kind}.{suffix}",
            _MIME[suffix],
            key=f"invite_download_{suffix}",
            on_click=_handed_over,
            args=(who, ready, marking),
        )


def _handed_over(who: Actor, export: uc.InvitationExport, mark_invited: bool) -> None:
    attempt(uc.record_invitations, db(), who, export, mark_invited=mark_invited)
    if mark_invited:
        st.session_state.pop("_invitations", None)
        forget()


def invitations_section(who: Actor, site: str, run_id: int) -> None:
    """The Panel page's invitations, for whoever may write to the site's people."""
    st.subheader(tr("invite.title"))
    st.caption(tr("invite.help"))
    texts = attempt(uc.invitation_texts, db(), who, site)
    if texts is None:
        return
    _meeting(who, site, texts)
    _templates(who, site, texts)
    if texts.meeting_date is None or not texts.meeting_place:
        st.info(tr("invite.no_meeting"))
        return
    _downloads(who, site, run_id)
