"""The Kleroterion dashboard: ``streamlit run dashboard/app.py``.

Signs the user in, then shows only the pages their role may use (``dashboard.ui.PAGES``),
with a language switch and the site chooser in the sidebar. The database URL comes from
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

from dashboard.i18n import LANGUAGES  # noqa: E402
from dashboard.ui import PAGES, actor, attempt, db, plain, sign_in, sign_out, tr  # noqa: E402
from recruitment import usecases as uc  # noqa: E402


def _language_switch() -> None:
    codes = list(LANGUAGES)
    st.sidebar.selectbox(
        "🌐", codes, format_func=lambda c: LANGUAGES[c], key="lang", label_visibility="collapsed"
    )


def _sign_in_page() -> None:
    st.title(tr("signin.title"))
    st.caption(tr("app.tagline"))
    if st.session_state.get("expired"):
        st.info(tr("signin.expired"))
    with st.form("signin", clear_on_submit=True):
        login = st.text_input(tr("signin.login"), key="signin_login")
        password = st.text_input(tr("signin.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(tr("signin.submit"), type="primary", key="signin_submit")
    if submitted:
        if sign_in(login, password):
            st.rerun()
        else:
            st.error(tr("signin.failed"))


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
    st.session_state.setdefault("lang", "en")
    _language_switch()
    who = actor()
    if who is None:
        st.navigation([st.Page(_sign_in_page, title=tr("signin.title"), url_path="signin")]).run()
        return
    pages = [
        st.Page(path, title=tr(f"page.{key}"), icon=icon, url_path=key)
        for key, (path, roles, icon) in PAGES.items()
        if who.role in roles
    ]
    _site_chooser()
    st.sidebar.caption(tr("signin.as", login=plain(who.login), role=tr(f"role.{who.role}")))
    if st.sidebar.button(tr("signin.out"), key="signout"):
        sign_out()
        st.rerun()
    st.navigation(pages).run()


main()
