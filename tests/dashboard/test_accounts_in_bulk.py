"""Accounts in bulk on the dashboard: an admin uploads the file, downloads the passwords once;
a new user signs in with a one-time password and must set their own before any page.
"""

from __future__ import annotations

import csv
import io

import pytest
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy import select
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import User
from tests.dashboard.conftest import APP, DemoDb, open_page, signed_in

USERS = (
    "login,role,organisation,email\n"
    "amara,partner,Démocratie Ouverte (demo),amara@example.org\n"
    "sami,evaluator,,\n"
)
MINE = "a password of my own"


class _Stores:
    def __init__(self) -> None:
        self.made: list[MemoryMediaFileStorage] = []


@pytest.fixture
def stores(monkeypatch: pytest.MonkeyPatch) -> _Stores:
    kept = _Stores()

    class KeptStorage(MemoryMediaFileStorage):
        def __init__(self, media_endpoint: str) -> None:
            super().__init__(media_endpoint)
            kept.made.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)
    return kept


def _upload(at: AppTest, text: str) -> AppTest:
    at.file_uploader(key="accounts_file").set_value(("users.csv", text.encode(), "text/csv")).run()
    at.button(key="accounts_submit").click().run()
    assert not at.exception, at.exception
    return at


def _passwords(at: AppTest, stores: _Stores) -> dict[str, str]:
    url = at.get_by_key("accounts_passwords").proto.url
    data = stores.made[-1].get_file(url.rsplit("/", 1)[-1]).content.decode("utf-8")
    return {row["login"]: row["password"] for row in csv.DictReader(io.StringIO(data))}


def _sign_in(login: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="signin_login").input(login)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click().run()
    assert not at.exception, at.exception
    return at


def test_an_admin_imports_accounts_and_the_passwords_are_offered_once(
    own_db: DemoDb, stores: _Stores
) -> None:
    at = _upload(open_page(signed_in(own_db, "admin"), "account"), USERS)
    assert (
        "2 account(s) created, 0 already there, 0 organisation(s) created." in at.success[0].value
    )
    passwords = _passwords(at, stores)
    assert sorted(passwords) == ["amara", "sami"]
    page_text = " ".join(
        str(e.value) for e in (*at.markdown, *at.caption, *at.success, *at.warning)
    )
    assert all(p not in page_text for p in passwords.values())
    at.run()  # the next rerun (e.g. after the download): gone
    assert not at.get("download_button")

    # A new user: the right one-time password leads to the new-password form, no page.
    at = _sign_in("amara", passwords["amara"])
    assert "one-time password" in at.info[0].value
    assert at.session_state["signin_must_change"] == "amara"
    assert "actor" not in at.session_state
    at.text_input(key="change_old").input(passwords["amara"])
    at.text_input(key="change_new").input(MINE)
    at.text_input(key="change_again").input(MINE + "!")
    at.button(key="change_submit").click().run()
    assert "differ" in at.error[0].value and "actor" not in at.session_state
    at.text_input(key="change_old").input(passwords["amara"])
    at.text_input(key="change_new").input(MINE)
    at.text_input(key="change_again").input(MINE)
    at.button(key="change_submit").click().run()
    assert not at.exception, at.exception
    assert at.session_state["actor"].login == "amara"
    database = open_database(f"sqlite:///{own_db.path}")
    try:
        assert uc.authenticate(database, "amara", MINE).role == "partner"
    finally:
        database.dispose()


def test_a_bad_accounts_file_creates_nothing_and_says_which_rows(own_db: DemoDb) -> None:
    bad = "login,role,organisation,email\nzoe,partner,,\nzoe,evaluator,,\n"
    at = _upload(open_page(signed_in(own_db, "admin"), "account"), bad)
    assert "Nothing was created" in at.error[0].value
    table = at.dataframe[-1].value.to_string()
    assert "Row 2 (zoe): a partner must belong" in table and "Row 3: login 'zoe'" in table
    assert not at.get("download_button")
    database = open_database(f"sqlite:///{own_db.path}")
    try:
        with database.unit_of_work() as session:
            assert session.execute(select(User).where(User.login == "zoe")).first() is None
    finally:
        database.dispose()


def test_only_admins_see_the_accounts_upload(shared_db: DemoDb) -> None:
    headings = {
        login: [h.value for h in open_page(signed_in(shared_db, login), "account").subheader]
        for login in ("admin", "coordinator")
    }
    assert "Accounts in bulk" in headings["admin"]
    assert "Accounts in bulk" not in headings["coordinator"]
