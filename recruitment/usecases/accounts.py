"""What the dashboard's Account page shows: your second factor, and (admins) the sign-in locks.

Read-only views beside ``signin`` and ``second_factor``, which make the changes. Locks are
listed for logins that exist only: the failures of logins that do not exist are counted,
never shown, since such a "login" is often a password typed into the wrong field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select

from recruitment.db import Database
from recruitment.models import SignInFailure, User, UserTotp
from recruitment.permissions import Action, Actor, require
from recruitment.usecases import lockout, signin


class FactorState(StrEnum):
    """Where a user's second factor stands."""

    OFF = "off"
    PENDING = "pending"  # enabled, waiting for its first code
    ON = "on"


def second_factor_state(db: Database, actor: Actor) -> FactorState:
    """The acting user's second factor: none, waiting for confirmation, or in use."""
    with db.unit_of_work() as session:
        factor = session.get(UserTotp, actor.user_id)
        if factor is None:
            return FactorState.OFF
        return FactorState.ON if factor.confirmed else FactorState.PENDING


@dataclass(frozen=True)
class LoginLock:
    """Recent failed sign-ins of one existing login, and when its lock ends (None: not locked)."""

    login: str
    role: str
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class SignInLocks:
    """Existing logins with recent failures, and how many failures named no existing login."""

    logins: list[LoginLock] = field(default_factory=list)
    unknown_failures: int = 0


def sign_in_locks(db: Database, actor: Actor, *, now: datetime | None = None) -> SignInLocks:
    """Logins with failed sign-ins that still count toward a lock (admins only), locked first."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    now = now or signin.clock()
    since = now - lockout.FAILURE_WINDOW - lockout.LOCK_DURATION
    with db.unit_of_work() as session:
        counts = session.execute(
            select(SignInFailure.login, func.count())
            .where(SignInFailure.at > since)
            .group_by(SignInFailure.login)
        ).all()
        users = {
            u.login: u.role
            for u in session.execute(
                select(User).where(User.login.in_([login for login, _ in counts]))
            ).scalars()
        }
        known = [
            LoginLock(login, users[login], int(n), lockout.locked_until(session, login, now))
            for login, n in counts
            if login in users
        ]
        unknown = sum(int(n) for login, n in counts if login not in users)
    known.sort(key=lambda lock: (lock.locked_until is None, lock.login))
    return SignInLocks(known, unknown)
