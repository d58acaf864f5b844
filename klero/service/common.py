"""Log-in shared by the service commands: the database and the acting user.

The database comes from ``--database-url`` or ``KLERO_DATABASE_URL`` (default: the SQLite
file under ``KLERO_HOME``). The acting user is ``--user LOGIN`` or ``KLERO_USER``; the
password is read from ``KLERO_PASSWORD`` (never from the command line, so it stays out
of shell history), or asked for on a terminal; so is the one-time code of a user with a
second factor (``KLERO_TOTP``). The ``--database-url`` and ``--user`` options are in
``klero.options``: ``klero select --site`` takes them too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import typer

from klero.options import cli_language
from klero.output import staged, table_writer
from quotas.messages import render
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.permissions import Actor

P = ParamSpec("P")
T = TypeVar("T")

SiteOpt = Annotated[str, typer.Option("--site", help="Site code, e.g. FR-lyon.")]


def given_text(file: Path | None, text: str | None) -> str:
    """The text of ``--file`` (UTF-8) or of ``--text``: exactly one of them is given."""
    if (file is None) == (text is None):
        raise KleroError("cli_options_one_of", choices="--file, --text")
    return file.read_text("utf-8") if file is not None else str(text)


def password() -> str:
    """The acting user's password: ``KLERO_PASSWORD``, or a prompt on a terminal."""
    given = os.environ.get("KLERO_PASSWORD")
    if given:
        return given
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True))
    raise KleroError("login_missing")


def totp_code(login: str) -> str:
    """``login``'s one-time code: ``KLERO_TOTP``, or a prompt on a terminal; else exit 2."""
    given = os.environ.get("KLERO_TOTP")
    if given:
        return given
    if sys.stdin.isatty():
        return str(typer.prompt("One-time code"))
    raise KleroError("totp_missing", login=login)


def sign_in(db: uc.Database, user: str) -> Actor:
    """Sign ``user`` in to ``db``: the password, then the one-time code if they have one."""
    checked = uc.check_password(db, user, password(), source=uc.SignInFrom.CLI)
    if isinstance(checked, Actor):
        return checked
    return uc.check_second_factor(db, checked, totp_code(user))


def login(database_url: str | None, user: str | None) -> tuple[uc.Database, Actor]:
    """Open the database (schema checked, interrupted runs failed) and log the user in.

    ``None`` means: ``KLERO_DATABASE_URL`` (or the default) and ``KLERO_USER``.
    """
    user = user or os.environ.get("KLERO_USER")
    if not user:
        raise KleroError("login_missing")
    db = uc.start(database_url)
    try:
        return db, sign_in(db, user)
    except BaseException:
        db.dispose()
        raise


@contextmanager
def logged_in(database_url: str | None, user: str | None) -> Iterator[tuple[uc.Database, Actor]]:
    """``login``, closing the database's connections when the block ends."""
    db, actor = login(database_url, user)
    try:
        yield db, actor
    finally:
        db.dispose()


def run_as(
    database_url: str | None,
    user: str | None,
    use_case: Callable[Concatenate[uc.Database, Actor, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Log in, call ``use_case(db, actor, *args, **kwargs)``, close the database: its result."""
    with logged_in(database_url, user) as (db, actor):
        return use_case(db, actor, *args, **kwargs)


def write_recorded(
    database_url: str | None,
    user: str | None,
    out: Path,
    use_case: Callable[..., T],
    *args: object,
    writer: Callable[[Any], Callable[[Path], None]] = table_writer,
    **kwargs: object,
) -> T:
    """Log in and call ``use_case(db, actor, *args, write=..., **kwargs)``; ``write(data)``
    puts ``writer(data)`` at ``out``: its result.

    The file is in place before the transaction recording the export commits; if the
    commit fails, leaving the block takes the file out again (an earlier one back in).
    """
    with logged_in(database_url, user) as (db, actor), staged(out.parent) as files:
        return use_case(
            db, actor, *args, write=lambda data: files.publish({out.name: writer(data)}), **kwargs
        )


def say(code: str, **params: object) -> None:
    """Print the klero message ``code`` in the CLI's language (``KLERO_LANG``)."""
    typer.echo(render(code, params, cli_language()))
