"""The audit trail: every change leaves a hash-chained event; tampering is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from recruitment import usecases as uc
from recruitment.audit import verify_chain
from recruitment.models import AuditEvent
from tests.recruitment.conftest import SITE, World, drop_audit_guards, quotas_for


def _events(world: World) -> list[AuditEvent]:
    with world.db.unit_of_work() as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def test_set_up_is_audited_and_the_chain_verifies(world: World) -> None:
    actions = [e.action for e in _events(world)]
    assert actions[0] == "user.bootstrap"
    assert actions.count("user.create") == 4
    assert "site.create" in actions
    result = uc.verify_audit(world.db, world.evaluator)
    assert result.ok and result.count == len(actions)


def test_quota_changes_keep_before_and_after(world: World) -> None:
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    second = quotas_for().with_bounds("gender", "female", 20, 30)
    uc.set_quotas(world.db, world.coordinator, SITE, second)
    changes = [e for e in _events(world) if e.action == "quotas.set"]
    assert [e.actor for e in changes] == ["alice", "coord"]
    assert changes[0].before is None
    assert changes[1].before is not None and changes[1].after is not None
    assert changes[1].before["version"] == 1 and changes[1].after["version"] == 2
    female_after = next(r for r in changes[1].after["rows"] if r["value"] == "female")
    assert (female_after["min"], female_after["max"]) == (20, 30)


def test_the_database_refuses_to_change_an_event(world: World) -> None:
    with pytest.raises(DBAPIError), world.db.unit_of_work() as session:
        session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 2"))
    with pytest.raises(DBAPIError), world.db.unit_of_work() as session:
        session.execute(text("DELETE FROM audit_event WHERE id = 2"))
    assert uc.verify_audit(world.db, world.admin).ok


def test_an_edited_event_is_named_as_the_first_broken_one(world: World) -> None:
    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 3"))
    result = uc.verify_audit(world.db, world.admin)
    assert not result.ok
    assert result.broken_id == 3
    assert result.count == 2
    assert "event 3" in result.message and "restore" in result.message


def test_a_deleted_event_breaks_the_chain_after_it(world: World) -> None:
    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        session.execute(text("DELETE FROM audit_event WHERE id = 4"))
        result = verify_chain(session)
    assert not result.ok and result.broken_id == 5
    assert "missing" in (result.reason or "")


def test_a_rehashed_event_still_breaks_the_link_to_the_next(world: World) -> None:
    # Recomputing an edited event's own hash is not enough: the next event points to the old one.
    from recruitment.audit import _fields, event_hash

    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        event = session.get(AuditEvent, 2)
        assert event is not None
        event.actor = "mallory"
        event.hash = event_hash(_fields(event), event.prev_hash)
    result = uc.verify_audit(world.db, world.admin)
    assert not result.ok and result.broken_id == 3


def test_a_broken_chain_is_explained_in_the_reader_s_language() -> None:
    from quotas.messages import Message
    from recruitment.audit import VerifyResult

    why = Message("audit_reason_missing", {"expected": 4, "next": 6})
    broken = VerifyResult(False, 3, "ab" * 32, 6, why.text(), "pool.import", "alice", "t", why)
    assert "event 4 is missing (the next one is 6)" in broken.message
    assert "l'événement 4 manque (le suivant est le 6)" in broken.outcome.text("fr")
    assert "falta el evento 4" in broken.outcome.text("es")
