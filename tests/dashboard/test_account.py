"""The Account page: a second factor set up and removed from the dashboard; admins lift locks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

import pyotp
import pytest
from streamlit.testing.v1 import AppTest

from recruitment import usecases as uc
from recruitment.db import Database, open_database
from recruitment.usecases import signin
from tests.dashboard.conftest import DemoDb, open_page, shown, signed_in

WRONG = "not the password at all"


@contextmanager
def _database(demo: DemoDb) -> Iterator[Database]:
    database = open_database(f"sqlite:///{demo.path}")
    try:
        yield database
    finally:
        database.dispose()


# The service's clock, fixed (each test sets it), so that codes never cross a 30-s step.
T0 = datetime(2026, 12, 1, 9, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "clock", lambda: T0)


def _step_start() -> int:
    return int(T0.timestamp()) // 30 * 30


def _wrong_code(secret: str) -> str:
    valid = {pyotp.TOTP(secret).at(_step_start() + s) for s in (-30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def _account(demo: DemoDb, login: str) -> AppTest:
    return open_page(signed_in(demo, login), "account")


def test_a_coordinator_sets_up_and_removes_a_second_factor(own_db: DemoDb) -> None:
    at = _account(own_db, "coordinator")
    assert not at.exception, at.exception
    assert "Add a second factor" in at.info[0].value
    at.button(key="factor_enable").click().run()
    [key] = at.code  # the key is shown once, as text (and as a QR code)
    secret = key.value
    assert at.get("image")  # the QR code an authenticator app scans

    at.text_input(key="factor_code").input(_wrong_code(secret))
    at.button(key="factor_confirm").click().run()
    assert "not the code" in shown(at.error[0].value)
    with _database(own_db) as db:
        coordinator = uc.authenticate(db, "coordinator", own_db.password("coordinator"))
        assert uc.second_factor_state(db, coordinator) == uc.FactorState.PENDING

    at.text_input(key="factor_code").input(pyotp.TOTP(secret).at(T0))
    at.button(key="factor_confirm").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Second factor confirmed" in at.success[0].value
    assert not at.code  # never shown again
    with _database(own_db) as db:
        checked = uc.check_password(db, "coordinator", own_db.password("coordinator"))
        assert isinstance(checked, uc.PasswordChecked)  # sign-in now asks for a code


def test_removing_a_second_factor_needs_a_current_code(own_db: DemoDb) -> None:
    with _database(own_db) as db:
        coordinator = uc.authenticate(db, "coordinator", own_db.password("coordinator"))
        secret = uc.enable_totp(db, coordinator).secret
        # Each code is used once: confirm with the last step's, sign in with this one's,
        # remove with the next one's (sign-in accepts one step of clock drift).
        uc.confirm_totp(db, coordinator, pyotp.TOTP(secret).at(_step_start() - 30))
    # Sign in through the form's code step.
    at = AppTest.from_file(signed_in.__globals__["APP"], default_timeout=60)
    at.run()
    at.text_input(key="signin_login").input("coordinator")
    at.text_input(key="signin_password").input(own_db.password("coordinator"))
    at.button(key="signin_submit").click().run()
    totp = pyotp.TOTP(secret)
    at.text_input(key="signin_code").input(totp.at(_step_start()))
    at.button(key="signin_code_submit").click().run()
    assert at.session_state["actor"].login == "coordinator"
    open_page(at, "account")
    assert "second factor is on" in at.success[0].value
    at.text_input(key="factor_code").input(_wrong_code(secret))
    at.button(key="factor_disable").click().run()
    assert at.error
    with _database(own_db) as db:
        assert uc.second_factor_state(db, coordinator) == uc.FactorState.ON
    at.text_input(key="factor_code").input(totp.at(_step_start() + 30))
    at.button(key="factor_disable").click().run()
    assert "Second factor removed" in at.success[0].value
    with _database(own_db) as db:
        assert uc.second_factor_state(db, coordinator) == uc.FactorState.OFF


def test_an_admin_sees_and_lifts_a_lock(own_db: DemoDb) -> None:
    with _database(own_db) as db:
        for _ in range(5):
            try:
                uc.authenticate(db, "partner-fr", WRONG)
            except uc.LoginLocked:
                raise
            except Exception:
                pass
        with suppress(Exception):
            uc.authenticate(db, "no-such-login", WRONG)
    at = _account(own_db, "admin")
    [table] = at.dataframe
    assert list(table.value.iloc[:, 0]) == ["partner-fr"]
    assert "no-such-login" not in str(at)  # unknown logins are counted, never shown
    assert any("do not exist" in c.value for c in at.caption)
    at.selectbox(key="unlock_login").select("partner-fr")
    at.button(key="unlock_submit").click().run()
    assert "partner-fr unlocked" in shown(at.success[0].value)
    with _database(own_db) as db:
        assert (
            uc.authenticate(db, "partner-fr", own_db.password("partner-fr")).login == "partner-fr"
        )


def test_partners_see_their_second_factor_but_no_locks(shared_db: DemoDb) -> None:
    at = _account(shared_db, "partner-fr")
    assert not at.exception, at.exception
    assert at.button(key="factor_enable")
    assert not at.dataframe and "unlock_submit" not in [b.key for b in at.button]
