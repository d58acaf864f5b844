"""The public registration page, ``/register?site=SITE&lang=LANG``: no sign-in.

Asks the site's criteria (one choice each), a way to reach the person and their consent,
then gives a reference number. The protections are the use case's
(``recruitment.usecases.registration``): the hidden field below, the rate limit per
client address and the site's dates. An unknown site or language is said plainly.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dashboard.i18n import LANGUAGES
from dashboard.registration_texts import consent_text, state_message
from dashboard.ui import attempt, current_site, db, lang, plain, show_error, tr
from quotas.problems import KleroError
from recruitment import usecases as uc

HONEYPOT = "pub_website"


def _stop() -> None:
    st.stop()
    raise RuntimeError("unreachable")  # st.stop() raises; this keeps type checkers calm


def _site() -> str:
    asked = st.query_params.get("site") or current_site()
    if not asked:
        st.error(tr("register.no_site"))
        _stop()
    return str(asked)


def _check_language(site: str) -> None:
    asked = st.query_params.get("lang")
    if asked is None or asked in LANGUAGES:
        return
    st.error(tr("register.unknown_lang", code=plain(asked)))
    for code, name in LANGUAGES.items():
        # The site comes from the link as typed: quoted, it cannot break out of the URL.
        st.markdown(f"- [{plain(name)}](?{urlencode({'site': site, 'lang': code})})")
    _stop()


def _form() -> uc.RegistrationForm:
    site = _site()
    _check_language(site)
    try:
        return uc.registration_form(db(), site, lang())
    except KleroError as error:
        if error.code == "site_not_found":
            st.error(tr("register.unknown_site", site=plain(site)))
        else:
            show_error(error)
        _stop()
        raise


def _outcome() -> bool:
    """Show the last sign-up's outcome, if any; whether one was shown."""
    done = st.session_state.get("register_done")
    if not isinstance(done, uc.Registered):
        return False
    if done.known:
        st.info(tr("register.known"))
    else:
        st.success(tr("register.done", reference=done.reference))
    if st.button(tr("register.again"), key="register_again"):
        del st.session_state["register_done"]
        st.rerun()
    return True


def _hide_honeypot() -> None:
    # Out of sight and out of the accessibility tree: people never meet it, bots fill it.
    st.html(f"<style>.st-key-{HONEYPOT} {{ display: none; }}</style>")


def _ask(form: uc.RegistrationForm) -> None:
    _hide_honeypot()
    with st.form("public_register"):
        answers: dict[str, str | None] = {}
        for question in form.questions:
            labels = dict(question.options)
            answers[question.criterion] = st.radio(
                plain(question.label),
                list(labels),
                format_func=labels.__getitem__,
                index=None,
                key=f"pub_q_{question.criterion}",
            )
        st.markdown(f"**{tr('register.contact')}**")
        name = st.text_input(tr("pool.name"), key="pub_name", autocomplete="name")
        email = st.text_input(tr("pool.email"), key="pub_email", autocomplete="email")
        phone = st.text_input(tr("pool.phone"), key="pub_phone", autocomplete="tel")
        trap = st.text_input(tr("register.website"), key=HONEYPOT, autocomplete="off")
        st.markdown(plain(consent_text(form)))
        agreed = st.checkbox(tr("register.consent_box"), key="pub_consent")
        sent = st.form_submit_button(tr("register.submit"), type="primary", key="pub_submit")
    if not sent:
        return
    done = attempt(
        uc.register_online,
        db(),
        form.site,
        {k: v for k, v in answers.items() if v is not None},
        {"name": name, "email": email, "phone": phone},
        lang=form.lang,
        consent=agreed,
        client=st.context.ip_address or "",
        honeypot=trap,
    )
    if done is None:
        return
    st.session_state["register_done"] = done
    st.rerun()


form = _form()
st.title(tr("register.title", site=plain(form.site_name)))
if not _outcome():
    closed = state_message(form, lang())
    if closed is not None:
        st.info(plain(closed))
    else:
        st.write(tr("register.intro"))
        _ask(form)
