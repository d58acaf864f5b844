"""The lockout rule: ``FAILURE_LIMIT`` failed sign-ins of one login within
``FAILURE_WINDOW`` lock it for ``LOCK_DURATION`` (``recruitment.usecases.signin`` counts
the failures and refuses a locked login; ``accounts`` lists the locks).

A login's failures are rows of ``sign_in_failure`` for the login as typed; each attempt
holds the login's lock (``lock_login``) while it reads and writes them, so attempts on one
login are counted one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from recruitment.models import SignInFailure

# The lockout rule, in one place: FAILURE_LIMIT failures within FAILURE_WINDOW lock the
# login for LOCK_DURATION.
FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
# Any constant: the first key of the PostgreSQL advisory lock taken per login.
_LOGIN_LOCK_SPACE = 0x6B6C6F67


def lock_end(
    failures: Sequence[datetime],
    *,
    limit: int = FAILURE_LIMIT,
    window: timedelta = FAILURE_WINDOW,
    duration: timedelta = LOCK_DURATION,
) -> datetime | None:
    """When the newest lock these failure times impose ends (None if they impose none).

    ``limit`` failures within ``window`` lock the login for ``duration`` from the last of
    them; the failures that made a lock do not count toward the next one.

    >>> t = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    >>> lock_end([t + timedelta(minutes=m) for m in (0, 1, 2, 3, 14)]) == t + timedelta(minutes=29)
    True
    >>> lock_end([t + timedelta(minutes=m) for m in (0, 1, 2, 3, 16)]) is None
    True
    """
    ordered = sorted(failures)
    end = None
    first = 0
    for last, at in enumerate(ordered):
        while at - ordered[first] > window:
            first += 1
        if last - first + 1 >= limit:
            end = at + duration
            first = last + 1
    return end


def _utc(value: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def lock_login(session: Session, key: str) -> None:
    """Hold the login's lock until the transaction ends (SQLite's writer lock is held already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:login))"),
            {"space": _LOGIN_LOCK_SPACE, "login": key},
        )


def locked_until(session: Session, key: str, now: datetime) -> datetime | None:
    """When the lock on a login (as typed) ends, or None if it is not locked at ``now``."""
    since = now - FAILURE_WINDOW - LOCK_DURATION  # older failures cannot lock it any more
    times = session.execute(
        select(SignInFailure.at).where(SignInFailure.login == key, SignInFailure.at > since)
    ).scalars()
    end = lock_end([_utc(t) for t in times])
    return end if end is not None and end > now else None
