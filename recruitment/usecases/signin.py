"""Signing in: password (scrypt), then a one-time code if the user has a second factor; lockout.

Method. Every failed sign-in (unknown or inactive login, wrong password, wrong or replayed
one-time code) becomes a row of ``sign_in_failure`` for the login as typed (purged after
``FAILURE_WINDOW + LOCK_DURATION``) and an ``auth.failed`` audit event saying where it came
from (``cli`` or ``dashboard``) and why; the trail names a login that does not exist only by
a keyed fingerprint (``recorded_login``).
``FAILURE_LIMIT`` failures of one login within ``FAILURE_WINDOW`` lock it for
``LOCK_DURATION`` (the rule: ``recruitment.usecases.lockout``): every attempt is then
refused with ``login_locked`` (exit 4), even with the right password. Refused attempts
are audited (reason ``locked``) but not counted, so a lock ends on time however often it
is tried. Unknown logins are counted and locked alike, and their password is checked
against a dummy scrypt hash, so neither the answer nor the work done tells which logins
exist. A success after failures forgets them and records
``auth.recovered``; other successes write nothing (every CLI command signs in).

Each attempt reads, decides and writes in one transaction holding a lock on the login (a
PostgreSQL advisory lock; on SQLite, the writer lock every transaction takes), so attempts
on one login are counted one after the other: however many guesses arrive at once, at
most ``FAILURE_LIMIT`` get an answer before the lock refuses the rest.

The clock is ``clock`` (tests replace it) or the ``now`` argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from quotas.problems import KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.models import LOGIN_MAX, SignInFailure, User, UserTotp, utcnow
from recruitment.permissions import Action, Actor, require
from recruitment.security import Secrets, dummy_password_hash, totp_step, verify_password
from recruitment.usecases.lockout import (
    FAILURE_WINDOW,
    LOCK_DURATION,
    lock_login,
    locked_until,
)
from recruitment.usecases.setup import actor_of

# How long a checked password waits for its one-time code (the dashboard's second step).
SECOND_STEP_TIMEOUT = timedelta(minutes=5)
# A login as typed is shown (messages, the audit event's entity_id) up to this length.
LOGIN_SHOWN_MAX = 80
clock: Callable[[], datetime] = utcnow


class SignInFrom(StrEnum):
    """Where a sign-in comes from, as recorded with a failure."""

    CLI = "cli"
    DASHBOARD = "dashboard"


class Failure(StrEnum):
    """Why a sign-in failed, as recorded in the ``auth.failed`` event."""

    UNKNOWN_LOGIN = "unknown_login"
    WRONG_PASSWORD = "wrong_password"
    INACTIVE = "inactive"
    TOTP_WRONG = "totp_wrong"
    TOTP_REPLAY = "totp_replay"
    LOCKED = "locked"  # refused by a lock: recorded, not counted


class LoginLocked(KleroError):
    """Too many failed sign-ins: the login is refused until the lock ends (exit 4)."""

    exit_code = 4

    def __init__(self, login: str, until: datetime, now: datetime) -> None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        super().__init__(
            "login_locked",
            login=shown(login),
            minutes=minutes,
            until=until.astimezone(UTC).strftime("%H:%M UTC"),
        )
        self.until = until


class PasswordChangeRequired(KleroError):
    """A right one-time password: the user must set their own before signing in (exit 4)."""

    exit_code = 4

    def __init__(self, login: str) -> None:
        super().__init__("password_change_required", login=shown(login))


@dataclass(frozen=True)
class PasswordChecked:
    """A right password of a user who must now give a one-time code (never the password)."""

    user_id: int
    login: str
    source: SignInFrom
    at: datetime


@dataclass(frozen=True)
class Unlocked:
    """What ``unlock_login`` lifted: whether the login was locked, how many failures it forgot."""

    login: str
    was_locked: bool
    failures: int


def shown(login: str) -> str:
    """A login as typed, cut to ``LOGIN_SHOWN_MAX`` characters for messages and the trail.

    >>> shown("ana"), len(shown("x" * 500))
    ('ana', 80)
    """
    return login if len(login) <= LOGIN_SHOWN_MAX else login[: LOGIN_SHOWN_MAX - 1] + "…"


def recorded_login(login: str, *, known: bool) -> str:
    """How the trail names the login of a failed attempt: as typed only if the login exists.

    A login that does not exist is often a password typed into the wrong field; the trail
    is append-only, so it keeps a keyed fingerprint instead (the same text always gives the
    same fingerprint, so repeated guesses still show), or ``?`` without the service key.

    >>> recorded_login("ana", known=True)
    'ana'
    """
    if known:
        return shown(login)
    try:
        keyed = Secrets.load().keyed_hash("login", login)
    except KleroError:
        return "?"
    return "?" + keyed[:12]


def record_failure(
    session: Session,
    key: str,
    source: SignInFrom,
    reason: Failure,
    now: datetime,
    *,
    known: bool = True,
) -> None:
    """Audit a failed attempt; unless it was refused by a lock, count it toward one."""
    audit.record(
        session,
        Actor.anonymous(),
        "auth.failed",
        "login",
        recorded_login(key, known=known),
        after={"from": source.value, "reason": reason.value},
    )
    if reason == Failure.LOCKED:
        return
    session.add(SignInFailure(login=key, at=now))
    # Failures too old to count are dropped (the trail keeps them). This runs after the
    # append above, under the trail's lock, so two purges never wait on each other's rows.
    session.execute(
        delete(SignInFailure).where(SignInFailure.at < now - FAILURE_WINDOW - LOCK_DURATION)
    )


def _succeed(session: Session, user: User, source: SignInFrom) -> Actor:
    """The signed-in actor; failures of the login before this success are forgotten."""
    actor = actor_of(user)
    count = session.execute(
        select(func.count()).select_from(SignInFailure).where(SignInFailure.login == user.login)
    ).scalar_one()
    if count:
        audit.record(
            session,
            actor,
            "auth.recovered",
            "login",
            shown(user.login),
            after={"from": source.value, "failures": count},
        )
        session.execute(delete(SignInFailure).where(SignInFailure.login == user.login))
    return actor


def check_password(
    db: Database,
    login: str,
    password: str,
    *,
    source: SignInFrom = SignInFrom.CLI,
    now: datetime | None = None,
) -> Actor | PasswordChecked:
    """The actor for a login and password, or ``PasswordChecked`` when a code must follow.

    Raises ``LoginLocked`` (exit 4) for a locked login, KleroError ``login_failed`` for an
    unknown or inactive login or a wrong password; each is recorded in the audit trail.
    A right one-time password raises ``PasswordChangeRequired`` (exit 4, not a failure):
    the user must set their own first (``passwords.change_password``).
    """
    now = now or clock()
    outcome: Actor | PasswordChecked | KleroError
    with db.unit_of_work() as session:
        found = checked_user(session, login, password, source, now)
        if isinstance(found, KleroError):
            outcome = found
        elif found.must_change_password:
            # A one-time password: right, but nothing proceeds until the user sets theirs.
            outcome = PasswordChangeRequired(found.login)
        elif has_second_factor(session, found.id):
            outcome = PasswordChecked(found.id, found.login, source, now)
        else:
            outcome = _succeed(session, found, source)
    if isinstance(outcome, KleroError):
        raise outcome  # after the commit: the failure stays recorded
    return outcome


def checked_user(
    session: Session, login: str, password: str, source: SignInFrom, now: datetime
) -> User | KleroError:
    """The active user ``login`` if ``password`` is theirs, else the error to raise.

    Takes the login's lock first; a locked login, an unknown or inactive one and a wrong
    password are each recorded as a failure (the same scrypt work whether or not the
    login exists, so the time taken tells nothing).
    """
    key = login[:LOGIN_MAX]  # longer logins cannot exist; their prefix is counted
    lock_login(session, key)
    until = locked_until(session, key, now)
    user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
    if until is not None:
        record_failure(session, key, source, Failure.LOCKED, now, known=user is not None)
        return LoginLocked(login, until, now)
    stored = dummy_password_hash() if user is None else user.password_hash
    right = verify_password(password, stored)
    if user is None or not right or not user.active:
        reason = (
            Failure.UNKNOWN_LOGIN
            if user is None
            else (Failure.WRONG_PASSWORD if not right else Failure.INACTIVE)
        )
        record_failure(session, key, source, reason, now, known=user is not None)
        return KleroError("login_failed", login=shown(login))
    return user


def has_second_factor(session: Session, user_id: int) -> bool:
    """Whether the user has a confirmed second factor."""
    found = session.get(UserTotp, user_id)
    return found is not None and found.confirmed


def code_failure(factor: UserTotp, code: str, now: datetime) -> Failure | None:
    """Why a one-time code is refused (wrong, or replayed), or None: it is used up now."""
    secret = str(Secrets.load().decrypt(factor.ciphertext)["totp"])
    step = totp_step(secret, code, now.timestamp())
    if step is None or (factor.last_step is not None and step <= factor.last_step):
        return Failure.TOTP_WRONG if step is None else Failure.TOTP_REPLAY
    factor.last_step = step
    return None


def check_second_factor(
    db: Database, checked: PasswordChecked, code: str, *, now: datetime | None = None
) -> Actor:
    """Complete a sign-in with the one-time code; a wrong or replayed code is a failure.

    Raises ``LoginLocked``, KleroError ``totp_failed`` (recorded and counted like a wrong
    password) or ``sign_in_step_expired`` (the password was checked too long ago).
    """
    now = now or clock()
    key = checked.login
    outcome: Actor | KleroError
    with db.unit_of_work() as session:
        lock_login(session, key)
        until = locked_until(session, key, now)
        user = session.get(User, checked.user_id)
        factor = session.get(UserTotp, checked.user_id)
        if until is not None:
            record_failure(session, key, checked.source, Failure.LOCKED, now)
            outcome = LoginLocked(key, until, now)
        elif now - checked.at > SECOND_STEP_TIMEOUT:
            minutes = int(SECOND_STEP_TIMEOUT.total_seconds() // 60)
            outcome = KleroError("sign_in_step_expired", login=shown(key), minutes=minutes)
        elif user is None or not user.active or user.login != key:
            record_failure(session, key, checked.source, Failure.INACTIVE, now)
            outcome = KleroError("login_failed", login=shown(key))
        elif factor is None or not factor.confirmed:
            outcome = _succeed(session, user, checked.source)  # removed meanwhile by an admin
        else:
            reason = code_failure(factor, code, now)
            if reason is not None:
                record_failure(session, key, checked.source, reason, now)
                outcome = KleroError("totp_failed", login=shown(key))
            else:
                outcome = _succeed(session, user, checked.source)
    if isinstance(outcome, KleroError):
        raise outcome
    return outcome


def authenticate(
    db: Database,
    login: str,
    password: str,
    *,
    totp: str | None = None,
    source: SignInFrom = SignInFrom.CLI,
    now: datetime | None = None,
) -> Actor:
    """Sign in with a password and, for a user with a second factor, the one-time code.

    Raises KleroError ``totp_missing`` when a code is needed and ``totp`` is None; see
    ``check_password`` and ``check_second_factor`` for the rest.
    """
    checked = check_password(db, login, password, source=source, now=now)
    if isinstance(checked, Actor):
        return checked
    if totp is None:
        raise KleroError("totp_missing", login=shown(login))
    return check_second_factor(db, checked, totp, now=now)


def unlock_login(
    db: Database, actor: Actor, login: str, *, now: datetime | None = None
) -> Unlocked:
    """Lift a login's lock and forget its failed sign-ins (admins only; audited if any)."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    now = now or clock()
    key = login[:LOGIN_MAX]
    with db.unit_of_work() as session:
        lock_login(session, key)
        was_locked = locked_until(session, key, now) is not None
        count = session.execute(
            select(func.count()).select_from(SignInFailure).where(SignInFailure.login == key)
        ).scalar_one()
        if count:
            audit.record(
                session,
                actor,
                "user.unlock",
                "login",
                shown(key),
                after={"was_locked": was_locked, "failures": count},
            )
            session.execute(delete(SignInFailure).where(SignInFailure.login == key))
    return Unlocked(login, was_locked, count)
