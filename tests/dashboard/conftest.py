"""Fixtures: one demo database per test session, copied for tests that change it.

The dashboard reads ``KLERO_DATABASE_URL``; each test points it at its database and
drives ``dashboard/app.py`` with Streamlit's ``AppTest``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from streamlit.testing.v1 import AppTest

from recruitment.demo import create_demo
from recruitment.security import set_password_cost

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PAGES = {
    "sites": "views/sites.py",
    "pool": "views/pool.py",
    "quotas": "views/quotas.py",
    "selection": "views/selection.py",
    "batch": "views/batch.py",
    "balance": "views/balance.py",
    "weights": "views/weights.py",
    "panel": "views/panel.py",
    "audit": "views/audit.py",
    "account": "views/account.py",
}


@dataclass(frozen=True)
class DemoDb:
    """The session's demo database file and its logins (role, organisation, password)."""

    path: Path
    logins: dict[str, tuple[str, str | None, str]]

    def password(self, login: str) -> str:
        return self.logins[login][2]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDb]:
    """A demo deliberation (4 sites, a run at FR-lyon), made once per session."""
    folder = tmp_path_factory.mktemp("dashboard-demo")
    saved = {k: os.environ.get(k) for k in ("KLERO_SECRET_KEY", "KLERO_HOME")}
    os.environ["KLERO_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ["KLERO_HOME"] = str(folder)
    set_password_cost(2**4)
    path = folder / "demo.sqlite"
    # The plan's first four sites, one panel drawn (FR-lyon's): the pages' tests read them.
    sites = ("FR-lyon", "FR-lille", "KE-nairobi", "BR-recife")
    demo = create_demo(f"sqlite:///{path}", pool_size=200, sites=sites, select="first")
    yield DemoDb(path, demo.logins)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def shared_db(demo_db: DemoDb, monkeypatch: pytest.MonkeyPatch) -> DemoDb:
    """The session's demo database, for tests that only read."""
    monkeypatch.setenv("KLERO_DATABASE_URL", f"sqlite:///{demo_db.path}")
    return demo_db


@pytest.fixture
def own_db(demo_db: DemoDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DemoDb:
    """A private copy of the demo database, for tests that change it."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_db.path, path)
    monkeypatch.setenv("KLERO_DATABASE_URL", f"sqlite:///{path}")
    return DemoDb(path, demo_db.logins)


# CommonMark shows a backslash before an ASCII punctuation mark as the mark alone.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: object) -> str:
    """What a Markdown element shows of text escaped by ``dashboard.ui.plain`` (no backslashes)."""
    return _ESCAPED.sub(r"\1", str(markdown))


def signed_in(db: DemoDb, login: str, *, lang: str = "en") -> AppTest:
    """The app after signing in as ``login`` through the form."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="signin_login").input(login)
    at.text_input(key="signin_password").input(db.password(login))
    at.button(key="signin_submit").click()
    at.run()
    assert not at.exception, at.exception
    return at


def open_page(at: AppTest, page: str, site: str | None = None) -> AppTest:
    """Switch to ``page`` (after choosing ``site``) and render it."""
    if site is not None:
        at.selectbox(key="site").select(site)
        at.run()
    at.switch_page(PAGES[page])
    at.run()
    return at
