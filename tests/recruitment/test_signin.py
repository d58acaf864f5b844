"""Signing in: failures audited, lockout after 5 in 15 minutes, unlock, unknown logins alike."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from klero.app import main
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.models import AuditEvent
from recruitment.usecases import signin
from recruitment.usecases.lockout import FAILURE_LIMIT, FAILURE_WINDOW, LOCK_DURATION, lock_end
from recruitment.usecases.signin import LoginLocked, recorded_login
from tests.recruitment.conftest import PASSWORD, World

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WRONG = "not the password at all"


def _events(world: World, *actions: str) -> list[AuditEvent]:
    with world.db.unit_of_work() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if actions:
            query = query.where(AuditEvent.action.in_(actions))
        return list(session.execute(query).scalars())


def _fail(world: World, login: str, times: int, now: datetime = T0) -> None:
    for _ in range(times):
        with pytest.raises(KleroError) as caught:
            uc.authenticate(world.db, login, WRONG, now=now)
        assert caught.value.code == "login_failed"


def _cli(monkeypatch: pytest.MonkeyPatch, world: World, user: str, password: str) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_USER", user)
    monkeypatch.setenv("KLERO_PASSWORD", password)
    monkeypatch.delenv("KLERO_TOTP", raising=False)


def test_failed_sign_ins_are_audited_with_the_login_never_the_password(world: World) -> None:
    _fail(world, "alice", 1)
    _fail(world, "nobody-here", 1)
    _fail(world, "x" * 5000, 1)  # bounded in the trail and in the message
    failed = _events(world, "auth.failed")
    assert [(e.actor, e.role, e.entity) for e in failed] == [
        ("anonymous", "anonymous", "login")
    ] * 3
    assert failed[0].entity_id == "alice"
    assert [e.after for e in failed] == [
        {"from": "cli", "reason": "wrong_password"},
        {"from": "cli", "reason": "unknown_login"},
        {"from": "cli", "reason": "unknown_login"},
    ]
    # A login that does not exist may be a password typed in the wrong field: the
    # append-only trail keeps only a keyed fingerprint of it (stable, so guesses still show).
    assert failed[1].entity_id == recorded_login("nobody-here", known=False)
    assert failed[2].entity_id is not None and failed[2].entity_id.startswith("?")
    assert len({failed[1].entity_id, failed[2].entity_id}) == 2
    everything = json.dumps([[e.entity_id, e.after, e.before] for e in _events(world)])
    assert WRONG not in everything and "nobody-here" not in everything and "xxxx" not in everything
    assert uc.verify_audit(world.db, world.admin).ok


def test_a_failed_cli_sign_in_is_audited_as_from_the_cli(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(monkeypatch, world, "coord", WRONG)
    assert main(["site", "list"]) == 2
    assert "Login failed for 'coord'" in capsys.readouterr().err
    [event] = _events(world, "auth.failed")
    assert (event.entity_id, event.after) == ("coord", {"from": "cli", "reason": "wrong_password"})


def test_five_failures_lock_the_login_even_for_the_right_password(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(signin, "clock", lambda: T0)
    _fail(world, "alice", FAILURE_LIMIT)
    with pytest.raises(LoginLocked) as caught:
        uc.authenticate(world.db, "alice", PASSWORD)
    assert caught.value.exit_code == 4
    assert caught.value.params["minutes"] == 15 and caught.value.params["until"] == "09:15 UTC"
    _cli(monkeypatch, world, "alice", PASSWORD)
    assert main(["site", "list"]) == 4
    err = capsys.readouterr().err
    assert "'alice' is locked" in err and "15 minute(s)" in err and "Traceback" not in err
    reasons = [e.after["reason"] for e in _events(world, "auth.failed") if e.after]
    assert reasons == ["wrong_password"] * FAILURE_LIMIT + ["locked", "locked"]


def test_the_lock_ends_after_its_time_and_refused_attempts_do_not_extend_it(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fail(world, "alice", FAILURE_LIMIT)
    almost = T0 + LOCK_DURATION - timedelta(seconds=20)
    with pytest.raises(LoginLocked) as caught:
        uc.authenticate(world.db, "alice", WRONG, now=almost)
    assert caught.value.params["minutes"] == 1
    # The CLI reads the same clock: past the lock, the right password works again.
    monkeypatch.setattr(signin, "clock", lambda: T0 + LOCK_DURATION + timedelta(seconds=1))
    _cli(monkeypatch, world, "alice", PASSWORD)
    assert main(["site", "list"]) == 0
    [recovered] = _events(world, "auth.recovered")
    assert (recovered.actor, recovered.after) == ("alice", {"from": "cli", "failures": 5})


def test_failures_spread_wider_than_the_window_do_not_lock(world: World) -> None:
    _fail(world, "alice", FAILURE_LIMIT - 1, T0)
    later = T0 + FAILURE_WINDOW + timedelta(seconds=1)
    _fail(world, "alice", 1, later)
    assert uc.authenticate(world.db, "alice", PASSWORD, now=later).login == "alice"


def test_a_success_closes_the_streak_so_failures_count_again_from_zero(world: World) -> None:
    _fail(world, "alice", FAILURE_LIMIT - 1)
    uc.authenticate(world.db, "alice", PASSWORD, now=T0)
    _fail(world, "alice", FAILURE_LIMIT - 1)
    assert uc.authenticate(world.db, "alice", PASSWORD, now=T0).login == "alice"
    # A success without failures before it writes nothing: CLI commands sign in each time.
    count = len(_events(world))
    uc.authenticate(world.db, "alice", PASSWORD, now=T0)
    assert len(_events(world)) == count


def test_unknown_logins_are_counted_and_locked_like_known_ones(world: World) -> None:
    refusals = {}
    for login in ("alice", "nobody-here"):
        _fail(world, login, FAILURE_LIMIT)
        with pytest.raises(LoginLocked) as caught:
            uc.authenticate(world.db, login, PASSWORD, now=T0 + timedelta(minutes=3))
        refusals[login] = caught.value.message.replace(repr(login), "LOGIN")
    assert refusals["alice"] == refusals["nobody-here"]


def test_unknown_logins_cost_the_same_scrypt_work(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hashlib.scrypt
    calls: list[tuple[Any, ...]] = []

    def counting(password: bytes, **kwargs: Any) -> bytes:
        calls.append((kwargs["n"], kwargs["r"], kwargs["p"], kwargs.get("maxmem")))
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    work = {}
    for login, password in (("alice", WRONG), ("nobody-here", WRONG), ("alice", PASSWORD)):
        calls.clear()
        with contextlib.suppress(KleroError):
            uc.authenticate(world.db, login, password, now=T0)
        work[(login, password)] = list(calls)
    assert work[("alice", WRONG)] == work[("nobody-here", WRONG)] == work[("alice", PASSWORD)]
    assert len(work[("alice", WRONG)]) == 1


def test_an_admin_unlocks_a_login_and_others_may_not(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(signin, "clock", lambda: T0)
    _fail(world, "alice", FAILURE_LIMIT)
    _cli(monkeypatch, world, "coord", PASSWORD)
    assert main(["user", "unlock", "alice"]) == 4
    assert "Permission denied: coord (coordinator)" in capsys.readouterr().err
    _cli(monkeypatch, world, "admin", PASSWORD)
    assert main(["user", "unlock", "alice"]) == 0
    assert "unlocked (5 failed sign-ins forgotten)" in capsys.readouterr().out
    assert uc.authenticate(world.db, "alice", PASSWORD).login == "alice"
    [event] = _events(world, "user.unlock")
    assert (event.actor, event.entity_id, event.after) == (
        "admin",
        "alice",
        {"was_locked": True, "failures": 5},
    )
    assert main(["user", "unlock", "alice"]) == 0
    assert "was not locked" in capsys.readouterr().out
    assert len(_events(world, "user.unlock")) == 1  # nothing lifted, nothing recorded
    assert uc.verify_audit(world.db, world.admin).ok


def test_concurrent_guesses_get_at_most_the_limit_of_answers(world: World) -> None:
    guesses = 12
    start = threading.Barrier(guesses)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            uc.authenticate(world.db, "alice", WRONG, now=T0)
            outcomes.append("signed in")
        except KleroError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == sorted(
        ["login_failed"] * FAILURE_LIMIT + ["login_locked"] * (guesses - FAILURE_LIMIT)
    )
    assert uc.verify_audit(world.db, world.admin).ok


def test_new_passwords_need_twelve_characters(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(KleroError) as caught:
        uc.create_user(world.db, world.admin, "zed", "x" * 11, "evaluator")
    assert caught.value.code == "password_too_short" and caught.value.params["min"] == 12
    uc.create_user(world.db, world.admin, "zed", "x" * 12, "evaluator")
    assert uc.authenticate(world.db, "zed", "x" * 12).role == "evaluator"
    _cli(monkeypatch, world, "admin", PASSWORD)
    monkeypatch.setenv("KLERO_NEW_PASSWORD", "y" * 11)
    assert main(["user", "create", "--login", "ann", "--role", "evaluator"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err


def _brute_force_locks(times: list[datetime]) -> bool:
    ordered = sorted(times)
    return any(
        ordered[i + FAILURE_LIMIT - 1] - ordered[i] <= FAILURE_WINDOW
        for i in range(len(ordered) - FAILURE_LIMIT + 1)
    )


@given(st.lists(st.integers(min_value=0, max_value=3600), max_size=12))
def test_a_lock_follows_five_failures_within_the_window_and_only_then(seconds: list[int]) -> None:
    times = [T0 + timedelta(seconds=s) for s in seconds]
    end = lock_end(times)
    assert (end is not None) == _brute_force_locks(times)
    if end is not None:
        last = end - LOCK_DURATION
        assert last in times
        streak = [t for t in times if last - FAILURE_WINDOW <= t <= last]
        assert len(streak) >= FAILURE_LIMIT
