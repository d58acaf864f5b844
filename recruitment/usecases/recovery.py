"""Telling live runs from orphans: a process-bound marker, and marking orphans failed.

On PostgreSQL a running selection holds a session-level advisory lock on its own
connection; the server frees it when the process dies. On SQLite (one machine) the
recorded host and process id tell whether the process still exists.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from quotas.problems import KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.models import PanelSeat, SelectionRun, utcnow
from recruitment.permissions import Actor

_RUN_LOCK_CLASS = 0x6B6C
# Runs this process is computing now (SQLite: tells our own live runs from orphans).
_ACTIVE: set[int] = set()
HOST = socket.gethostname()

# -- liveness of a run's process ------------------------------------------------------


@contextmanager
def alive_marker(db: Database, run_id: int) -> Iterator[None]:
    """While the block runs, hold a PostgreSQL session lock that dies with this process."""
    _ACTIVE.add(run_id)
    connection: Connection | None = None
    try:
        if db.is_postgres:
            connection = db.engine.connect()
            connection.execute(
                text("SELECT pg_advisory_lock(:a, :b)"), {"a": _RUN_LOCK_CLASS, "b": run_id}
            )
            connection.commit()
        yield
    finally:
        _ACTIVE.discard(run_id)
        if connection is not None:
            connection.execute(
                text("SELECT pg_advisory_unlock(:a, :b)"), {"a": _RUN_LOCK_CLASS, "b": run_id}
            )
            connection.commit()
            connection.close()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _orphaned(session: Session, run: SelectionRun) -> bool:
    """Whether the process that started a ``running`` run is gone."""
    if run.id in _ACTIVE:
        return False
    if session.get_bind().dialect.name == "postgresql":
        # Free lock = its holder's connection is closed = the process is gone. The
        # transaction-level lock we take here is released when our transaction ends.
        got = session.execute(
            text("SELECT pg_try_advisory_xact_lock(:a, :b)"), {"a": _RUN_LOCK_CLASS, "b": run.id}
        ).scalar_one()
        return bool(got)
    if run.host != HOST:
        return False  # another machine's process: we cannot tell, so we do not guess
    return run.pid == os.getpid() or not _process_alive(run.pid)


def mark_failed(session: Session, actor: Actor, run: SelectionRun, code: str, message: str) -> None:
    run.status = "failed"
    run.error_code = code
    run.error_message = message
    run.finished_at = utcnow()
    record_run_end(session, actor, run, {"error_code": code})


def record_run_end(
    session: Session, actor: Actor, run: SelectionRun, details: dict[str, Any]
) -> None:
    """Audit a run leaving ``running`` for its (new) status, with ``details``."""
    audit.record(
        session,
        actor,
        f"selection.{run.status}",
        "run",
        run.id,
        site_id=run.site_id,
        before={"status": "running"},
        after={"status": run.status, **details},
    )


def recover_site_runs(session: Session, site_id: int | None = None) -> list[int]:
    query = select(SelectionRun).where(SelectionRun.status == "running")
    if site_id is not None:
        query = query.where(SelectionRun.site_id == site_id)
    recovered: list[int] = []
    for run in session.execute(query.order_by(SelectionRun.id)).scalars():
        if _orphaned(session, run):
            # Seats are only written when a run succeeds, but be sure none is left.
            for seat in session.execute(
                select(PanelSeat).where(PanelSeat.run_id == run.id)
            ).scalars():
                session.delete(seat)
            mark_failed(
                session,
                Actor.system(),
                run,
                "selection_interrupted",
                KleroError("selection_interrupted").message,
            )
            recovered.append(run.id)
    return recovered


def recover_interrupted_runs(db: Database) -> list[int]:
    """Mark as failed every ``running`` run whose process is gone; return their ids."""
    with db.unit_of_work() as session:
        return recover_site_runs(session)
