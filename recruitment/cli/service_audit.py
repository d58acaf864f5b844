"""Audit commands: ``klero audit head`` (the anchor to publish) and ``klero audit verify``.

Exit codes: 0 the trail is intact (and matches every anchor given), 1 it is not (the
first line names the first problem), 2 an anchor is malformed, 4 permission denied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import quotas.tables  # noqa: F401  (registers the file_not_found and file_unreadable messages)
from quotas.problems import InvalidInput, Problem
from recruitment import usecases as uc
from recruitment.audit_anchor import Anchor, parse_anchor_lines, parse_anchors
from recruitment.cli.app import app, emit_json
from recruitment.cli.service_common import DbOpt, JsonOpt, UserOpt, logged_in

audit_app = typer.Typer(
    help="The audit trail: verify it, and publish its head (an anchor).", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")

PUBLISH = (
    "Publish this anchor where the database's administrators cannot change it: the "
    "deliberation's public page, an e-mail to the evaluators, a printed notice. Later, "
    "'klero audit verify --anchor ANCHOR' checks that the trail still holds event "
    "#{sequence} with this hash; deleted newest events show only this way."
)

NO_ANCHOR = (
    "Without a published anchor, the newest events deleted together would not show: "
    "check with --anchor (see 'klero audit head')."
)


@audit_app.command("head")
def audit_head(database_url_: DbOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> int:
    """Print the anchor to publish: the trail's newest event and hash. Exit 1 if it is broken."""
    with logged_in(database_url_, user) as (db, actor):
        head = uc.audit_head(db, actor, verify=True)
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
    if not head.chain.ok:
        typer.echo(head.chain.message)
        typer.echo(f"Do not publish this head as it is: {head.anchor.text}")
        return 1
    typer.echo(head.anchor.text)
    typer.echo(
        f"The audit trail holds {head.count} event(s); the newest is #{head.event_id}, "
        f"recorded at {head.at}, with hash {head.hash}. The chain verifies."
    )
    typer.echo(PUBLISH.format(sequence=head.anchor.sequence))
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
        problem = Problem("file_unreadable", {"path": str(path), "kind": "text", "detail": detail})
        raise InvalidInput([problem]) from exc


@audit_app.command("verify")
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
    database_url_: DbOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Check the hash chain (and every published anchor given); exit 1 naming the first problem."""
    anchors = _read_anchors(anchor or [], anchors_file or [])
    with logged_in(database_url_, user) as (db, actor):
        if not anchors:
            result = uc.verify_audit(db, actor)
            if as_json:
                emit_json({"ok": result.ok, "chain": result.message, "anchors": []})
            else:
                typer.echo(result.message)
                if result.ok:
                    typer.echo(NO_ANCHOR)
            return 0 if result.ok else 1
        checked = uc.verify_audit_anchors(db, actor, anchors)
    if as_json:
        emit_json(
            {
                "ok": checked.ok,
                "chain": checked.chain.message,
                "anchors": [
                    {"anchor": c.anchor.text, "ok": c.ok, **c.outcome.to_dict()}
                    for c in checked.anchors
                ],
                "problems": [m.text() for m in checked.problems],
            }
        )
    else:
        typer.echo(checked.message)
    return 0 if checked.ok else 1
