"""Users and signing in: ``klero user create``, ``import``, ``password``, ``unlock``, ``totp``.

Exit codes: 0 success, 2 a request that cannot be done as given (a wrong code, no factor
to confirm, no password for a new user), 3 no secret key, 4 permission denied (or your
own login locked).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from klero.files.check import print_problems
from klero.options import (
    SERVICE,
    Service,
    cli_language,
    emit_json,
    with_service,
)
from klero.service.common import logged_in, password, run_as, say, sign_in
from quotas.problems import EnvironmentFailure, KleroError
from recruitment import usecases as uc
from recruitment.private_files import create_private_file

user_app = typer.Typer(no_args_is_help=True)
totp_app = typer.Typer(
    help="Your second factor: a one-time code from an authenticator app at each sign-in.",
    no_args_is_help=True,
)
user_app.add_typer(totp_app, name="totp")

_CODE = typer.Option("--code", help="The 6-digit code your authenticator app shows now.")
CodeOpt = Annotated[str | None, _CODE]


@user_app.command("create")
@with_service()
def user_create(
    new_login: Annotated[str, typer.Option("--login", help="The new user's login.")],
    role: Annotated[str, typer.Option("--role", help="admin, coordinator, partner or evaluator.")],
    organisation: Annotated[str | None, typer.Option("--organisation")] = None,
    service: Service = SERVICE,
) -> None:
    """Create a user; the password is read from KLERO_NEW_PASSWORD (or asked for).

    In an empty database the first user must be an admin and needs no --user.
    """
    secret = _new_password()
    db = uc.start(service.database_url)
    try:
        if service.user is None and role == "admin":
            uc.bootstrap_admin(db, new_login, secret)
        else:
            if not service.user:
                raise KleroError("login_missing")
            actor = sign_in(db, service.user)
            uc.create_user(db, actor, new_login, secret, role, organisation)
    finally:
        db.dispose()
    say("svc_user_created", login=new_login, role=role)


def _new_password() -> str:
    """``KLERO_NEW_PASSWORD``, or asked twice on a terminal; KleroError (exit 2) otherwise."""
    given = os.environ.get("KLERO_NEW_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise KleroError("new_password_missing")
    return str(typer.prompt("New user's password", hide_input=True, confirmation_prompt=True))


@user_app.command("import")
@with_service(json=True)
def user_import(
    file: Annotated[
        Path,
        typer.Option("--file", help="Accounts (CSV or XLSX): login, role, organisation, email."),
    ],
    passwords_out: Annotated[
        Path | None,
        typer.Option(
            "--passwords-out",
            help="Where to write the one-time passwords (a new file readable by you only; "
            "default: klero-passwords-DATE.csv here).",
        ),
    ] = None,
    service: Service = SERVICE,
) -> None:
    """Create accounts in bulk (admins); one-time passwords go to an owner-only file.

    Every row is checked first; any wrong row: nothing is created (exit 2). Logins that
    exist are reported and left alone; missing organisations are created. Each new user
    must set their own password at first sign-in (klero user password).
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = passwords_out or Path(f"klero-passwords-{stamp}.csv")
    if target.exists() or target.is_symlink():
        raise KleroError("passwords_file_exists", path=str(target))
    rows = uc.read_user_rows(file)
    written: list[Path] = []

    def deliver(passwords: list[uc.OneTimePassword]) -> None:
        _write_passwords(target, passwords)
        written.append(target)

    try:
        with logged_in(*service.login) as (db, actor):
            report = uc.import_users(db, actor, rows, deliver)
    except BaseException:
        for path in written:  # the accounts were not created: their passwords mean nothing
            path.unlink(missing_ok=True)
        raise
    _print_import(report, target if written else None, service.as_json)


def _write_passwords(target: Path, passwords: Sequence[uc.OneTimePassword]) -> None:
    """Write the passwords to a new ``0600`` file; never overwrite one."""
    try:
        fd = create_private_file(target)
    except FileExistsError as exc:
        raise KleroError("passwords_file_exists", path=str(target)) from exc
    except OSError as exc:
        detail = exc.strerror or type(exc).__name__
        raise EnvironmentFailure(
            "passwords_file_unwritable", path=str(target), detail=detail
        ) from exc
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(uc.password_file_text(passwords))
        handle.flush()
        os.fsync(handle.fileno())


def _print_import(report: uc.UserImportReport, target: Path | None, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "created": report.created,
                "existing": report.existing,
                "organisations_created": report.organisations,
                "passwords_file": str(target) if target else None,
                "problems": [p.to_dict() for p in report.problems],
            }
        )
        return
    say(
        "svc_users_imported",
        count=len(report.created),
        existing=len(report.existing),
        organisations=len(report.organisations),
    )
    print_problems(list(report.problems), cli_language())
    if target is not None:
        say("svc_one_time_passwords", path=target)


@user_app.command("password")
@with_service()
def user_password(service: Service = SERVICE) -> None:
    """Set your own password (needed after a one-time password): current one from KLERO_PASSWORD.

    The new password is read from KLERO_NEW_PASSWORD (or asked twice on a terminal); a
    user with a second factor also gives a code (KLERO_TOTP, or asked for).
    """
    login = service.user or os.environ.get("KLERO_USER")
    if not login:
        raise KleroError("login_missing")
    current = password()
    new = _new_password()
    db = uc.start(service.database_url)
    try:
        uc.change_password(db, login, current, new, totp=os.environ.get("KLERO_TOTP"))
    finally:
        db.dispose()
    say("svc_password_changed", login=login)


@user_app.command("unlock")
@with_service()
def user_unlock(
    login: Annotated[str, typer.Argument(help="The login to unlock, as it was typed.")],
    service: Service = SERVICE,
) -> None:
    """Lift a login's lock after failed sign-ins and forget those failures (admins only)."""
    done = run_as(*service.login, uc.unlock_login, login)
    if done.was_locked:
        say("svc_login_unlocked", login=login, count=done.failures)
    elif done.failures:
        say("svc_login_failures_forgotten", login=login, count=done.failures)
    else:
        say("svc_login_not_locked", login=login)


@totp_app.command("enable")
@with_service(json=True)
def totp_enable(service: Service = SERVICE) -> None:
    """Set up a second factor for yourself; it is asked for once you confirm it."""
    setup = run_as(*service.login, uc.enable_totp)
    if service.as_json:
        emit_json({"login": setup.login, "uri": setup.uri, "secret": setup.secret})
        return
    typer.echo(
        f"Second factor for {setup.login}. Add it to your authenticator app (this is shown "
        "once only; keep it secret):"
    )
    typer.echo(f"  {setup.uri}")
    say("svc_totp_key", secret=setup.secret)
    typer.echo(
        "Then prove that the app works: klero user totp confirm --code NNNNNN. Until then "
        "signing in asks for no code."
    )


@totp_app.command("confirm")
@with_service()
def totp_confirm(
    code: Annotated[str, _CODE],
    service: Service = SERVICE,
) -> None:
    """Activate your pending second factor with a code from the authenticator app."""
    with logged_in(*service.login) as (db, actor):
        uc.confirm_totp(db, actor, code)
    typer.echo(
        f"Second factor of {actor.login} active: every sign-in now needs a one-time code "
        "(KLERO_TOTP, or asked for on a terminal)."
    )


@totp_app.command("disable")
@with_service()
def totp_disable(
    login: Annotated[
        str | None,
        typer.Option("--login", help="Another user's login (admins only; default: yours)."),
    ] = None,
    code: CodeOpt = None,
    service: Service = SERVICE,
) -> None:
    """Remove a second factor: yours (with a current code) or, as an admin, anyone's."""
    with logged_in(*service.login) as (db, actor):
        if code is None and (login is None or login == actor.login):
            # The code you signed in with proves it too; otherwise ask on a terminal.
            code = os.environ.get("KLERO_TOTP") or (
                str(typer.prompt("One-time code")) if sys.stdin.isatty() else None
            )
        target = uc.disable_totp(db, actor, login, code=code)
    say("svc_second_factor_removed", login=target)
