"""A user's second factor (TOTP): set it up, confirm it with a first code, remove it.

Method. ``enable_totp`` makes a random secret, stores it encrypted with the service key
(``Secrets``) and returns it, with its ``otpauth://`` URI, this once only. Sign-in asks for
no code until ``confirm_totp`` has received a code made from it, proof that the user's
authenticator app works; from then on ``recruitment.usecases.signin`` asks for one.
``disable_totp`` removes the factor: your own with a current code, anyone's as an admin.
Every role may have one: admins and coordinators above all, and partners, who see contact
details, gain from it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.problems import KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.models import User, UserTotp
from recruitment.permissions import Action, Actor, require
from recruitment.security import Secrets, new_totp_secret, totp_step, totp_uri
from recruitment.usecases import signin


@dataclass(frozen=True)
class TotpSetup:
    """A new secret, to be given to the user once: as text and as an ``otpauth://`` URI."""

    login: str
    secret: str
    uri: str


def _own_user(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id)
    if user is None or user.login != actor.login:
        raise KleroError("user_not_found", key=actor.login)
    return user


def _code_step(secrets: Secrets, factor: UserTotp, code: str, login: str, now: datetime) -> int:
    secret = str(secrets.decrypt(factor.ciphertext)["totp"])
    step = totp_step(secret, code, now.timestamp())
    if step is None:
        raise KleroError("totp_code_wrong", login=signin.shown(login))
    return step


def enable_totp(db: Database, actor: Actor) -> TotpSetup:
    """Give the acting user a new, pending second factor (replacing a pending one)."""
    secrets = Secrets.load()  # first: without the key nothing is stored
    secret = new_totp_secret()
    with db.unit_of_work() as session:
        user = _own_user(session, actor)
        factor = session.get(UserTotp, user.id)
        if factor is not None and factor.confirmed:
            raise KleroError("totp_already_enabled", login=signin.shown(user.login))
        ciphertext = secrets.encrypt({"totp": secret})
        if factor is None:
            session.add(UserTotp(user_id=user.id, ciphertext=ciphertext, confirmed=False))
        else:
            factor.ciphertext, factor.last_step = ciphertext, None
        _record(session, actor, "enable", user.login, {"confirmed": False})
        return TotpSetup(user.login, secret, totp_uri(secret, user.login))


def confirm_totp(db: Database, actor: Actor, code: str, *, now: datetime | None = None) -> None:
    """Make the acting user's pending second factor active, given a code it made."""
    now = now or signin.clock()
    secrets = Secrets.load()
    with db.unit_of_work() as session:
        user = _own_user(session, actor)
        factor = session.get(UserTotp, user.id)
        if factor is None or factor.confirmed:
            raise KleroError("totp_not_pending", login=signin.shown(user.login))
        # The confirming code's step counts as used: it cannot sign anyone in afterwards.
        factor.last_step = _code_step(secrets, factor, code, user.login, now)
        factor.confirmed = True
        _record(session, actor, "confirm", user.login, {"confirmed": True})


def disable_totp(
    db: Database,
    actor: Actor,
    login: str | None = None,
    *,
    code: str | None = None,
    now: datetime | None = None,
) -> str:
    """Remove a second factor: the acting user's (with a current code) or, for an admin, anyone's.

    A factor still pending confirmation is removed without a code. Returns the login.
    """
    target = login or actor.login
    if target != actor.login:
        require(actor, Action.MANAGE_ORGANISATIONS)  # before any lookup: reveals no login
    now = now or signin.clock()
    with db.unit_of_work() as session:
        user = session.execute(select(User).where(User.login == target)).scalar_one_or_none()
        if user is None:
            raise KleroError("user_not_found", key=target)
        factor = session.get(UserTotp, user.id)
        if factor is None:
            raise KleroError("totp_not_enabled", login=signin.shown(target))
        if user.id == actor.user_id and factor.confirmed:
            # A session left open is not enough to remove the factor: the app must be at hand.
            if code is None:
                raise KleroError("totp_missing", login=signin.shown(target))
            _code_step(Secrets.load(), factor, code, target, now)
        was_confirmed = factor.confirmed
        session.delete(factor)
        _record(session, actor, "disable", target, {"was_confirmed": was_confirmed})
    return target


def _record(
    session: Session, actor: Actor, change: str, login: str, after: dict[str, bool]
) -> None:
    """Audit a change (enable, confirm, disable) of ``login``'s second factor."""
    audit.record(session, actor, f"user.totp_{change}", "user", signin.shown(login), after=after)
