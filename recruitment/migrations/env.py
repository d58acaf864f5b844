"""Alembic environment for Kleroterion: configured from code, no alembic.ini needed."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from recruitment.db import make_engine
from recruitment.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection handed over by ``recruitment.db.upgrade`` (or the URL)."""
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; use 'klero db upgrade'.")
run_migrations_online()
