"""Your account: a second factor (one-time codes from an authenticator app); admins: sign-in locks.

The key of a new second factor is shown once, as a QR code and as text, and kept in this
session only until it is confirmed with a first code; sign-in asks for a code from then on.
Changes run in button callbacks, so the page drawn afterwards shows their result.
"""

from __future__ import annotations

import io

import pandas as pd
import segno
import streamlit as st

from dashboard.i18n import format_date, format_number
from dashboard.ui import attempt, db, guard, lang, plain, tr
from recruitment import usecases as uc
from recruitment.permissions import Action, allowed

who = guard("account")
st.title(tr("page.account"))
st.caption(tr("signin.as", login=plain(who.login), role=tr(f"role.{who.role}")))
SETUP = "_totp_setup"  # the new key, until its first code confirms it
DONE = "_account_done"  # what the last change did, shown once


def _qr_png(uri: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()


def _enable() -> None:
    setup = attempt(uc.enable_totp, db(), who)
    if setup is not None:
        st.session_state[SETUP] = setup


def _confirm() -> None:
    attempt(uc.confirm_totp, db(), who, str(st.session_state.get("factor_code", "")).strip())
    if attempt(uc.second_factor_state, db(), who) == uc.FactorState.ON:
        st.session_state.pop(SETUP, None)
        st.session_state[DONE] = tr("account.factor_confirmed")


def _disable() -> None:
    code = str(st.session_state.get("factor_code", "")).strip()
    if attempt(uc.disable_totp, db(), who, code=code) is not None:
        st.session_state[DONE] = tr("account.factor_disabled")


def _unlock() -> None:
    login = str(st.session_state.get("unlock_login", ""))
    if attempt(uc.unlock_login, db(), who, login) is not None:
        st.session_state[DONE] = tr("account.unlocked", login=plain(login))


if DONE in st.session_state:
    st.success(st.session_state.pop(DONE))

st.subheader(tr("account.factor"))
state = attempt(uc.second_factor_state, db(), who)
setup = st.session_state.get(SETUP)
if state == uc.FactorState.ON:
    st.success(tr("account.factor_on"))
    st.text_input(tr("signin.code"), key="factor_code")
    st.button(tr("account.factor_disable"), key="factor_disable", on_click=_disable)
elif state is not None and setup is None:
    pending = state == uc.FactorState.PENDING
    st.info(tr("account.factor_pending" if pending else "account.factor_off"))
    st.button(tr("account.factor_enable"), key="factor_enable", on_click=_enable)
elif state is not None and setup is not None:
    st.info(tr("account.factor_scan"))
    st.image(_qr_png(setup.uri), width=220)
    st.caption(tr("account.factor_secret"))
    st.code(setup.secret, language=None)
    st.text_input(tr("signin.code"), key="factor_code")
    st.button(tr("account.factor_confirm"), key="factor_confirm", on_click=_confirm)

if allowed(who, Action.MANAGE_ORGANISATIONS):
    st.subheader(tr("account.locks"))
    locks = attempt(uc.sign_in_locks, db(), who)
    if locks is not None and locks.logins:
        table = pd.DataFrame(
            {
                tr("signin.login"): [lock.login for lock in locks.logins],
                tr("col.role"): [tr(f"role.{lock.role}") for lock in locks.logins],
                tr("account.failures"): [lock.failures for lock in locks.logins],
                tr("account.locked_until"): [
                    format_date(lock.locked_until, lang()) if lock.locked_until else "–"
                    for lock in locks.logins
                ],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")
        st.selectbox(tr("signin.login"), [lock.login for lock in locks.logins], key="unlock_login")
        st.button(tr("account.unlock"), key="unlock_submit", on_click=_unlock)
    elif locks is not None:
        st.info(tr("account.locks_none"))
    if locks is not None and locks.unknown_failures:
        count = format_number(locks.unknown_failures, lang())
        st.caption(tr("account.locks_unknown", count=count))
