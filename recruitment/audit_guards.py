"""The audit trail's append-only protections in the database: installed, checked, restored.

The hash chain shows an edited trail after the fact; these protections make the database
itself refuse to change or delete an event (``recruitment.audit``), so that doing so takes
a deliberate step first. They are:

- SQLite: the triggers ``audit_event_no_update`` and ``audit_event_no_delete``, which abort
  any UPDATE or DELETE of ``audit_event``;
- PostgreSQL: the function ``klero_audit_append_only`` (it raises an exception), called by
  the triggers ``audit_event_append_only`` (before each row's UPDATE or DELETE) and
  ``audit_event_no_truncate`` (before a TRUNCATE).

This module is the only place that says what they are: migration 0001 installs them with
``install_guards`` and ``klero db upgrade`` puts back any that is missing, altered or
disabled (``restore_guards``), even when the schema is already the newest. Method of the
check (``check_guards``): each protection must exist, be exactly what we install (SQLite:
the trigger's stored SQL; PostgreSQL: the function's body, and each trigger's timing,
events, level, function, no WHEN condition and no column list), and on PostgreSQL be
enabled for ordinary sessions (``pg_trigger.tgenabled`` ``O`` or ``A``: ``D`` is disabled,
and ``R`` fires only on replicas).

Someone with full rights on the database can still remove them again; the chain and
published anchors (``recruitment.audit_anchor``) are what finds an edit in the end.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

from quotas.messages import Message

TABLE = "audit_event"
_REFUSAL = "audit_event is append-only"

# SQLite: a trigger per verb; the check compares the stored SQL with this text.
SQLITE_TRIGGERS = {
    f"audit_event_no_{verb.lower()}": (
        f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
    )
    for verb in ("UPDATE", "DELETE")
}

PG_FUNCTION = "klero_audit_append_only"
_PG_BODY = f" BEGIN RAISE EXCEPTION '{_REFUSAL}'; END "
_PG_CREATE_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $${_PG_BODY}$$"
)
# pg_trigger.tgtype bits: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16, TRUNCATE 32.
PG_TRIGGERS = {
    "audit_event_append_only": (
        1 | 2 | 8 | 16,
        f"CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
    ),
    "audit_event_no_truncate": (
        2 | 32,
        f"CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ),
}
_PG_ENABLED = ("O", "A")  # fires in ordinary sessions (origin) or always


class GuardState(enum.Enum):
    """What the check found for one protection."""

    OK = "ok"
    MISSING = "missing"
    ALTERED = "altered"
    DISABLED = "disabled"


@dataclass(frozen=True)
class GuardCheck:
    """One protection and its state."""

    name: str
    state: GuardState

    @property
    def problem(self) -> Message | None:
        """What is wrong, as a translatable message (None when it is in place)."""
        if self.state is GuardState.OK:
            return None
        return Message(f"audit_guard_{self.state.value}", {"name": self.name})


@dataclass(frozen=True)
class GuardReport:
    """Every protection of the database's dialect, checked."""

    checks: tuple[GuardCheck, ...]

    @property
    def ok(self) -> bool:
        """Whether every protection is in place."""
        return all(c.state is GuardState.OK for c in self.checks)

    @property
    def problems(self) -> list[Message]:
        """What is missing, altered or disabled, in a fixed order."""
        return [c.problem for c in self.checks if c.problem is not None]

    @property
    def outcome(self) -> list[Message]:
        """The problems, or one message saying that every protection is in place."""
        names = ", ".join(c.name for c in self.checks)
        return self.problems or [Message("audit_guards_ok", {"names": names})]

    def lines(self, lang: str = "en") -> list[str]:
        """The outcome as sentences in ``lang``."""
        return [m.text(lang) for m in self.outcome]


def _same_sql(found: str | None, expected: str) -> bool:
    return found is not None and " ".join(found.split()) == " ".join(expected.split())


def _check_sqlite(connection: Connection) -> list[GuardCheck]:
    stored: dict[str, str] = dict(
        connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": TABLE},
        ).all()
    )
    checks = []
    for name, sql in SQLITE_TRIGGERS.items():
        if name not in stored:
            state = GuardState.MISSING
        else:
            state = GuardState.OK if _same_sql(stored[name], sql) else GuardState.ALTERED
        checks.append(GuardCheck(name, state))
    return checks


def _pg_function(connection: Connection) -> tuple[int | None, GuardCheck]:
    """The function's oid (None if missing) and its check."""
    found = connection.execute(
        text(
            "SELECT p.oid, p.prosrc, t.typname FROM pg_proc p "
            "JOIN pg_type t ON t.oid = p.prorettype "
            "WHERE p.oid = to_regprocedure(:signature)"
        ),
        {"signature": f"{PG_FUNCTION}()"},
    ).first()
    if found is None:
        return None, GuardCheck(PG_FUNCTION, GuardState.MISSING)
    same = _same_sql(found.prosrc, _PG_BODY) and found.typname == "trigger"
    return int(found.oid), GuardCheck(PG_FUNCTION, GuardState.OK if same else GuardState.ALTERED)


def _check_postgres(connection: Connection) -> list[GuardCheck]:
    function, function_check = _pg_function(connection)
    rows = connection.execute(
        text(
            "SELECT tgname, tgtype, tgenabled, tgfoid, tgqual IS NULL AS unconditional, "
            "cardinality(tgattr::int2[]) = 0 AS all_columns FROM pg_trigger "
            "WHERE tgrelid = to_regclass(:table) AND NOT tgisinternal"
        ),
        {"table": TABLE},
    ).all()
    found = {row.tgname: row for row in rows}
    checks = [function_check]
    for name, (tgtype, _create) in PG_TRIGGERS.items():
        row = found.get(name)
        if row is None:
            state = GuardState.MISSING
        elif not (
            row.tgtype == tgtype
            and function is not None
            and row.tgfoid == function
            and row.unconditional
            and row.all_columns
        ):
            state = GuardState.ALTERED
        elif row.tgenabled not in _PG_ENABLED:
            state = GuardState.DISABLED
        else:
            state = GuardState.OK
        checks.append(GuardCheck(name, state))
    return checks


def check_guards(connection: Connection) -> GuardReport:
    """Check every protection of the connection's dialect (the trail's table must exist)."""
    if connection.dialect.name == "postgresql":
        return GuardReport(tuple(_check_postgres(connection)))
    return GuardReport(tuple(_check_sqlite(connection)))


def _restore_trigger(connection: Connection, check: GuardCheck) -> None:
    if connection.dialect.name != "postgresql":
        connection.execute(text(f"DROP TRIGGER IF EXISTS {check.name}"))
        connection.execute(text(SQLITE_TRIGGERS[check.name]))
    elif check.state is GuardState.DISABLED:
        connection.execute(text(f"ALTER TABLE {TABLE} ENABLE TRIGGER {check.name}"))
    else:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {check.name} ON {TABLE}"))
        connection.execute(text(PG_TRIGGERS[check.name][1]))


def restore_guards(connection: Connection) -> list[str]:
    """Put back every protection that is missing, altered or disabled; return their names.

    Idempotent: with every protection in place it changes nothing. Does nothing before
    the trail's table exists.
    """
    if not inspect(connection).has_table(TABLE):
        return []
    first = check_guards(connection)
    restored = [c.name for c in first.checks if c.state is not GuardState.OK]
    if PG_FUNCTION in restored:
        # The function first, as the triggers call it. A function of another shape (say,
        # returning void) cannot be replaced in place: drop it with whatever calls it.
        connection.execute(text(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}() CASCADE"))
        connection.execute(text(_PG_CREATE_FUNCTION))
    for check in check_guards(connection).checks:
        if check.state is not GuardState.OK:
            _restore_trigger(connection, check)
            restored += [] if check.name in restored else [check.name]
    return restored


def install_guards(connection: Connection) -> None:
    """Install every protection (migration 0001, right after creating the table)."""
    restore_guards(connection)


def drop_guards(connection: Connection) -> None:
    """Remove every protection (migration 0001's downgrade, before dropping the table)."""
    if connection.dialect.name == "postgresql":
        for name in reversed(PG_TRIGGERS):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}"))
        connection.execute(text(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"))
        return
    for name in SQLITE_TRIGGERS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
