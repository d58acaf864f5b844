"""Changing your password: the one-time password of a new account, or any time after.

The current password is checked exactly as at sign-in (a wrong one is recorded and
counts toward the login's lock; a locked login is refused), and so is the one-time code
of a user with a second factor. The new password must be ``MIN_PASSWORD`` characters
long and differ from the current one. It clears ``must_change_password``; the change is
audited (``user.password_change``), never the password.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.problems import KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.models import LOGIN_MAX, User, UserTotp
from recruitment.security import dummy_password_hash, hash_password, verify_password
from recruitment.usecases import signin
from recruitment.usecases.setup import MIN_PASSWORD, actor_of
from recruitment.usecases.signin import Failure, LoginLocked, SignInFrom, shown


def change_password(
    db: Database,
    login: str,
    current: str,
    new: str,
    *,
    totp: str | None = None,
    source: SignInFrom = SignInFrom.CLI,
    now: datetime | None = None,
) -> None:
    """Replace ``login``'s password ``current`` by ``new`` (a one-time password included).

    Raises ``LoginLocked``, KleroError ``login_failed`` (wrong password, recorded),
    ``totp_missing`` / ``totp_failed`` for a user with a second factor,
    ``password_too_short`` or ``password_unchanged``; nothing changes then.
    """
    if len(new) < MIN_PASSWORD:
        raise KleroError("password_too_short", min=MIN_PASSWORD)
    if new == current:
        raise KleroError("password_unchanged", login=shown(login))
    now = now or signin.clock()
    key = login[:LOGIN_MAX]
    outcome: KleroError | None = None
    with db.unit_of_work() as session:
        signin.lock_login(session, key)
        until = signin.locked_until(session, key, now)
        user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        known = user is not None
        if until is not None:
            signin.record_failure(session, key, source, Failure.LOCKED, now, known=known)
            outcome = LoginLocked(login, until, now)
        else:
            stored = dummy_password_hash() if user is None else user.password_hash
            right = verify_password(current, stored)
            if user is None or not right or not user.active:
                reason = (
                    Failure.UNKNOWN_LOGIN
                    if user is None
                    else (Failure.WRONG_PASSWORD if not right else Failure.INACTIVE)
                )
                signin.record_failure(session, key, source, reason, now, known=known)
                outcome = KleroError("login_failed", login=shown(login))
            elif signin.has_second_factor(session, user.id):
                factor = session.get(UserTotp, user.id)
                assert factor is not None
                if totp is None:
                    outcome = KleroError("totp_missing", login=shown(login))
                else:
                    failed = signin.code_failure(factor, totp, now)
                    if failed is not None:
                        signin.record_failure(session, key, source, failed, now)
                        outcome = KleroError("totp_failed", login=shown(login))
            if outcome is None and user is not None:
                _set(session, user, new, source)
    if outcome is not None:
        raise outcome  # after the commit: a failure stays recorded


def _set(session: Session, user: User, new: str, source: SignInFrom) -> None:
    forced = user.must_change_password
    user.password_hash = hash_password(new)
    user.must_change_password = False
    audit.record(
        session,
        actor_of(user),
        "user.password_change",
        "user",
        user.login,
        after={"from": source.value, "first": forced},
    )
