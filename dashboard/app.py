"""The Kleroterion dashboard: ``streamlit run dashboard/app.py``.

Signs the user in (the password, then a one-time code for users with a second factor),
then shows only the pages their role may use (``dashboard.ui.PAGES``), with a language
switch and the site chooser in the sidebar. The database URL comes from
``KLERO_DATABASE_URL`` (default: the SQLite file under ``KLERO_HOME``).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Streamlit puts this folder, not the repository, on sys.path when run from a checkout.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard.i18n import LANGUAGES, PSEUDO, direction  # noqa: E402
from dashboard.ui import (  # noqa: E402
    PAGES,
    REGISTER_PAGE,
    RTL_STYLE,
    actor,
    attempt,
    cancel_sign_in,
    change_first_password,
    db,
    lang,
    must_change,
    pending_code,
    plain,
    show_error,
    sign_in,
    sign_in_code,
    sign_out,
    tr,
)
from quotas.problems import KleroError  # noqa: E402
from recruitment import usecases as uc  # noqa: E402

# Streamlit's captions are a light grey (#828180: 3.9:1 on white), below WCAG 2.1 AA's 4.5:1
# for small text; this grey reads at 7:1 on white and 6:1 on the sidebar's background.
_READABLE = (
    "<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p"
    " { color: #555555 !important; opacity: 1 !important; }</style>"
)


def _language_switch() -> None:
    codes = list(LANGUAGES)
    if st.session_state.get("lang") == PSEUDO:  # set by the pseudo-locale test only
        codes.append(PSEUDO)
    st.sidebar.selectbox(
        "🌐",
        codes,
        format_func=lambda c: LANGUAGES.get(c, c),
        key="lang",
        label_visibility="collapsed",
    )
    if direction(lang()) == "rtl":
        st.html(f"<style>{RTL_STYLE}</style>")


def _language_from_link() -> None:
    """A link's ``?lang=`` (the public registration page's) sets the language, once per link."""
    wanted = st.query_params.get("lang")
    if wanted in LANGUAGES and wanted != st.session_state.get("_link_lang"):
        st.session_state["lang"] = wanted
        st.session_state["_link_lang"] = wanted


def _register_page() -> st.Page:
    """The public registration page (no sign-in), at /register."""
    return st.Page(
        REGISTER_PAGE, title=tr("page.register"), icon=":material/how_to_reg:", url_path="register"
    )


def _show_sign_in_error(error: KleroError) -> None:
    # A wrong password and an unknown login read the same; a lock says how long it lasts.
    if error.code == "login_failed":
        st.error(tr("signin.failed"))
    elif error.code == "totp_failed":
        st.error(tr("signin.code_failed"))
    else:
        show_error(error)


def _code_step() -> None:
    checked = pending_code()
    assert checked is not None
    st.info(tr("signin.code_intro", login=checked.login))
    with st.form("signin_code_form", clear_on_submit=True):
        code = st.text_input(tr("signin.code"), key="signin_code", max_chars=10)
        submitted = st.form_submit_button(
            tr("signin.code_submit"), type="primary", key="signin_code_submit"
        )
    if st.button(tr("signin.cancel"), key="signin_cancel"):
        cancel_sign_in()
        st.rerun()
    if submitted:  # locked or too late: back to the password
        _after_step(sign_in_code(code), still_here=pending_code() is not None)


def _after_step(error: KleroError | None, still_here: bool) -> None:
    """After a sign-in step: on to the app, the error on this step, or back to the password."""
    if error is None:
        st.rerun()
    elif not still_here:
        st.session_state["signin_error"] = error
        st.rerun()
    else:
        _show_sign_in_error(error)


def _change_step(login: str) -> None:
    """A one-time password was right: the user sets their own before anything else."""
    st.info(tr("signin.change_intro", login=plain(login)))
    with st.form("signin_change_form", clear_on_submit=True):
        current = st.text_input(tr("signin.password_current"), type="password", key="change_old")
        new = st.text_input(tr("signin.password_new"), type="password", key="change_new")
        again = st.text_input(tr("signin.password_again"), type="password", key="change_again")
        submitted = st.form_submit_button(
            tr("signin.change_submit"), type="primary", key="change_submit"
        )
    if st.button(tr("signin.cancel"), key="change_cancel"):
        cancel_sign_in()
        st.rerun()
    if not submitted:
        return
    if new != again:
        st.error(tr("signin.password_mismatch"))
        return
    error = change_first_password(current, new)
    # A wrong password or a lock sends the user back to the password.
    _after_step(error, still_here=must_change() is not None)


def _sign_in_page() -> None:
    st.title(tr("signin.title"))
    st.caption(tr("app.tagline"))
    if st.session_state.get("expired"):
        st.info(tr("signin.expired"))
    earlier = st.session_state.pop("signin_error", None)
    if isinstance(earlier, KleroError):
        _show_sign_in_error(earlier)
    if pending_code() is not None:
        _code_step()
        return
    changing = must_change()
    if changing is not None:
        _change_step(changing)
        return
    with st.form("signin", clear_on_submit=True):
        login = st.text_input(tr("signin.login"), key="signin_login")
        password = st.text_input(tr("signin.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(tr("signin.submit"), type="primary", key="signin_submit")
    if submitted:
        error = sign_in(login, password)
        if error is None:
            st.rerun()  # signed in, or on to the code or the new password
        else:
            _show_sign_in_error(error)


def _site_chooser() -> None:
    who = actor()
    assert who is not None
    sites = attempt(uc.list_sites, db(), who) or []
    codes = [s.code for s in sites]
    if not codes:
        st.sidebar.info(tr("site.none_visible"))
        st.session_state.pop("site", None)
        return
    if st.session_state.get("site") not in codes:
        st.session_state["site"] = codes[0]
    names = {s.code: f"{s.code} · {s.name}" for s in sites}
    st.sidebar.selectbox(tr("site.choose"), codes, format_func=names.__getitem__, key="site")


def main() -> None:
    """Build the page list for the signed-in user's role and run the chosen page."""
    st.set_page_config(page_title="Kleroterion", page_icon="🏛️", layout="wide")
    st.html(_READABLE)
    st.session_state.setdefault("lang", "en")
    _language_from_link()
    _language_switch()
    who = actor()
    if who is None:
        signin = st.Page(_sign_in_page, title=tr("signin.title"), url_path="signin", default=True)
        st.navigation([signin, _register_page()], position="hidden").run()
        return
    pages = [
        st.Page(path, title=tr(f"page.{key}"), icon=icon, url_path=key)
        for key, (path, roles, icon) in PAGES.items()
        if who.role in roles
    ]
    pages.append(_register_page())
    _site_chooser()
    st.sidebar.caption(tr("signin.as", login=plain(who.login), role=tr(f"role.{who.role}")))
    if st.sidebar.button(tr("signin.out"), key="signout"):
        sign_out()
        st.rerun()
    # Every page listed (Streamlit folds a menu of more than ten behind "View more").
    st.navigation(pages, expanded=True).run()


main()
