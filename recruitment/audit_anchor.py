"""Anchors: the audit trail's head, published outside the database, so a deleted tail shows.

The hash chain (``recruitment.audit``) finds any event changed, removed or reordered
*inside* the trail, but not the newest events removed together: what is left still
verifies. An anchor ``klero-audit-v1:<event number>:<SHA-256>`` names the latest event
and its hash. Once it is published where the database's administrators cannot change it
(the deliberation's public page, an e-mail to the evaluators, a printed notice), the
stored trail must still hold that event with that hash: if it ends earlier, events were
deleted; if the hash differs, the trail was rewritten. Because each hash covers the one
before it, a matching anchor vouches for every event up to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quotas.messages import Message, render
from quotas.problems import InvalidInput, Problem
from recruitment.audit import GENESIS, VerifyResult, verify_chain
from recruitment.models import AuditEvent

ANCHOR_VERSION = "klero-audit-v1"

_ANCHOR = re.compile(r"(?P<sequence>[0-9]{1,18}):(?P<hash>[0-9a-fA-F]{64})")
_VERSION = re.compile(r"klero-audit-(?P<version>v[0-9]+)", re.IGNORECASE)
_SHOWN = 100  # characters of a malformed anchor quoted back in the message


@dataclass(frozen=True)
class Anchor:
    """A published head of the audit trail: event ``sequence`` carries ``hash``.

    >>> str(Anchor(12, "ab" * 32))[:20]
    'klero-audit-v1:12:ab'
    """

    sequence: int
    hash: str

    def __str__(self) -> str:
        return f"{ANCHOR_VERSION}:{self.sequence}:{self.hash}"

    @property
    def text(self) -> str:
        """The printable anchor, ``klero-audit-v1:<event number>:<hash>``."""
        return str(self)


def _anchor_problem(raw: str, line: int | None) -> Problem | None:
    """The problem of one anchor's text, or None when it is well formed."""
    shown = raw if len(raw) <= _SHOWN else raw[:_SHOWN] + "…"
    version, _, rest = raw.partition(":")
    found = _VERSION.fullmatch(version)
    if found and version.lower() != ANCHOR_VERSION:
        return Problem(
            "audit_anchor_version",
            {"anchor": shown, "version": found["version"], "supported": ANCHOR_VERSION},
        )
    if found and _ANCHOR.fullmatch(rest):
        return None
    if line is None:
        return Problem("audit_anchor_invalid", {"anchor": shown})
    return Problem("audit_anchor_invalid_line", {"anchor": shown, "line": line})


def _to_anchor(raw: str) -> Anchor:
    rest = raw.partition(":")[2]
    sequence, _, digest = rest.partition(":")
    return Anchor(int(sequence), digest.lower())


def parse_anchor(text: str) -> Anchor:
    """Read one printed anchor (surrounding spaces ignored); InvalidInput if malformed.

    >>> parse_anchor(" klero-audit-v1:3:" + "AB" * 32).hash == "ab" * 32
    True
    """
    raw = text.strip()
    problem = _anchor_problem(raw, None)
    if problem is not None:
        raise InvalidInput([problem])
    return _to_anchor(raw)


def parse_anchors(texts: Iterable[str]) -> list[Anchor]:
    """Read anchors given one by one (e.g. ``--anchor`` options); every problem at once."""
    raws = [t.strip() for t in texts]
    problems = [p for p in (_anchor_problem(r, None) for r in raws) if p is not None]
    if problems:
        raise InvalidInput(problems)
    return [_to_anchor(r) for r in raws]


def parse_anchor_lines(text: str, source: str) -> list[Anchor]:
    """Read anchors one per line (``#`` starts a comment); every problem at once.

    ``source`` names where the text came from, for the message when it holds no anchor.
    """
    # A note after an anchor ("klero-audit-v1:42:... # newsletter of 3 May") is a comment.
    stripped = [line.partition("#")[0].strip() for line in text.splitlines()]
    numbered = [(number, raw) for number, raw in enumerate(stripped, start=1) if raw]
    if not numbered:
        raise InvalidInput([Problem("audit_anchors_empty", {"source": source})])
    problems = [p for p in (_anchor_problem(r, n) for n, r in numbered) if p is not None]
    if problems:
        raise InvalidInput(problems)
    return [_to_anchor(r) for _, r in numbered]


@dataclass(frozen=True)
class AuditHead:
    """The newest event of the audit trail: what an anchor publishes."""

    count: int  # events stored
    event_id: int | None  # the newest event's number (None when the trail is empty)
    hash: str  # its hash (the genesis hash of zeros when the trail is empty)
    at: str | None  # when it was recorded (ISO 8601 UTC)
    chain: VerifyResult | None = None  # the whole chain's check, when asked for

    @property
    def anchor(self) -> Anchor:
        """The anchor to publish for this head."""
        return Anchor(self.event_id or 0, self.hash)


def head(session: Session, *, verify: bool = False) -> AuditHead:
    """The trail's newest event and its count (and the whole chain's check if ``verify``)."""
    count = int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash, AuditEvent.at)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    chain = verify_chain(session) if verify else None
    if last is None:
        return AuditHead(count, None, GENESIS, None, chain)
    return AuditHead(count, int(last.id), str(last.hash), str(last.at), chain)


@dataclass(frozen=True)
class AnchorCheck:
    """One published anchor against the stored trail: the outcome as a translatable message."""

    anchor: Anchor
    outcome: Message

    @property
    def ok(self) -> bool:
        """Whether the anchored event is stored with the published hash."""
        return self.outcome.code == "audit_anchor_ok"


def check_anchor(anchor: Anchor, stored: dict[int, str], last: int) -> AnchorCheck:
    """Compare ``anchor`` with the stored hashes by event number (``last``: the newest number)."""
    params: dict[str, object] = {"anchor": anchor.text, "sequence": anchor.sequence}
    found = GENESIS if anchor.sequence == 0 else stored.get(anchor.sequence)
    if found == anchor.hash:
        code = "audit_anchor_ok"
    elif found is not None:
        code, params["found"] = "audit_anchor_mismatch", found
    elif anchor.sequence > last:
        code, params["last"] = "audit_anchor_truncated", last
    else:
        code = "audit_anchor_missing"
    return AnchorCheck(anchor, Message(code, params))


@dataclass(frozen=True)
class AnchoredVerification:
    """The whole chain checked, then every published anchor against it."""

    chain: VerifyResult
    anchors: tuple[AnchorCheck, ...]

    @property
    def ok(self) -> bool:
        """Whether the chain is intact and every anchor matches."""
        return self.chain.ok and all(a.ok for a in self.anchors)

    @property
    def problems(self) -> list[Message]:
        """What is wrong, the chain first, then the anchors in the order given."""
        out = [] if self.chain.ok else [self.chain.outcome]
        return out + [a.outcome for a in self.anchors if not a.ok]

    def lines(self, lang: str = "en") -> list[str]:
        """Sentences for the person who asked: the first problem first, or what was checked."""
        if not self.ok:
            return [m.text(lang) for m in self.problems]
        summary = render("audit_anchors_ok", {"count": len(self.anchors)}, lang)
        checked = [a.outcome.text(lang) for a in self.anchors]
        return [self.chain.outcome.text(lang), summary, *checked]

    @property
    def message(self) -> str:
        """Every line in English."""
        return "\n".join(self.lines())


def verify_anchored(session: Session, anchors: Sequence[Anchor]) -> AnchoredVerification:
    """Check the whole chain, then each anchor: its event must be stored with its hash."""
    chain = verify_chain(session)
    last = int(session.execute(select(func.max(AuditEvent.id))).scalar_one_or_none() or 0)
    # Numbers beyond the newest event cannot be stored (nor fit the column): no need to ask.
    wanted = sorted({a.sequence for a in anchors if 0 < a.sequence <= last})
    stored: dict[int, str] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        batch = wanted[start : start + 500]
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(batch))
        )
        stored.update({int(r.id): str(r.hash) for r in rows})
    return AnchoredVerification(chain, tuple(check_anchor(a, stored, last) for a in anchors))
