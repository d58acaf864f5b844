"""The optional second factor (TOTP): enable, confirm, sign in with a code, replay, disable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from klero.app import main
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.models import AuditEvent, UserTotp
from recruitment.usecases import signin
from tests.recruitment.conftest import PASSWORD, World

T0 = datetime(2026, 12, 1, 9, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=30)


def _code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def _wrong(secret: str, at: datetime) -> str:
    """A six-digit code that is not valid near ``at``."""
    valid = {_code(secret, at + k * STEP) for k in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in valid)


def _reasons(world: World) -> list[str]:
    with world.db.unit_of_work() as session:
        events = session.execute(
            select(AuditEvent).where(AuditEvent.action == "auth.failed").order_by(AuditEvent.id)
        ).scalars()
        return [str((e.after or {}).get("reason")) for e in events]


def _enabled(world: World, now: datetime = T0) -> str:
    """Give the coordinator a confirmed second factor (confirmed at ``now``); its secret."""
    setup = uc.enable_totp(world.db, world.coordinator)
    uc.confirm_totp(world.db, world.coordinator, _code(setup.secret, now), now=now)
    return setup.secret


def test_a_factor_is_asked_only_once_confirmed_and_stored_encrypted(world: World) -> None:
    setup = uc.enable_totp(world.db, world.coordinator)
    assert setup.uri.startswith("otpauth://totp/Kleroterion:coord?secret=" + setup.secret)
    with world.db.unit_of_work() as session:
        stored = session.get(UserTotp, world.coordinator.user_id)
        assert stored is not None and not stored.confirmed
        assert setup.secret.encode() not in stored.ciphertext
    # Pending: signing in asks for no code yet.
    assert uc.authenticate(world.db, "coord", PASSWORD, now=T0).login == "coord"
    with pytest.raises(KleroError) as wrong:
        uc.confirm_totp(world.db, world.coordinator, _wrong(setup.secret, T0), now=T0)
    assert wrong.value.code == "totp_code_wrong"
    uc.confirm_totp(world.db, world.coordinator, _code(setup.secret, T0), now=T0)
    with pytest.raises(KleroError) as again:
        uc.enable_totp(world.db, world.coordinator)
    assert again.value.code == "totp_already_enabled"
    with pytest.raises(KleroError) as missing:
        uc.authenticate(world.db, "coord", PASSWORD, now=T0 + STEP)
    assert missing.value.code == "totp_missing"


def test_a_code_signs_in_once_and_wrong_or_replayed_codes_are_failures(world: World) -> None:
    secret = _enabled(world)
    later = T0 + 2 * STEP
    code = _code(secret, later)
    assert uc.authenticate(world.db, "coord", PASSWORD, totp=code, now=later).login == "coord"
    for attempt in (code, _wrong(secret, later)):
        with pytest.raises(KleroError) as caught:
            uc.authenticate(world.db, "coord", PASSWORD, totp=attempt, now=later)
        assert caught.value.code == "totp_failed"
    # The code that confirmed the factor is used up too.
    with pytest.raises(KleroError):
        uc.authenticate(world.db, "coord", PASSWORD, totp=_code(secret, T0), now=T0)
    assert _reasons(world) == ["totp_replay", "totp_wrong", "totp_replay"]
    # They count toward the lock like wrong passwords.
    for _ in range(2):
        with pytest.raises(KleroError):
            uc.authenticate(world.db, "coord", PASSWORD, totp="000000", now=later)
    with pytest.raises(uc.LoginLocked):
        uc.authenticate(world.db, "coord", PASSWORD, totp=_code(secret, later + STEP), now=later)
    assert uc.verify_audit(world.db, world.admin).ok


def test_the_cli_asks_for_klero_totp_and_refuses_a_replayed_one(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_USER", "coord")
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.delenv("KLERO_TOTP", raising=False)
    monkeypatch.setattr(signin, "clock", lambda: T0)
    capsys.readouterr()
    assert main(["user", "totp", "enable", "--json"]) == 0
    secret = json.loads(capsys.readouterr().out)["secret"]
    assert main(["user", "totp", "confirm", "--code", _code(secret, T0)]) == 0
    assert "active" in capsys.readouterr().out
    monkeypatch.setattr(signin, "clock", lambda: T0 + 3 * STEP)
    assert main(["site", "list"]) == 2  # no terminal, no KLERO_TOTP
    assert "set KLERO_TOTP" in capsys.readouterr().err
    monkeypatch.setenv("KLERO_TOTP", _code(secret, T0 + 3 * STEP))
    assert main(["site", "list"]) == 0
    assert main(["site", "list"]) == 2  # the same code again
    assert "already used" in capsys.readouterr().err


def test_a_coordinator_without_a_factor_is_not_asked_for_a_code(world: World) -> None:
    admin_setup = uc.enable_totp(world.db, world.admin)
    uc.confirm_totp(world.db, world.admin, _code(admin_setup.secret, T0), now=T0)
    assert uc.authenticate(world.db, "coord", PASSWORD, now=T0).role == "coordinator"
    with pytest.raises(KleroError) as caught:
        uc.authenticate(world.db, "admin", PASSWORD, now=T0)
    assert caught.value.code == "totp_missing"


def test_disable_needs_your_code_or_an_admin(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = _enabled(world)
    later = T0 + 2 * STEP
    with pytest.raises(KleroError) as missing:
        uc.disable_totp(world.db, world.coordinator, now=later)
    assert missing.value.code == "totp_missing"
    with pytest.raises(KleroError) as wrong:
        uc.disable_totp(world.db, world.coordinator, code=_wrong(secret, later), now=later)
    assert wrong.value.code == "totp_code_wrong"
    uc.disable_totp(world.db, world.coordinator, code=_code(secret, later), now=later)
    assert uc.authenticate(world.db, "coord", PASSWORD, now=later).login == "coord"

    _enabled(world)
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "alice")
    capsys.readouterr()
    assert main(["user", "totp", "disable", "--login", "coord"]) == 4
    assert "Permission denied: alice (partner)" in capsys.readouterr().err
    monkeypatch.setenv("KLERO_USER", "admin")
    assert main(["user", "totp", "disable", "--login", "coord"]) == 0
    assert "Second factor of coord removed" in capsys.readouterr().out
    assert uc.authenticate(world.db, "coord", PASSWORD).login == "coord"
    with world.db.unit_of_work() as session:
        actions = session.execute(
            select(AuditEvent.actor, AuditEvent.action)
            .where(AuditEvent.action.like("user.totp%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("coord", "user.totp_enable"),
        ("coord", "user.totp_confirm"),
        ("coord", "user.totp_disable"),
        ("coord", "user.totp_enable"),
        ("coord", "user.totp_confirm"),
        ("admin", "user.totp_disable"),
    ]
    assert uc.verify_audit(world.db, world.admin).ok


def test_a_checked_password_waits_only_so_long_for_its_code(world: World) -> None:
    secret = _enabled(world)
    later = T0 + 2 * STEP
    checked = uc.check_password(world.db, "coord", PASSWORD, now=later)
    assert isinstance(checked, uc.PasswordChecked)
    too_late = later + signin.SECOND_STEP_TIMEOUT + STEP
    with pytest.raises(KleroError) as caught:
        uc.check_second_factor(world.db, checked, _code(secret, too_late), now=too_late)
    assert caught.value.code == "sign_in_step_expired"
