"""``make run``'s launcher: the demo in an empty database, older schemas brought up to date."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dashboard.serve import bring_up_to_date, prepare
from quotas.problems import KleroError
from recruitment.db import current_revision, head_revision, open_database, upgrade
from recruitment.demo import has_users


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KLERO_HOME", str(tmp_path))
    return tmp_path


def test_empty_database_gets_the_demo_once(home: Path) -> None:
    url = f"sqlite:///{home / 'klero.sqlite'}"
    assert bring_up_to_date(url) is None
    logins = prepare(url)
    assert logins is not None and has_users(url)
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    assert "partner-fr\tpartner" in logins.read_text("utf-8")
    assert prepare(url) is None  # a second start changes nothing


def test_database_of_an_older_version_is_upgraded_not_refused(home: Path) -> None:
    url = f"sqlite:///{home / 'old.sqlite'}"
    upgrade(url, "0001")
    with pytest.raises(KleroError) as refused:
        open_database(url)
    assert refused.value.code == "db_schema_out_of_date"
    assert bring_up_to_date(url) == head_revision()
    db = open_database(url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()
