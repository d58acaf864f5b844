"""The database layer: migrations, the schema check, SQLite pragmas, units of work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from klero.app import main
from quotas.problems import KleroError
from recruitment import db as dbmod
from recruitment.db import database_url, head_revision, open_database, upgrade
from recruitment.models import Organisation
from tests.recruitment.conftest import Backend, pg_url


def test_default_url_is_a_sqlite_file_under_klero_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KLERO_DATABASE_URL", raising=False)
    monkeypatch.setenv("KLERO_HOME", str(tmp_path))
    assert database_url() == f"sqlite:///{tmp_path / 'klero.sqlite'}"
    monkeypatch.setenv("KLERO_DATABASE_URL", "postgresql+psycopg://x@h/db")
    assert database_url() == "postgresql+psycopg://x@h/db"
    assert database_url("sqlite:///given.sqlite") == "sqlite:///given.sqlite"


def test_a_fresh_database_is_refused_until_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'klero.sqlite'}"
    with pytest.raises(KleroError) as caught:
        open_database(url)
    assert caught.value.code == "db_not_initialised"
    assert "klero db upgrade" in caught.value.message
    assert upgrade(url) == head_revision()
    open_database(url).dispose()


def test_an_old_schema_is_refused_naming_the_upgrade_command(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend this code knows a newer revision than the database has.
    current = head_revision()
    monkeypatch.setattr(dbmod, "head_revision", lambda: "9999")
    monkeypatch.setattr(dbmod, "known_revisions", lambda: {current, "9999"})
    with pytest.raises(KleroError) as caught:
        open_database(db_url)
    assert caught.value.code == "db_schema_out_of_date"
    assert "klero db upgrade" in caught.value.message


def test_sqlite_has_foreign_keys_and_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite'}"
    upgrade(url)
    database = open_database(url)
    with database.engine.connect() as c:
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    database.dispose()


def test_a_unit_of_work_commits_or_rolls_back_as_a_whole(db_url: str) -> None:
    database = open_database(db_url)
    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        session.add(Organisation(name="lost"))
        session.flush()
        raise RuntimeError("boom")
    with database.unit_of_work() as session:
        session.add(Organisation(name="kept"))
    with database.unit_of_work() as session:
        names = session.execute(select(Organisation.name)).scalars().all()
        assert names == ["kept"]
        assert session.execute(select(func.count(Organisation.id))).scalar_one() == 1
    database.dispose()


def test_upgrade_twice_is_harmless(db_url: str) -> None:
    assert upgrade(db_url) == head_revision()


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["db", "downgrade", "--to", "0003", "--yes"]]
)
def test_a_database_that_cannot_be_reached_is_one_line_exit_3(
    backend: Backend,
    tmp_path: Path,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    if backend.kind == "postgresql":
        url = pg_url(f"klero_missing_{backend.token}")  # a database that does not exist
        expected = "Cannot connect to the database"
    else:
        (tmp_path / "a-file").write_text("not a folder")
        url = f"sqlite:///{tmp_path / 'a-file' / 'klero.sqlite'}"
        expected = "klero.sqlite"
    assert main([*command, "--database-url", url]) == 3
    err = capsys.readouterr().err
    assert expected in err and "Unexpected error" not in err and "Traceback" not in err
