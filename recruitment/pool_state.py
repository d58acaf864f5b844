"""A site's pool as one SHA-256, recorded by every audited change and checked by ``--deep``.

The audit trail's hash chain proves that the *events* were not edited; this module
extends that to the *volunteers*, so that a row edited behind the application's back (a
direct SQL UPDATE of a feature, a status, a consent flag, an external id, a household
key or the encrypted contact details) is found too.

Method. ``pool_sha256`` hashes every volunteer row of a site, in pseudonym order, as
canonical JSON lines (like ``recruitment.audit.event_hash``): the pseudonym, the
external id, the features (as stored), the channel, the consent, the status, the
household key, when the volunteer was erased, a SHA-256 of the contact ciphertext, the
e-mail and phone hashes, and the declared attributes (as stored). Each use case that
changes volunteer rows (``POOL_ACTIONS``: import and registration, reclassification,
erasure) records, in its audit event, the hash it found before the change
(``before.pool_sha256``) and the hash after it (``after.pool_sha256``), in the
transaction that makes the change and with the site locked, so nothing can slip
between the two. (A data migration that rewrites volunteer rows must record such an
event per site too, or the next deep check reports those sites as changed.)

``check_pool`` then walks the site's audited changes in order: each one must have found
the pool as the one before it left it (for the first, an empty pool), and the pool today
must be as the last one left it. So a change made between two audited changes stays
visible after later ones: a later import or erasure records a new hash but cannot hide
that the one before it found an unexpected pool. Pools imported before hashes were
recorded cannot be checked until their next audited change (from which the chain starts).

The hashes cover no clear-text personal data and the check reports only sites, counts
and event numbers. A new column of ``volunteer`` that matters must join ``_COLUMNS``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from quotas.messages import Message
from recruitment.models import AuditEvent, Site, Volunteer, VolunteerContact

# Audit actions that change volunteer rows; each records before/after ``pool_sha256``.
POOL_ACTIONS = ("pool.import", "pool.classify", "volunteer.erase")
HASH_KEY = "pool_sha256"
_HEADER = b"klero-pool-v1\n"


def _moment(value: datetime | None) -> str | None:
    """A timestamp as the same text on every database (UTC, microseconds)."""
    if value is None:
        return None
    # SQLite gives naive UTC back, PostgreSQL an aware time in the session's time zone.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


# What is hashed of each volunteer, in the order of each line's JSON array. A column of
# ``volunteer`` that matters joins here (and ``_HEADER``'s version changes with the list).
# Features are hashed as stored (not re-encoded): any rewrite of them is a change.
_COLUMNS = (
    Volunteer.pseudonym,
    Volunteer.external_id,
    cast(Volunteer.features, Text),
    Volunteer.channel,
    Volunteer.consent,
    Volunteer.status,
    Volunteer.household_key,
    Volunteer.erased_at,
    VolunteerContact.ciphertext,  # as its SHA-256
    VolunteerContact.email_hash,
    VolunteerContact.phone_hash,
    cast(Volunteer.attributes, Text),  # declared non-personal columns, as stored
)


_ERASED_AT = 7  # positions in _COLUMNS of the values that need converting
_CIPHERTEXT = 8


def _line(row: Sequence[Any]) -> bytes:
    """One volunteer as a canonical JSON line: the ciphertext as its SHA-256, times in UTC."""
    values = list(row)
    values[_ERASED_AT] = _moment(values[_ERASED_AT])
    ciphertext = values[_CIPHERTEXT]
    if ciphertext is not None:
        values[_CIPHERTEXT] = hashlib.sha256(bytes(ciphertext)).hexdigest()
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def pool_sha256(session: Session, site_id: int) -> str:
    """SHA-256 of every volunteer row of the site (erased ones included), in pseudonym order.

    Read from the database (pending changes flushed first), not from loaded objects, so
    that the hash recorded by a change is the one a later check recomputes.
    """
    session.flush()
    rows = session.connection().execute(
        select(*_COLUMNS)
        .outerjoin(VolunteerContact, VolunteerContact.volunteer_id == Volunteer.id)
        .where(Volunteer.site_id == site_id)
    )
    # Sorted here, not by the database: collations differ, the hash must not.
    lines = sorted((str(row[0]), _line(row)) for row in rows)
    digest = hashlib.sha256(_HEADER)
    for _, line in lines:
        digest.update(line)
    return digest.hexdigest()


EMPTY_POOL_SHA256 = hashlib.sha256(_HEADER).hexdigest()


class PoolVerdict(enum.Enum):
    """What ``check_pool`` found for a site."""

    MATCHES = "matches"
    EMPTY = "empty"
    CHANGED = "changed"
    CHANGED_BETWEEN = "changed_between"
    CHANGED_BEFORE = "changed_before"
    UNRECORDED = "unrecorded"
    UNVERIFIABLE = "unverifiable"


_TAMPERED = {
    PoolVerdict.CHANGED,
    PoolVerdict.CHANGED_BETWEEN,
    PoolVerdict.CHANGED_BEFORE,
    PoolVerdict.UNRECORDED,
}


@dataclass(frozen=True)
class PoolCheck:
    """One site's pool against the hashes its audited changes recorded."""

    site: str
    verdict: PoolVerdict
    volunteers: int
    event_id: int | None = None  # the audited change the pool was last known to match
    next_id: int | None = None  # the audited change that found it different

    @property
    def ok(self) -> bool:
        """False when the pool was changed behind the application's back."""
        return self.verdict not in _TAMPERED

    @property
    def outcome(self) -> Message:
        """The finding as a translatable message."""
        params: dict[str, object] = {"site": self.site, "count": self.volunteers}
        if self.event_id is not None:
            params["event_id"] = self.event_id
        if self.next_id is not None:
            params["next_id"] = self.next_id
        return Message(f"pool_state_{self.verdict.value}", params)

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``: the site, the verdict, the numbers and the sentence."""
        return {
            "site": self.site,
            "ok": self.ok,
            "verdict": self.verdict.value,
            "volunteers": self.volunteers,
            "event_id": self.event_id,
            "next_id": self.next_id,
            "message": self.outcome.text(),
        }


def _recorded(value: Any) -> str | None:
    found = value.get(HASH_KEY) if isinstance(value, dict) else None
    return str(found) if found is not None else None


def check_pool(session: Session, site: Site) -> PoolCheck:
    """Walk the site's audited pool changes, then compare today's pool with the last one."""
    count = int(
        session.execute(
            select(func.count()).select_from(Volunteer).where(Volunteer.site_id == site.id)
        ).scalar_one()
    )
    events = session.execute(
        select(AuditEvent.id, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.site_id == site.id, AuditEvent.action.in_(POOL_ACTIONS))
        .order_by(AuditEvent.id)
    ).all()
    # Changes recorded before pool hashes were: the chain can only start after them.
    expected: str | None = EMPTY_POOL_SHA256
    last_id: int | None = None
    for event in events:
        before, after = _recorded(event.before), _recorded(event.after)
        if after is None:  # an older change, without hashes
            expected, last_id = None, None
            continue
        if expected is not None and before != expected:
            verdict = PoolVerdict.CHANGED_BETWEEN if last_id else PoolVerdict.CHANGED_BEFORE
            return PoolCheck(site.code, verdict, count, last_id, int(event.id))
        expected, last_id = after, int(event.id)
    if expected is None:
        return PoolCheck(site.code, PoolVerdict.UNVERIFIABLE, count)
    current = pool_sha256(session, site.id)
    if current != expected:
        verdict = PoolVerdict.CHANGED if last_id else PoolVerdict.UNRECORDED
        return PoolCheck(site.code, verdict, count, last_id)
    if last_id is None:
        return PoolCheck(site.code, PoolVerdict.EMPTY, count)
    return PoolCheck(site.code, PoolVerdict.MATCHES, count, last_id)


def check_pools(session: Session) -> list[PoolCheck]:
    """``check_pool`` for every site, by site code."""
    sites = session.execute(select(Site).order_by(Site.code)).scalars()
    return [check_pool(session, site) for site in sites]
