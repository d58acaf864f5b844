"""Signing in to the dashboard: failures audited, the lockout shown, the one-time code step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import AuditEvent
from recruitment.usecases import lockout, signin
from tests.dashboard.conftest import APP, DemoDb, shown

T0 = datetime(2026, 12, 1, 9, 0, 10, tzinfo=UTC)
WRONG = "not the password at all"


def _attempt(login: str, password: str, *, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="signin_login").input(login)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click().run()
    assert not at.exception, at.exception
    return at


def _failures(db: DemoDb) -> list[AuditEvent]:
    database = open_database(f"sqlite:///{db.path}")
    try:
        with database.unit_of_work() as session:
            query = select(AuditEvent).where(AuditEvent.action == "auth.failed")
            return list(session.execute(query.order_by(AuditEvent.id)).scalars())
    finally:
        database.dispose()


def test_a_failed_sign_in_is_recorded_as_from_the_dashboard(own_db: DemoDb) -> None:
    at = _attempt("partner-fr", WRONG)
    assert [e.value for e in at.error] == ["Sign-in failed: unknown login or wrong password."]
    [event] = _failures(own_db)
    assert (event.entity_id, event.after) == (
        "partner-fr",
        {"from": "dashboard", "reason": "wrong_password"},
    )


def test_five_failures_show_the_lock_and_its_time_left_translated(
    own_db: DemoDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signin, "clock", lambda: T0)
    for _ in range(lockout.FAILURE_LIMIT):
        _attempt("partner-fr", WRONG)
    at = _attempt("partner-fr", own_db.password("partner-fr"))
    [error] = at.error
    message = shown(error.value)
    assert "'partner-fr' is locked" in message and "15 minute(s), at 09:15 UTC" in message
    assert "actor" not in at.session_state
    french = _attempt("partner-fr", own_db.password("partner-fr"), lang="fr")
    french_message = shown(french.error[0].value)
    assert "est bloqué" in french_message and "15 minute(s)" in french_message


def test_a_user_with_a_second_factor_gives_the_code_in_a_second_step(
    own_db: DemoDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = own_db.password("coordinator")
    database = open_database(f"sqlite:///{own_db.path}")
    try:
        coordinator = uc.authenticate(database, "coordinator", password)
        secret = uc.enable_totp(database, coordinator).secret
        uc.confirm_totp(database, coordinator, pyotp.TOTP(secret).at(T0), now=T0)
    finally:
        database.dispose()
    later = T0 + timedelta(minutes=1)
    monkeypatch.setattr(signin, "clock", lambda: later)

    at = _attempt("coordinator", password)
    assert "actor" not in at.session_state  # not signed in yet
    assert "coordinator: enter the 6-digit code" in at.info[0].value
    assert password not in [str(at.session_state[k]) for k in at.session_state]
    right = pyotp.TOTP(secret).at(later)
    valid = {pyotp.TOTP(secret).at(later + timedelta(seconds=s)) for s in (-30, 0, 30)}
    at.text_input(key="signin_code").input(
        next(c for c in ("000000", "111111", "222222") if c not in valid)
    )
    at.button(key="signin_code_submit").click().run()
    assert [e.value for e in at.error] == [
        "Sign-in failed: the code is wrong, expired or already used. Use the next code your "
        "app shows."
    ]
    at.text_input(key="signin_code").input(right)
    at.button(key="signin_code_submit").click().run()
    assert not at.exception, at.exception
    assert at.session_state["actor"].login == "coordinator"
    assert at.button(key="signout")  # the signed-in sidebar
    assert [e.after["reason"] for e in _failures(own_db) if e.after] == ["totp_wrong"]
