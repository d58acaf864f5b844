"""Partners' accounts in bulk: a file of logins, roles, organisations and e-mail addresses.

Every row is checked first and every problem is listed with its row; if any row is
wrong nothing is created. A login that exists already is reported, not duplicated (so
importing the same file again creates nothing). A missing organisation is created
(audited), as the plan import does. Each new account gets a random one-time password and
must set its own at first sign-in (``must_change_password``). The passwords go to the
caller's ``deliver`` inside the transaction (an owner-only file for the CLI, a one-time
download on the dashboard): if delivering fails, no account is created. They are never
returned in the report, logged or audited.

E-mail addresses are personal data: stored Fernet-encrypted with the service key
(``User.contact``), never in clear, never in the audit trail or a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_urlsafe

import pandas as pd
from sqlalchemy import select

from quotas.exports import table_bytes
from quotas.problems import InvalidInput, Problem, raise_if_errors
from quotas.tables import read_table
from recruitment import audit
from recruitment.db import Database
from recruitment.models import LOGIN_MAX, ROLES, User
from recruitment.permissions import Action, Actor, require
from recruitment.security import Secrets, hash_password
from recruitment.usecases.common import organisations_named

COLUMNS = ("login", "role", "organisation", "email")
REQUIRED = ("login", "role")
ORGANISATION_MAX = 200
EMAIL_MAX = 254
# 16 URL-safe characters (96 random bits): well over ``setup.MIN_PASSWORD``.
_PASSWORD_BYTES = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserRow:
    """One account to create, as read from the file (``row``: its row number there)."""

    row: int
    login: str
    role: str
    organisation: str | None
    email: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OneTimePassword:
    """A new account's first password, to hand to its owner once."""

    login: str
    role: str
    organisation: str | None
    password: str = field(repr=False)


@dataclass(frozen=True)
class UserImportReport:
    """What an import did: logins created, logins that existed, organisations created."""

    created: list[str]
    existing: list[str]
    organisations: list[str]
    problems: list[Problem]


def read_user_rows(path: str | Path) -> list[UserRow]:
    """The rows of a users file (CSV or XLSX); InvalidInput listing every problem."""
    frame, problems = read_table(path)
    raise_if_errors(problems)
    return user_rows(frame)


def user_rows(frame: pd.DataFrame) -> list[UserRow]:
    """The rows of a users table (columns ``login, role, organisation, email``)."""
    names = {str(c).strip().casefold(): c for c in frame.columns}
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InvalidInput([Problem("user_import_column_missing", {"column": c}) for c in missing])
    numbers = frame.attrs.get("row_numbers", range(2, len(frame) + 2))

    def cell(values: pd.Series, name: str) -> str:
        text = values.get(names[name], "") if name in names else ""
        return "" if pd.isna(text) else str(text).strip()

    return [
        UserRow(
            int(number),
            cell(values, "login"),
            cell(values, "role").casefold(),
            cell(values, "organisation") or None,
            cell(values, "email") or None,
        )
        for number, (_, values) in zip(numbers, frame.iterrows(), strict=False)
    ]


def _login_ok(login: str) -> bool:
    return (
        0 < len(login) <= LOGIN_MAX
        and not any(c.isspace() for c in login)
        and not any(unicodedata.category(c).startswith("C") for c in login)
    )


def check_rows(rows: Sequence[UserRow]) -> list[Problem]:
    """Every problem of the rows, each naming its row (never an e-mail address)."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for r in rows:
        at = {"row": r.row, "login": r.login[:80]}
        if not _login_ok(r.login):
            problems.append(Problem("user_import_login_invalid", {"row": r.row, "max": LOGIN_MAX}))
        elif r.login in first:
            problems.append(Problem("user_import_login_repeated", {**at, "first": first[r.login]}))
        else:
            first[r.login] = r.row
        if r.role not in ROLES:
            known = ", ".join(ROLES)
            problems.append(
                Problem("user_import_role_unknown", {**at, "role": r.role[:40], "known": known})
            )
        elif r.role == "partner" and r.organisation is None:
            problems.append(Problem("user_import_partner_needs_organisation", at))
        if r.organisation is not None and len(r.organisation) > ORGANISATION_MAX:
            params = {**at, "max": ORGANISATION_MAX}
            problems.append(Problem("user_import_organisation_too_long", params))
        if r.email is not None and (len(r.email) > EMAIL_MAX or not _EMAIL.match(r.email)):
            problems.append(Problem("user_import_email_invalid", at))
    if not rows:
        problems.append(Problem("user_import_no_rows", {}))
    return problems


def one_time_password() -> str:
    """A random password that starts with a letter or digit (a spreadsheet opening the
    passwords file never reads it as a formula, and no quote is added before it)."""
    while True:
        password = token_urlsafe(_PASSWORD_BYTES)
        if password[0].isalnum():
            return password


def password_file_text(passwords: Sequence[OneTimePassword]) -> str:
    """The CSV handed to the new users' owner: login, role, organisation, password.

    Written like every table (``quotas.exports``): a login or organisation that starts
    like a formula gets a leading quote, so opening the file runs nothing.
    """
    frame = pd.DataFrame(
        [[p.login, p.role, p.organisation or "", p.password] for p in passwords],
        columns=["login", "role", "organisation", "password"],
    )
    return table_bytes(frame, "csv").decode("utf-8")


def import_users(
    db: Database,
    actor: Actor,
    rows: Sequence[UserRow],
    deliver: Callable[[list[OneTimePassword]], None],
) -> UserImportReport:
    """Create the accounts of ``rows`` (admins only), all or none; see the module docstring.

    ``deliver`` receives the new accounts' one-time passwords before the transaction
    commits (only when there is at least one); if it raises, nothing is created.
    """
    require(actor, Action.MANAGE_ORGANISATIONS)
    raise_if_errors(check_rows(rows))
    secrets = Secrets.load() if any(r.email for r in rows) else None
    with db.unit_of_work() as session:
        taken = set(
            session.execute(
                select(User.login).where(User.login.in_([r.login for r in rows]))
            ).scalars()
        )
        new = [r for r in rows if r.login not in taken]
        warnings = [
            Problem("user_import_login_exists", {"row": r.row, "login": r.login}, "warning")
            for r in rows
            if r.login in taken
        ]
        named, created_orgs = organisations_named(
            session, actor, (r.organisation for r in new if r.organisation)
        )
        orgs = {name: org.id for name, org in named.items()}
        passwords: list[OneTimePassword] = []
        for r in new:
            password = one_time_password()
            contact = None
            if r.email is not None and secrets is not None:
                contact = secrets.encrypt({"email": r.email})
            session.add(
                User(
                    login=r.login,
                    role=r.role,
                    organisation_id=orgs[r.organisation] if r.organisation else None,
                    password_hash=hash_password(password),
                    must_change_password=True,
                    contact=contact,
                )
            )
            audit.record(
                session,
                actor,
                "user.create",
                "user",
                r.login,
                after={"role": r.role, "organisation": r.organisation, "imported": True},
            )
            passwords.append(OneTimePassword(r.login, r.role, r.organisation, password))
        session.flush()
        if passwords:
            deliver(passwords)
        return UserImportReport([r.login for r in new], sorted(taken), created_orgs, warnings)
