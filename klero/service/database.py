"""The database and its key: ``klero db upgrade|downgrade`` and ``klero key create``.

Exit codes: 0 success, 2 a request that cannot be done as given (a downgrade not
confirmed, a key file already there), 3 the database cannot be used (unreachable,
unwritable, a newer schema).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klero.options import DbOpt
from klero.service.common import say
from quotas.messages import render
from quotas.problems import KleroError
from recruitment.db import database_url, downgrade, safe_url, upgrade_database
from recruitment.security import create_key_file

db_app = typer.Typer(no_args_is_help=True)
key_app = typer.Typer(no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(database_url_: DbOpt = None) -> None:
    """Create the tables, or bring an older database up to date (back it up first)."""
    upgraded = upgrade_database(database_url_)
    say("svc_db_at_schema", url=safe_url(database_url(database_url_)), revision=upgraded.revision)
    if upgraded.restored:
        typer.echo(render("audit_guards_restored", {"names": ", ".join(upgraded.restored)}))


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Option("--to", help="The older schema version, e.g. 0002.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: what newer versions store is deleted.")
    ] = False,
    database_url_: DbOpt = None,
) -> None:
    """Take the database back to an older schema version (to run an older Kleroterion)."""
    if not yes:
        raise KleroError("db_downgrade_unconfirmed", revision=revision)
    reached = downgrade(database_url_, revision)
    say("svc_db_downgraded", url=safe_url(database_url(database_url_)), revision=reached)


@key_app.command("create")
def key_create(
    path: Annotated[Path | None, typer.Option("--path", help="Key file to write.")] = None,
) -> None:
    """Create the secret key file (default KLERO_KEY_FILE or $KLERO_HOME/secret.key)."""
    written = create_key_file(path)
    say("svc_key_written", path=written)
