"""The database: engine from a URL, one transaction per use case, Alembic migrations shipped inside.

The URL comes from ``--database-url`` or ``KLERO_DATABASE_URL``; the default is an embedded
SQLite file ``$KLERO_HOME/klero.sqlite`` (``~/.local/share/kleroterion`` when unset).
PostgreSQL URLs look like ``postgresql+psycopg://user@host:5432/dbname``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

from quotas.problems import EnvironmentFailure, KleroError
from recruitment.audit_guards import restore_guards
from recruitment.private_files import (
    create_private_file,
    is_klero_home,
    private_folder,
    tighten_file,
)
from recruitment.security import klero_home

# Waiting for another writer on SQLite: long enough for a selection to store its panel.
SQLITE_BUSY_MS = 60_000


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url``, else ``KLERO_DATABASE_URL``, else the default SQLite file."""
    if url:
        return url
    env = os.environ.get("KLERO_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{klero_home() / 'klero.sqlite'}"


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


#: Driver names (SQLAlchemy's) of the databases Kleroterion runs on and ships drivers for.
SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})


def check_url(url: str) -> None:
    """Raise KleroError (exit 2) unless ``url`` is a well-formed SQLite or PostgreSQL URL.

    Checked before an engine is made, so that ``mysql://...`` or a typo says what to
    write instead of failing on a missing driver.

    >>> check_url("sqlite:///tmp/klero.sqlite")
    >>> check_url("mysql://me@db/klero")
    Traceback (most recent call last):
    quotas.problems.KleroError: The database URL mysql://me@db/klero is for mysql, ...
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError or ValueError
        raise KleroError("db_url_malformed", url=_masked(url)) from exc
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise KleroError(
            "db_url_unsupported", url=safe_url(url), backend=parsed.drivername.split("+")[0]
        )


def _masked(url: str) -> str:
    """A URL that could not be parsed, with whatever may be a password hidden."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return scheme + sep + rest


def is_postgres(engine: Engine) -> bool:
    """Whether the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def _private_sqlite_file(path: Path) -> None:
    """Create the database file ``0600`` in a ``0700`` folder before SQLite opens it.

    SQLite creates ``-wal`` and ``-shm`` with the database file's mode, so they are
    private too. In ``KLERO_HOME`` (ours) existing files are tightened as well: a
    database made by an older Kleroterion was readable by everyone.
    """
    ours = is_klero_home(path.parent, klero_home())
    try:
        private_folder(path.parent, ours=ours)
        try:
            os.close(create_private_file(path))
        except FileExistsError:
            if ours:
                for suffix in ("", "-wal", "-shm"):
                    tighten_file(path.with_name(path.name + suffix))
    except OSError as exc:
        detail = exc.strerror or str(exc)
        raise EnvironmentFailure("db_file_unwritable", path=str(path), detail=detail) from exc


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and writer-serialising transactions.

    Raises KleroError for a URL that is malformed or names another database (``check_url``).
    """
    check_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        _private_sqlite_file(Path(database).expanduser())
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two use cases never interleave their
        # read-check-write steps, which is what row locks give us on PostgreSQL.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass
class Database:
    """An engine and its session factory; ``unit_of_work()`` is the only way to a session."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        session = self.sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL."""
        return is_postgres(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _alembic_config(url: str) -> Config:
    # Alembic is imported only when the schema is checked or migrated: it is slow to
    # import, and most commands (klero check, select on files) never touch a database.
    from alembic.config import Config

    config = Config()
    location = resources.files("recruitment").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    # Percent signs in passwords would otherwise be read as interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every schema revision this code knows (older ones included)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config("sqlite://"))
    return {rev.revision for rev in scripts.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class Upgraded:
    """What ``klero db upgrade`` did: the revision reached and the protections put back."""

    revision: str
    restored: tuple[str, ...] = ()


def _migrate(url: str | None, revision: str, *, down: bool = False) -> Upgraded:
    from alembic import command

    target = database_url(url)
    engine = make_engine(target)
    restored: list[str] = []
    try:
        reachable_revision(engine, target)
        with engine.begin() as connection:
            config = _alembic_config(target)
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
            if not down:
                # Migrations run once; the trail's protections are checked on every upgrade,
                # so one removed later comes back even when the schema is the newest.
                restored = restore_guards(connection)
        return Upgraded(current_revision(engine) or "", tuple(restored))
    finally:
        engine.dispose()


def upgrade_database(url: str | None = None, revision: str = "head") -> Upgraded:
    """Bring the schema up to ``revision`` and restore the audit trail's protections."""
    return _migrate(url, revision)


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Bring the database's schema up to ``revision``; return the revision reached."""
    return upgrade_database(url, revision).revision


def revisions_in_order() -> list[str]:
    """Every schema revision this code knows, oldest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(scripts.walk_revisions()))]


def downgrade(url: str | None, revision: str) -> str:
    """Take the database's schema back to ``revision`` (what newer columns held is lost).

    Raises KleroError for an unknown revision or one that is not older than the database's.
    """
    order = revisions_in_order()
    if revision not in order:
        raise KleroError("db_revision_unknown", revision=revision, known=", ".join(order))
    target = database_url(url)
    engine = make_engine(target)
    try:
        current = reachable_revision(engine, target)
    finally:
        engine.dispose()
    if current is None or current not in order or order.index(current) <= order.index(revision):
        raise KleroError(
            "db_downgrade_not_older", url=safe_url(target), current=current, revision=revision
        )
    return _migrate(url, revision, down=True).revision


def reachable_revision(engine: Engine, url: str) -> str | None:
    """The database's schema revision; KleroError ``db_unreachable`` when it cannot be reached.

    A server that is down, a database that does not exist or a refused login is a failure
    the request did not cause (exit 3), named in one line.
    """
    try:
        return current_revision(engine)
    except Exception as exc:  # the driver's own error types differ per database
        raise EnvironmentFailure(
            "db_unreachable", url=safe_url(url), detail=str(exc).splitlines()[0]
        ) from exc


def check_schema(engine: Engine, url: str) -> None:
    """Raise KleroError unless the database's schema is the newest this code knows."""
    current = reachable_revision(engine, url)
    head = head_revision()
    if current is None:
        raise EnvironmentFailure("db_not_initialised", url=safe_url(url))
    if current != head:
        code = "db_schema_out_of_date" if current in known_revisions() else "db_schema_newer"
        raise EnvironmentFailure(code, url=safe_url(url), current=current, head=head)


def open_database(url: str | None = None, *, check: bool = True) -> Database:
    """Open the database at ``url``; with ``check``, refuse an out-of-date schema."""
    target = database_url(url)
    engine = make_engine(target)
    if check:
        try:
            check_schema(engine, target)
        except KleroError:
            engine.dispose()
            raise
    return Database(target, engine, sessionmaker(engine, expire_on_commit=False))
