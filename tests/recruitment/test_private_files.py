"""Files holding personal data are the owner's only: the database (with -wal, -shm), the key."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from klero.app import app, main
from recruitment import usecases as uc
from recruitment.db import open_database, upgrade
from recruitment.private_files import private_folder
from tests.recruitment.conftest import PASSWORD


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common umask 022, under which files and folders are readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KLERO_HOME in a folder that does not exist yet; no database URL from outside."""
    monkeypatch.delenv("KLERO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KLERO_KEY_FILE", raising=False)
    target = tmp_path / "klero-home"
    monkeypatch.setenv("KLERO_HOME", str(target))
    return target


def test_the_database_and_its_wal_and_shm_are_private_from_the_first_write(
    tmp_path: Path, home: Path
) -> None:
    os.chmod(tmp_path, 0o755)
    path = tmp_path / "new" / "deeper" / "klero.sqlite"
    upgrade(f"sqlite:///{path}")
    database = open_database(f"sqlite:///{path}")
    try:
        uc.bootstrap_admin(database, "admin", PASSWORD)
        # While a connection is open SQLite keeps its write-ahead log and shared memory.
        with database.engine.connect():
            files = [path, path.with_name("klero.sqlite-wal"), path.with_name("klero.sqlite-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        database.dispose()
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == 0o755  # a folder we did not create is left as it was


def test_klero_home_is_made_private_and_so_is_an_older_database_in_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    old = home / "klero.sqlite"
    upgrade(f"sqlite:///{old}")
    os.chmod(old, 0o644)  # as an older Kleroterion left it
    os.chmod(home, 0o755)
    open_database().dispose()  # the default URL: klero.sqlite in KLERO_HOME
    assert mode(home) == 0o700
    assert mode(old) == 0o600


def test_a_named_folder_keeps_its_mode_but_a_database_in_it_is_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o775)
    upgrade(f"sqlite:///{shared / 'klero.sqlite'}")
    assert mode(shared) == 0o775
    assert mode(shared / "klero.sqlite") == 0o600


def test_a_shared_sticky_folder_is_never_tightened_even_as_klero_home(tmp_path: Path) -> None:
    sticky = tmp_path / "tmp-like"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    private_folder(sticky, ours=True)
    assert mode(sticky) == 0o1777


def test_klero_key_create_makes_a_private_folder_and_file(home: Path) -> None:
    result = CliRunner().invoke(app, ["key", "create"], env={"KLERO_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert mode(home) == 0o700
    assert mode(home / "secret.key") == 0o600
    elsewhere = home.parent / "keys" / "site.key"
    result = CliRunner().invoke(app, ["key", "create", "--path", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert mode(elsewhere.parent) == 0o700 and mode(elsewhere) == 0o600


def test_a_database_file_that_cannot_be_created_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    url = f"sqlite:///{blocker / 'klero.sqlite'}"
    assert main(["db", "upgrade", "--database-url", url]) == 3
    err = capsys.readouterr().err
    assert f"Cannot create the database file {blocker / 'klero.sqlite'}" in err
    assert "Unexpected error" not in err and "Traceback" not in err
