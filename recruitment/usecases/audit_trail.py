"""Checking the audit trail: the hash chain, verified by those allowed to audit."""

from __future__ import annotations

from recruitment.audit import VerifyResult, verify_chain
from recruitment.db import Database
from recruitment.permissions import Action, Actor, require


def verify_audit(db: Database, actor: Actor) -> VerifyResult:
    """Recompute the audit chain and name the first broken event, if any."""
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        return verify_chain(session)
