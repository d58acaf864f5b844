"""The audit trail: append-only events, each holding the SHA-256 of the one before it.

Changing, deleting or reordering any event breaks the chain from that event on, and
``verify_chain`` names the first event that no longer fits. Events never hold contact
details: volunteers appear by pseudonym only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from quotas.messages import Message
from recruitment.models import AuditEvent, utcnow
from recruitment.permissions import Actor

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that serialises appends.
_APPEND_LOCK = 0x6B6C6572


def _jsonable(value: Any) -> Any:
    """A JSON round trip, so the hash covers exactly what the database will give back."""
    return None if value is None else json.loads(json.dumps(value, sort_keys=True, default=str))


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 of an event's fields and the previous event's hash."""
    document = {"prev": prev_hash, **fields}
    text_ = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at,
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "site_id": event.site_id,
        "before": _jsonable(event.before),
        "after": _jsonable(event.after),
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object = None,
    *,
    site_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction (it commits or rolls back with the change)."""
    if session.get_bind().dialect.name == "postgresql":
        # Appends are serialised so two transactions never chain onto the same event;
        # the lock is released when the transaction ends. (SQLite's writer lock does this.)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else GENESIS
    next_id = (last.id + 1) if last else 1
    event = AuditEvent(
        id=next_id,
        at=utcnow().isoformat(timespec="microseconds"),
        actor=actor.login,
        role=actor.role,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        site_id=site_id,
        before=_jsonable(before),
        after=_jsonable(after),
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = event_hash(_fields(event), prev_hash)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the chain: intact, or the first event that breaks it."""

    ok: bool
    count: int
    last_hash: str
    broken_id: int | None = None
    reason: str | None = None
    broken_action: str | None = None
    broken_actor: str | None = None
    broken_at: str | None = None
    why: Message | None = None  # ``reason`` as a translatable message

    @property
    def outcome(self) -> Message:
        """The outcome as a translatable message (``audit_chain_ok`` or ``audit_chain_broken``)."""
        if self.ok:
            return Message("audit_chain_ok", {"count": self.count, "last": self.last_hash})
        return Message(
            "audit_chain_broken",
            {
                "event_id": self.broken_id,
                "action": self.broken_action,
                "actor": self.broken_actor,
                "at": self.broken_at,
                "reason": self.why if self.why is not None else self.reason,
            },
        )

    @property
    def message(self) -> str:
        """A sentence for the person who asked."""
        return self.outcome.text()


def verify_chain(session: Session) -> VerifyResult:
    """Recompute every hash in order; report the first event whose hash or link is wrong."""
    prev_hash = GENESIS
    expected_id = 1
    count = 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for event in rows:
        why = None
        if event.id != expected_id:
            why = Message("audit_reason_missing", {"expected": expected_id, "next": event.id})
        elif event.prev_hash != prev_hash:
            why = Message("audit_reason_unlinked")
        elif event_hash(_fields(event), prev_hash) != event.hash:
            why = Message("audit_reason_altered")
        if why is not None:
            return VerifyResult(
                False,
                count,
                prev_hash,
                event.id,
                why.text(),
                event.action,
                event.actor,
                event.at,
                why,
            )
        prev_hash = event.hash
        expected_id += 1
        count += 1
    return VerifyResult(True, count, prev_hash)
