"""The database's own refusal to change audit events: checked by verify, restored by upgrade."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from klero.app import main
from quotas.messages import render
from recruitment import usecases as uc
from recruitment.audit_guards import GuardState
from tests.recruitment.conftest import PASSWORD, World, drop_audit_guards

PROTECTIONS = {
    "sqlite": ["audit_event_no_update", "audit_event_no_delete"],
    "postgresql": ["klero_audit_append_only", "audit_event_append_only", "audit_event_no_truncate"],
}


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The world, with the CLI pointed at it as the evaluator."""
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "eve")
    return world


def _sql(world: World, *statements: str) -> None:
    with world.db.unit_of_work() as session:
        for statement in statements:
            session.execute(text(statement))


class _Undo(Exception):
    """Raised to roll back an edit that went through."""


def _refuses_edits(world: World) -> bool:
    """Whether the database refuses to change an event (an accepted change is rolled back)."""
    try:
        with world.db.unit_of_work() as session:
            session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 2"))
            raise _Undo
    except DBAPIError:
        return True
    except _Undo:
        return False


def _verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify"])
    return code, capsys.readouterr().out


def test_a_fresh_database_has_every_protection(cli: World) -> None:
    report = uc.check_audit_guards(cli.db, cli.evaluator)
    dialect = "postgresql" if cli.db.is_postgres else "sqlite"
    assert [c.name for c in report.checks] == PROTECTIONS[dialect]
    assert report.ok and _refuses_edits(cli)


def test_removed_protections_are_named_by_verify_and_restored_by_db_upgrade(
    cli: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify(capsys)[0] == 0
    drop_audit_guards(cli)  # SQLite: both triggers dropped; PostgreSQL: both disabled
    code, out = _verify(capsys)
    assert code == 1
    expected = (
        ["audit_event_append_only", "audit_event_no_truncate"]
        if cli.db.is_postgres
        else ["audit_event_no_update", "audit_event_no_delete"]
    )
    state = "disabled" if cli.db.is_postgres else "missing"
    for name in expected:
        assert render(f"audit_guard_{state}", {"name": name}) in out
    assert "intact" in out  # the chain itself is fine: only the protections are named
    capsys.readouterr()
    assert main(["audit", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["protections"]["ok"] is False
    assert {p["params"]["name"] for p in report["protections"]["problems"]} == set(expected)

    assert main(["db", "upgrade"]) == 0
    assert ", ".join(expected) in capsys.readouterr().out
    assert _verify(capsys)[0] == 0
    assert _refuses_edits(cli)
    assert main(["db", "upgrade"]) == 0  # nothing left to restore: says nothing about it
    assert "restored" not in capsys.readouterr().out


def test_a_protection_replaced_by_a_harmless_one_is_named_as_altered(
    cli: World, capsys: pytest.CaptureFixture[str]
) -> None:
    if cli.db.is_postgres:
        # Same name, same triggers, but a body that lets every change through.
        _sql(
            cli,
            "CREATE OR REPLACE FUNCTION klero_audit_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        )
        altered = "klero_audit_append_only"
    else:
        _sql(
            cli,
            "DROP TRIGGER audit_event_no_update",
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT 1; END",
        )
        altered = "audit_event_no_update"
    assert not _refuses_edits(cli)
    code, out = _verify(capsys)
    assert code == 1 and render("audit_guard_altered", {"name": altered}) in out
    assert main(["db", "upgrade"]) == 0
    assert _verify(capsys)[0] == 0 and _refuses_edits(cli)


# PostgreSQL only: SQLite triggers cannot be disabled, and SQLite has no TRUNCATE.
@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_triggers_moved_off_or_to_replicas_are_found_and_restored(
    cli: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.db.is_postgres
    # ENABLE REPLICA: the trigger fires only on replicas, never for ordinary sessions.
    _sql(cli, "ALTER TABLE audit_event ENABLE REPLICA TRIGGER audit_event_append_only")
    states = {c.name: c.state for c in uc.check_audit_guards(cli.db, cli.evaluator).checks}
    assert states["audit_event_append_only"] is GuardState.DISABLED
    # A trigger recreated for INSERT only does not protect anything.
    _sql(
        cli,
        "DROP TRIGGER audit_event_no_truncate ON audit_event",
        "CREATE TRIGGER audit_event_no_truncate BEFORE INSERT ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION klero_audit_append_only()",
    )
    states = {c.name: c.state for c in uc.check_audit_guards(cli.db, cli.evaluator).checks}
    assert states["audit_event_no_truncate"] is GuardState.ALTERED
    # And the function dropped with everything that calls it.
    _sql(cli, "DROP FUNCTION klero_audit_append_only() CASCADE")
    code, out = _verify(capsys)
    assert code == 1
    for name in PROTECTIONS["postgresql"]:
        assert render("audit_guard_missing", {"name": name}) in out
    assert main(["db", "upgrade"]) == 0
    assert _verify(capsys)[0] == 0 and _refuses_edits(cli)
    with pytest.raises(DBAPIError):
        _sql(cli, "TRUNCATE audit_event CASCADE")
