"""Anchors: a published head of the audit trail reveals what the chain alone cannot, a cut tail."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from quotas.problems import InvalidInput
from recruitment import usecases as uc
from recruitment.audit_anchor import (
    ANCHOR_VERSION,
    Anchor,
    parse_anchor,
    parse_anchor_lines,
    parse_anchors,
)
from recruitment.models import AuditEvent
from recruitment.permissions import PermissionDenied
from tests.recruitment.conftest import World, drop_audit_guards

HASH = "0123456789abcdef" * 4


def _last_event(world: World) -> AuditEvent:
    with world.db.unit_of_work() as session:
        return session.execute(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar_one()


def _delete_events_after(world: World, sequence: int) -> None:
    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        session.execute(text("DELETE FROM audit_event WHERE id > :n"), {"n": sequence})


def test_the_head_names_the_newest_event_and_moves_when_one_is_added(world: World) -> None:
    head = uc.audit_head(world.db, world.evaluator)
    last = _last_event(world)
    assert (head.event_id, head.hash, head.at) == (last.id, last.hash, last.at)
    assert head.count == last.id and head.chain is None
    assert head.anchor.text == f"klero-audit-v1:{last.id}:{last.hash}"
    assert parse_anchor(head.anchor.text) == head.anchor

    uc.create_organisation(world.db, world.admin, "Org C")
    later = uc.audit_head(world.db, world.coordinator, verify=True)
    assert later.count == head.count + 1 and later.hash != head.hash
    assert later.chain is not None and later.chain.ok
    # Old anchors stay valid as the trail grows: each still names an event as published.
    checked = uc.verify_audit_anchors(world.db, world.evaluator, [head.anchor, later.anchor])
    assert checked.ok and all(c.ok for c in checked.anchors)
    assert checked.lines()[1] == "The audit trail matches every published anchor (2)."


def test_a_deleted_tail_is_found_with_an_anchor_and_only_with_one(world: World) -> None:
    early = uc.audit_head(world.db, world.admin).anchor
    uc.create_organisation(world.db, world.admin, "Org C")
    uc.create_organisation(world.db, world.admin, "Org D")
    published = uc.audit_head(world.db, world.admin).anchor
    assert published.sequence == early.sequence + 2

    _delete_events_after(world, early.sequence)

    # What is left of the chain still links up: the chain alone cannot see the cut.
    assert uc.verify_audit(world.db, world.evaluator).ok
    # The published anchor can.
    checked = uc.verify_audit_anchors(world.db, world.evaluator, [early, published])
    assert not checked.ok and checked.chain.ok
    assert [c.ok for c in checked.anchors] == [True, False]
    first = checked.lines()[0]
    assert first.startswith(f"Anchor {published.text} vouches for event {published.sequence}")
    assert f"the events after #{early.sequence} were deleted" in first
    assert checked.anchors[1].outcome.code == "audit_anchor_truncated"


def test_a_rewritten_tail_shows_as_a_different_hash(world: World) -> None:
    uc.create_organisation(world.db, world.admin, "Org C")
    published = uc.audit_head(world.db, world.admin).anchor
    _delete_events_after(world, published.sequence - 1)
    # New events take the deleted numbers; the chain links up again, the anchor does not.
    uc.create_organisation(world.db, world.admin, "Org X")
    assert uc.verify_audit(world.db, world.evaluator).ok
    checked = uc.verify_audit_anchors(world.db, world.evaluator, [published])
    assert not checked.ok
    assert checked.anchors[0].outcome.code == "audit_anchor_mismatch"
    assert "altered or rewritten" in checked.message and published.text in checked.message


def test_an_anchored_event_deleted_inside_the_trail_is_named(world: World) -> None:
    anchor = Anchor(3, _event_hash(world, 3))
    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        session.execute(text("DELETE FROM audit_event WHERE id = 3"))
    checked = uc.verify_audit_anchors(world.db, world.evaluator, [anchor])
    assert [m.code for m in checked.problems] == ["audit_chain_broken", "audit_anchor_missing"]
    assert checked.lines()[0].startswith("The audit trail is broken at event 4")
    far = uc.verify_audit_anchors(world.db, world.evaluator, [Anchor(10**17, HASH)])
    assert far.anchors[0].outcome.code == "audit_anchor_truncated"


def _event_hash(world: World, event_id: int) -> str:
    with world.db.unit_of_work() as session:
        event = session.get(AuditEvent, event_id)
        assert event is not None
        return event.hash


def test_only_those_who_verify_the_audit_read_its_head(world: World) -> None:
    for actor in (world.admin, world.coordinator, world.evaluator):
        assert uc.audit_head(world.db, actor).count > 0
    with pytest.raises(PermissionDenied) as denied:
        uc.audit_head(world.db, world.partner)
    assert denied.value.exit_code == 4
    assert "may not verify the audit trail" in denied.value.message
    anchor = uc.audit_head(world.db, world.admin).anchor
    with pytest.raises(PermissionDenied):
        uc.verify_audit_anchors(world.db, world.partner, [anchor])


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "klero-audit-v1",
        f"klero-audit-v1:{HASH}",
        f"klero-audit-v1:-3:{HASH}",
        f"klero-audit-v1:12:{HASH[:-1]}",
        f"klero-audit-v1:12:{HASH}0",
        f"klero-audit-v1:12:{HASH[:-1]}g",
        f"klero-audit:12:{HASH}",
        f"12:{HASH}",
        f"klero-audit-v1:12:{HASH}:extra",
    ],
)
def test_a_malformed_anchor_says_what_an_anchor_looks_like(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_anchor(raw)
    assert error.value.exit_code == 2
    assert error.value.code == "audit_anchor_invalid"
    assert error.value.message.startswith(f"{raw!r} is not an audit anchor.")
    assert "klero-audit-v1:<event number>:<SHA-256 hash" in error.value.message


def test_an_anchor_of_another_version_is_named_as_such() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_anchor(f"klero-audit-v2:12:{HASH}")
    assert error.value.code == "audit_anchor_version"
    assert "version 'v2'" in error.value.message and "klero-audit-v1" in error.value.message


def test_anchors_read_leniently_and_every_problem_is_listed_at_once() -> None:
    anchor = parse_anchor(f"  KLERO-AUDIT-V1:007:{HASH.upper()} \n")
    assert anchor == Anchor(7, HASH)
    text_ = f"# published on the deliberation page\n\n{anchor}\nnonsense\nklero-audit-v1:8:x\n"
    with pytest.raises(InvalidInput) as error:
        parse_anchor_lines(text_, "anchors.txt")
    assert [p.params["line"] for p in error.value.problems] == [4, 5]
    assert error.value.message.splitlines()[0].startswith("Line 4: 'nonsense' is not")
    assert parse_anchor_lines(f"{anchor}  # newsletter, 3 May\n# note\n{Anchor(9, HASH)}", "x") == [
        anchor,
        Anchor(9, HASH),
    ]
    with pytest.raises(InvalidInput) as empty:
        parse_anchor_lines("# nothing yet\n\n", "anchors.txt")
    assert empty.value.message.startswith("anchors.txt holds no audit anchor")
    with pytest.raises(InvalidInput) as both:
        parse_anchors(["bad", str(anchor), "worse"])
    assert len(both.value.problems) == 2


@given(
    st.integers(min_value=0, max_value=10**18 - 1),
    st.text("0123456789abcdef", min_size=64, max_size=64),
)
def test_a_printed_anchor_reads_back_as_itself(sequence: int, digest: str) -> None:
    anchor = Anchor(sequence, digest)
    assert str(anchor).startswith(ANCHOR_VERSION + ":")
    assert parse_anchor(anchor.text) == anchor


@given(st.text(max_size=120))
def test_any_text_is_an_anchor_or_invalid_input(raw: str) -> None:
    try:
        anchor = parse_anchor(raw)
    except InvalidInput as error:
        assert error.code in {"audit_anchor_invalid", "audit_anchor_version"}
    else:
        assert parse_anchor(anchor.text) == anchor
