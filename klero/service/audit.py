"""Audit commands: ``klero audit head`` (the anchor to publish) and ``klero audit verify``.

Exit codes: 0 the trail is intact (and matches every anchor given), its append-only
protections are in place and (``--deep``) every checkable pool matches its audited hash;
1 one of these is not so (each problem named), 2 an anchor is malformed, 4 permission
denied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from klero.options import (
    SERVICE,
    DbOpt,
    JsonOpt,
    Service,
    UserOpt,
    cli_language,
    emit_json,
    with_service,
)
from klero.service.common import run_as, say
from quotas.messages import Message
from quotas.problems import InvalidInput, Problem
from recruitment import usecases as uc
from recruitment.audit import VerifyResult
from recruitment.audit_anchor import (
    Anchor,
    AnchoredVerification,
    parse_anchor_lines,
    parse_anchors,
)
from recruitment.audit_guards import GuardReport
from recruitment.db import Database
from recruitment.permissions import Actor
from recruitment.pool_state import PoolCheck

audit_app = typer.Typer(no_args_is_help=True)


@audit_app.command("head")
def audit_head(database_url_: DbOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> int:
    """Print the anchor to publish: the trail's newest event and hash. Exit 1 if it is broken."""
    head = run_as(database_url_, user, uc.audit_head, verify=True)
    assert head.chain is not None
    if as_json:
        emit_json(
            {
                "anchor": head.anchor.text,
                "count": head.count,
                "event_id": head.event_id,
                "hash": head.hash,
                "at": head.at,
                "chain_ok": head.chain.ok,
                "chain": head.chain.message,
            }
        )
        return 0 if head.chain.ok else 1
    lang = cli_language()
    if not head.chain.ok:
        typer.echo(head.chain.outcome.text(lang))
        say("svc_audit_do_not_publish", anchor=head.anchor.text)
        return 1
    typer.echo(head.anchor.text)
    say("svc_audit_head", count=head.count, event=head.event_id, at=head.at, hash=head.hash)
    say("svc_audit_publish", sequence=head.anchor.sequence)
    return 0


def _read_anchors(given: list[str], files: list[Path]) -> list[Anchor]:
    """Anchors from ``--anchor`` options and ``--anchors-file`` files; every problem at once."""
    problems: list[Problem] = []
    anchors: list[Anchor] = []
    try:
        anchors += parse_anchors(given)
    except InvalidInput as error:
        problems += error.problems
    for path in files:
        try:
            anchors += parse_anchor_lines(_read_text(path), str(path))
        except InvalidInput as error:
            problems += error.problems
    if problems:
        raise InvalidInput(problems)
    return anchors


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InvalidInput([Problem("file_not_found", {"path": str(path)})])
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        problem = Problem("file_unreadable", {"path": str(path), "kind": "UTF-8", "detail": detail})
        raise InvalidInput([problem]) from exc


@dataclass(frozen=True)
class _Verified:
    """Everything ``klero audit verify`` checked."""

    chain: VerifyResult
    anchored: AnchoredVerification | None
    guards: GuardReport
    pools: list[PoolCheck] | None

    @property
    def ok(self) -> bool:
        chain_ok = self.anchored.ok if self.anchored is not None else self.chain.ok
        return chain_ok and self.guards.ok and all(p.ok for p in self.pools or [])

    @property
    def problems(self) -> list[Message]:
        if self.anchored is not None:
            chain = self.anchored.problems
        else:
            chain = [] if self.chain.ok else [self.chain.outcome]
        pools = [p.outcome for p in self.pools or [] if not p.ok]
        return [*chain, *self.guards.problems, *pools]


def _verify(db: Database, actor: Actor, anchors: list[Anchor], deep: bool) -> _Verified:
    anchored = uc.verify_audit_anchors(db, actor, anchors) if anchors else None
    chain = anchored.chain if anchored is not None else uc.verify_audit(db, actor)
    guards = uc.check_audit_guards(db, actor)
    pools = uc.verify_pools(db, actor) if deep else None
    return _Verified(chain, anchored, guards, pools)


def _emit_json(found: _Verified) -> None:
    anchors = found.anchored.anchors if found.anchored is not None else ()
    emit_json(
        {
            "ok": found.ok,
            "chain": found.chain.message,
            "anchors": [
                {"anchor": c.anchor.text, "ok": c.ok, **c.outcome.to_dict()} for c in anchors
            ],
            "protections": {
                "ok": found.guards.ok,
                "checks": [{"name": c.name, "state": c.state.value} for c in found.guards.checks],
                "problems": [m.to_dict() for m in found.guards.problems],
            },
            "pools": None if found.pools is None else [p.to_dict() for p in found.pools],
            "problems": [m.text() for m in found.problems],
        }
    )


@audit_app.command("verify")
@with_service(json=True)
def audit_verify(
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            metavar="ANCHOR",
            help="A published anchor (klero-audit-v1:N:HASH) to check; repeatable.",
        ),
    ] = None,
    anchors_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--anchors-file", metavar="FILE", help="A file of published anchors, one per line."
        ),
    ] = None,
    deep: Annotated[
        bool,
        typer.Option(
            "--deep",
            help="Also recompute every site's pool and compare it with the audited hashes.",
        ),
    ] = False,
    service: Service = SERVICE,
) -> int:
    """Check the hash chain (and every published anchor given), the database's append-only
    protections, and with --deep every site's pool; exit 1 naming what is wrong."""
    anchors = _read_anchors(anchor or [], anchors_file or [])
    found = run_as(*service.login, _verify, anchors, deep)
    if service.as_json:
        _emit_json(found)
        return 0 if found.ok else 1
    lang = cli_language()
    if found.anchored is not None:
        typer.echo("\n".join(found.anchored.lines(lang)))
    else:
        typer.echo(found.chain.outcome.text(lang))
        if found.chain.ok:
            say("svc_audit_no_anchor")
    for line in found.guards.lines(lang):
        typer.echo(line)
    for pool in found.pools or []:
        typer.echo(pool.outcome.text(lang))
    return 0 if found.ok else 1
