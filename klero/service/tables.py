"""``klero tables --site``: seat a stored site's panel, show its plan, move one person.

Thin: reads the constraint files, calls ``seat_site`` (with ``--balance``), else
``site_tables`` or ``move_person`` (with ``--move``), then prints and writes like the
file form (``klero.files.tables``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from klero.files.tables import print_seating, seating_payload, write_outputs
from klero.options import emit_json
from klero.service.common import logged_in, say
from quotas.problems import KleroError, raise_if_errors
from recruitment import usecases as uc
from sampling import SeatingSettings, read_constraints


@dataclass(frozen=True)
class SiteTables:
    """What ``klero tables --site`` was asked: the site, run, options and a move."""

    site: str
    run: int | None
    settings: SeatingSettings | None  # None: show the stored plan (or move someone)
    constraints: tuple[Path | None, Path | None, Path | None]
    move: tuple[str | None, int, int | None]  # pseudonym, round, table


def _settings(request: SiteTables) -> SeatingSettings:
    assert request.settings is not None
    together, apart, fixed, problems = read_constraints(request.constraints)
    raise_if_errors(problems)
    return replace(request.settings, together=together, apart=apart, fixed=fixed)


def tables_for_site(
    request: SiteTables,
    outputs: tuple[Path | None, list[Path], str],
    as_json: bool,
    login: tuple[str | None, str | None],
) -> int:
    """Seat, show or change a site's table plan; write and print it."""
    out, plans, lang = outputs
    person, round_number, table = request.move
    if person is not None and table is None:
        raise KleroError("tables_move_table_missing")
    with logged_in(*login) as (db, actor):
        if request.settings is not None:
            view = uc.seat_site(db, actor, request.site, _settings(request), request.run)
        elif person is not None and table is not None:
            view = uc.move_person(db, actor, request.site, person, round_number, table)
        else:
            view = uc.site_tables(db, actor, request.site)
    written = write_outputs(view.seating, out, plans, view.names, lang)
    if as_json:
        payload = seating_payload(view.seating)
        emit_json(
            {
                "site": view.site,
                "plan": view.plan_id,
                "run": view.run_id,
                "moves": view.moves,
                **payload,
                "written": [str(p) for p in written],
            }
        )
    else:
        print_seating(view.seating, written)
        if view.moves:
            say("svc_moved_by_hand", count=view.moves)
    return 0
