"""Your account: a second factor (one-time codes from an authenticator app); admins: sign-in
locks and accounts in bulk (their one-time passwords offered once, as a download).

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
from dashboard.ui import (
    attempt,
    db,
    guard,
    lang,
    plain,
    read_upload,
    show_error,
    show_problems,
    tr,
)
from quotas.problems import InvalidInput, KleroError, errors_only
from recruitment import usecases as uc
from recruitment.permissions import Action, allowed

who = guard("account")
st.title(tr("page.account"))
st.caption(tr("signin.as", login=plain(who.login), role=tr(f"role.{who.role}")))
SETUP = "_totp_setup"  # the new key, until its first code confirms it
DONE = "_account_done"  # what the last change did, shown once
IMPORTED = "_accounts_imported"  # the last import's report, shown once
PASSWORDS = "_accounts_passwords"  # its one-time passwords (CSV bytes), offered once
REFUSED = "_accounts_refused"  # the problems of a refused import, shown once


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


def _import_accounts() -> None:
    upload = st.session_state.get("accounts_file")
    if upload is None:
        return
    path, frame, problems = read_upload(upload)
    path.unlink(missing_ok=True)  # it holds e-mail addresses: kept no longer than needed
    delivered: list[bytes] = []

    def deliver(passwords: list[uc.OneTimePassword]) -> None:
        delivered.append(uc.password_file_text(passwords).encode("utf-8"))

    try:
        if frame is None or errors_only(problems):
            raise InvalidInput(problems)
        st.session_state[IMPORTED] = uc.import_users(db(), who, uc.user_rows(frame), deliver)
    except InvalidInput as refused:
        st.session_state[REFUSED] = list(refused.problems)
        return
    except KleroError as error:
        st.session_state[REFUSED] = error
        return
    if delivered:
        st.session_state[PASSWORDS] = delivered[0]


def _accounts_in_bulk() -> None:
    st.subheader(tr("account.import"))
    st.caption(tr("account.import_help"))
    st.file_uploader(tr("account.import_file"), type=["csv", "xlsx"], key="accounts_file")
    st.button(tr("account.import_submit"), key="accounts_submit", on_click=_import_accounts)
    refused = st.session_state.pop(REFUSED, None)
    if isinstance(refused, KleroError):
        show_error(refused)
    elif refused:
        show_problems(refused, "account.import_refused")
    report = st.session_state.pop(IMPORTED, None)
    if isinstance(report, uc.UserImportReport):
        counts = {
            "created": format_number(len(report.created), lang()),
            "existing": format_number(len(report.existing), lang()),
            "organisations": format_number(len(report.organisations), lang()),
        }
        st.success(tr("account.import_done", **counts))
        if report.problems:
            show_problems(report.problems, "account.import_notes")
    data = st.session_state.pop(PASSWORDS, None)  # gone at the next rerun: offered once
    if isinstance(data, bytes):
        st.warning(tr("account.import_once"))
        st.download_button(
            tr("account.import_download"),
            data,
            file_name="klero-passwords.csv",
            mime="text/csv",
            key="accounts_passwords",
        )


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
    _accounts_in_bulk()
