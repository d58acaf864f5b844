"""Accounts in bulk: checked first, all or nothing, one-time passwords in an owner-only file.

The passwords are written once and never reach standard output, the log or the audit
trail; e-mail addresses are stored encrypted only; a new account must set its own
password before anything else (CLI here; the dashboard in tests/dashboard).
"""

from __future__ import annotations

import csv
import json
import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from klero.app import main
from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.models import AuditEvent, Organisation, User
from recruitment.security import Secrets
from tests.recruitment.conftest import PASSWORD, World

GOOD = (
    "login,role,organisation,email\n"
    "nadia,partner,Org A,nadia@example.org\n"
    "kofi,partner,Org Ghana,Kofi.Mensah@example.org\n"
    "li,coordinator,,\n"
)
BAD = (
    "login,role,organisation,email\n"
    "nadia,partner,Org A,nadia@example.org\n"
    "kofi,partner,,kofi@example.org\n"
    "li,chief,,\n"
    "nadia,evaluator,,\n"
    "mo,evaluator,,not-an-address\n"
)
NEW_PASSWORD = "my own password, long"


def _cli(monkeypatch: pytest.MonkeyPatch, world: World, user: str, password: str) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_USER", user)
    monkeypatch.setenv("KLERO_PASSWORD", password)
    monkeypatch.delenv("KLERO_TOTP", raising=False)
    monkeypatch.delenv("KLERO_NEW_PASSWORD", raising=False)


def _file(tmp_path: Path, text: str, name: str = "users.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _users(world: World) -> dict[str, User]:
    with world.db.unit_of_work() as session:
        users = list(session.execute(select(User)).scalars())
        session.expunge_all()
    return {u.login: u for u in users}


def _trail(world: World) -> str:
    with world.db.unit_of_work() as session:
        events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
        return "\n".join(json.dumps([e.action, e.entity_id, e.after]) for e in events)


def _passwords(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["login"]: row["password"] for row in csv.DictReader(handle)}


def test_an_admin_imports_accounts_passwords_go_once_to_an_owner_only_file(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _cli(monkeypatch, world, "admin", PASSWORD)
    out = tmp_path / "secret" / "passwords.csv"
    out.parent.mkdir()
    assert (
        main(["user", "import", "--file", str(_file(tmp_path, GOOD)), "--passwords-out", str(out)])
        == 0
    )
    printed = capsys.readouterr()
    assert "3 accounts created, 0 already there; 1 organisation created." in printed.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    passwords = _passwords(out)
    assert sorted(passwords) == ["kofi", "li", "nadia"]
    assert len(set(passwords.values())) == 3 and all(len(p) >= 12 for p in passwords.values())
    trail = _trail(world)
    logged = caplog.text
    for secret in [*passwords.values(), "nadia@example.org", "Kofi.Mensah@example.org"]:
        for place in (printed.out, printed.err, logged, trail):
            assert secret not in place
    users = _users(world)
    assert all(users[login].must_change_password for login in passwords)
    assert not users["alice"].must_change_password
    assert users["li"].contact is None
    contact = users["kofi"].contact
    assert contact is not None and b"Kofi" not in contact  # encrypted, not in clear
    assert Secrets.load().decrypt(contact) == {"email": "Kofi.Mensah@example.org"}
    with world.db.unit_of_work() as session:
        ghana = session.execute(
            select(Organisation).where(Organisation.name == "Org Ghana")
        ).scalar_one()
        assert users["kofi"].organisation_id == ghana.id
    assert '"organisation.create"' in trail and '"Org Ghana"' in trail
    assert trail.count('"imported": true') == 3


def test_a_new_account_must_set_its_own_password_before_anything_else(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _cli(monkeypatch, world, "admin", PASSWORD)
    out = tmp_path / "passwords.csv"
    assert (
        main(["user", "import", "--file", str(_file(tmp_path, GOOD)), "--passwords-out", str(out)])
        == 0
    )
    one_time = _passwords(out)["nadia"]
    with pytest.raises(uc.PasswordChangeRequired):
        uc.authenticate(world.db, "nadia", one_time)
    _cli(monkeypatch, world, "nadia", one_time)
    capsys.readouterr()
    assert main(["site", "list"]) == 4
    assert "one-time password" in capsys.readouterr().err
    # Too short, or the same again: refused, nothing changes.
    monkeypatch.setenv("KLERO_NEW_PASSWORD", "short")
    assert main(["user", "password"]) == 2
    monkeypatch.setenv("KLERO_NEW_PASSWORD", one_time)
    assert main(["user", "password"]) == 2
    assert _users(world)["nadia"].must_change_password
    monkeypatch.setenv("KLERO_NEW_PASSWORD", NEW_PASSWORD)
    assert main(["user", "password"]) == 0
    assert "Password of nadia changed." in capsys.readouterr().out
    with pytest.raises(KleroError) as caught:
        uc.authenticate(world.db, "nadia", one_time)
    assert caught.value.code == "login_failed"
    actor = uc.authenticate(world.db, "nadia", NEW_PASSWORD)
    assert actor.role == "partner"
    _cli(monkeypatch, world, "nadia", NEW_PASSWORD)
    assert main(["site", "list"]) == 0
    assert NEW_PASSWORD not in _trail(world) and one_time not in _trail(world)
    assert '"user.password_change"' in _trail(world)


def test_a_wrong_current_password_is_a_failed_sign_in(world: World) -> None:
    with pytest.raises(KleroError) as caught:
        uc.change_password(world.db, "alice", "not the password", NEW_PASSWORD)
    assert caught.value.code == "login_failed"
    assert '"wrong_password"' in _trail(world)
    uc.authenticate(world.db, "alice", PASSWORD)  # unchanged


def test_every_bad_row_is_listed_and_nothing_is_created(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _cli(monkeypatch, world, "admin", PASSWORD)
    before = (_users(world).keys(), _trail(world))
    out = tmp_path / "passwords.csv"
    assert (
        main(["user", "import", "--file", str(_file(tmp_path, BAD)), "--passwords-out", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    for expected in (
        "Row 3 (kofi): a partner must belong to an organisation",
        "Row 4 (li): role 'chief' is unknown",
        "Row 5: login 'nadia' is given already in row 2",
        "Row 6 (mo): the e-mail address is not valid",
    ):
        assert expected in err
    assert "not-an-address" not in err  # an address is never quoted
    assert (_users(world).keys(), _trail(world)) == before
    assert not out.exists()


def test_importing_again_creates_nothing_and_never_overwrites_a_passwords_file(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _cli(monkeypatch, world, "admin", PASSWORD)
    users = _file(tmp_path, GOOD)
    first = tmp_path / "first.csv"
    assert main(["user", "import", "--file", str(users), "--passwords-out", str(first)]) == 0
    kept = first.read_bytes()
    trail = _trail(world)
    capsys.readouterr()
    assert main(["user", "import", "--file", str(users), "--passwords-out", str(first)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert first.read_bytes() == kept
    second = tmp_path / "second.csv"
    assert main(["user", "import", "--file", str(users), "--passwords-out", str(second)]) == 0
    printed = capsys.readouterr().out
    assert "0 accounts created, 3 already there" in printed
    assert "Row 2: login 'nadia' exists already" in printed
    assert not second.exists()  # no new password: no file
    assert _trail(world) == trail


def test_an_xlsx_file_and_a_delivery_that_fails_creates_nothing(
    world: World, tmp_path: Path
) -> None:
    import pandas as pd

    path = tmp_path / "users.xlsx"
    pd.DataFrame(
        {"login": ["ana", "ben"], "role": ["evaluator", "partner"], "organisation": ["", "Org B"]}
    ).to_excel(path, index=False)
    rows = uc.read_user_rows(path)
    assert [(r.row, r.login, r.role, r.organisation) for r in rows] == [
        (2, "ana", "evaluator", None),
        (3, "ben", "partner", "Org B"),
    ]

    def broken(passwords: list[uc.OneTimePassword]) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        uc.import_users(world.db, world.admin, rows, broken)
    assert "ana" not in _users(world)
    delivered: list[uc.OneTimePassword] = []
    report = uc.import_users(world.db, world.admin, rows, delivered.extend)
    assert report.created == ["ana", "ben"] and [p.login for p in delivered] == ["ana", "ben"]
    assert delivered[0].password not in repr(delivered[0])  # never in a log line by accident


def test_only_admins_import_accounts(world: World) -> None:
    rows = [uc.UserRow(2, "zed", "evaluator", None)]
    with pytest.raises(KleroError) as caught:
        uc.import_users(world.db, world.coordinator, rows, lambda p: None)
    assert caught.value.exit_code == 4
    with pytest.raises(InvalidInput):
        uc.import_users(world.db, world.admin, [], lambda p: None)
