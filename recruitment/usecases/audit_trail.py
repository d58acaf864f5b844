"""Checking the audit trail, for those allowed to audit: its hash chain, published anchors,
the database's append-only protections, and (deep) every site's pool against its hashes."""

from __future__ import annotations

from collections.abc import Sequence

from recruitment.audit import VerifyResult, verify_chain
from recruitment.audit_anchor import Anchor, AnchoredVerification, AuditHead, head, verify_anchored
from recruitment.audit_guards import GuardReport, check_guards
from recruitment.db import Database
from recruitment.permissions import Action, Actor, require
from recruitment.pool_state import PoolCheck, check_pools


def verify_audit(db: Database, actor: Actor) -> VerifyResult:
    """Recompute the audit chain and name the first broken event, if any."""
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        return verify_chain(session)


def audit_head(db: Database, actor: Actor, *, verify: bool = False) -> AuditHead:
    """The trail's newest event, its hash and the anchor to publish outside the database.

    With ``verify`` the whole chain is checked too (``head.chain``), in the same
    transaction: an anchor is only worth publishing for an intact trail.
    """
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        return head(session, verify=verify)


def verify_audit_anchors(
    db: Database, actor: Actor, anchors: Sequence[Anchor]
) -> AnchoredVerification:
    """Check the whole chain, then that each published anchor's event is stored with its hash.

    Finds what the chain alone cannot: the newest events deleted together.
    """
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        return verify_anchored(session, anchors)


def check_audit_guards(db: Database, actor: Actor) -> GuardReport:
    """Whether the database still refuses to change or delete audit events, and if not, why."""
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        return check_guards(session.connection())


def verify_pools(db: Database, actor: Actor) -> list[PoolCheck]:
    """Every site's pool against the hashes its audited changes recorded (``--deep``)."""
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        return check_pools(session)
