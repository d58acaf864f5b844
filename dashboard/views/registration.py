"""A site's registration, for its partner: the public link, dates, consent, paper and phone.

The public link to share (one per language), the dates between which the public page
takes sign-ups, the consent text per language, the printable form (HTML and PDF) and
read-aloud script in any language, and the entry of a batch of paper forms.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import streamlit as st

from dashboard.data import forget
from dashboard.i18n import LANGUAGES, format_date
from dashboard.paper_forms import paper_forms
from dashboard.registration_texts import (
    consent_text,
    form_in_chosen_language,
    read_aloud,
    sheet,
    state_message,
)
from dashboard.ui import attempt, db, lang, plain, show_error, site_page, tr
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.reports.registration_sheet import script_html, sheet_html, sheet_pdf

who, site = site_page("registration")
settings = attempt(uc.registration_settings, db(), who, site)
if settings is None:
    st.stop()
    raise RuntimeError("unreachable")


def _base_url() -> str:
    """This server's address as the browser sees it (the public page lives on it too)."""
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _link(code: str) -> str:
    return f"{_base_url()}/register?site={site}&lang={code}"


st.subheader(tr("registration.link"))
st.caption(tr("registration.link_help"))
for code in settings.languages:  # the site's languages (every one when it names none)
    st.markdown(f"{plain(LANGUAGES[code])}: `{_link(code)}`")

form = attempt(uc.site_form, db(), who, site, lang())
if form is not None:
    closed = state_message(form, lang())
    if closed is None:
        st.success(tr("registration.open_now", closes=format_date(form.closes, lang())))
    else:
        st.info(plain(closed))
        if form.state(uc.today_utc()) == "not_ready":
            st.info(tr("registration.no_questions"))

st.subheader(tr("registration.dates"))
with st.form("registration_dates"):
    cols = st.columns(2)
    opens = cols[0].date_input(tr("registration.opens"), value=settings.opens, key="reg_opens")
    closes = cols[1].date_input(tr("registration.closes"), value=settings.closes, key="reg_closes")
    save_dates = st.form_submit_button(tr("registration.save_dates"), key="reg_dates_go")
if save_dates:
    chosen = [d if isinstance(d, date) else None for d in (opens, closes)]
    try:
        uc.set_registration_dates(db(), who, site, *chosen)
    except KleroError as error:
        show_error(error)
    else:
        st.rerun()
if settings.opens is not None and st.button(tr("registration.shut"), key="reg_shut"):
    attempt(uc.set_registration_dates, db(), who, site, None, None)
    st.rerun()

st.subheader(tr("registration.consent"))
st.caption(tr("registration.consent_help"))
consent_lang, in_lang = form_in_chosen_language(who, site, "reg_consent_lang")
if in_lang is not None:
    with st.form("registration_consent"):
        written = st.text_area(
            tr("registration.consent"),
            value=settings.consents.get(consent_lang, ""),
            placeholder=consent_text(in_lang),
            height=150,
            key=f"reg_consent_{consent_lang}",
        )
        save_consent = st.form_submit_button(tr("registration.save_consent"), key="reg_consent_go")
    if save_consent:
        try:
            uc.set_consent_text(db(), who, site, consent_lang, written)
        except KleroError as error:
            show_error(error)
        else:
            st.session_state["reg_saved"] = True
            st.rerun()  # the form and script below read the new text
    if st.session_state.pop("reg_saved", False):
        st.success(tr("registration.saved"))

    st.subheader(tr("registration.print"))
    st.caption(tr("registration.print_help"))
    printed = sheet(in_lang)
    script = read_aloud(in_lang)
    title = tr("script.title", site=in_lang.site_name)
    # label, data, what and suffix (the file's name and widget's key), type
    downloads: tuple[tuple[str, str | bytes, str, str], ...] = (
        ("registration.form_html", sheet_html(printed), "form.html", "text/html"),
        ("registration.form_pdf", sheet_pdf(printed), "form.pdf", "application/pdf"),
        (
            "registration.script_html",
            script_html(consent_lang, title, script),
            "script.html",
            "text/html",
        ),
    )
    for column, (label, data, kind, mime) in zip(st.columns(3), downloads, strict=True):
        name, suffix = kind.split(".")
        column.download_button(
            tr(label),
            data,
            file_name=f"{site}-{name}-{consent_lang}.{suffix}",
            mime=mime,
            key=f"reg_{name}_{suffix}",
        )
    with st.expander(plain(title)):
        for line in script:
            st.markdown(plain(line))

if form is not None and form.questions:
    st.subheader(tr("registration.paper"))
    st.caption(tr("registration.paper_help"))
    if paper_forms(who, site, form):
        forget()
