"""Replacing panel members who dropped out with the run's alternates, in one transaction.

The replacement is computed by ``sampling.replace`` on the run's recorded pool and
quotas, so it is reproducible from the run record and the seed. The chosen alternates keep their
alternate seat (the recorded draw stays what it was, so re-running the run still matches)
and become ``invited``: an invited alternate counts as a panel member from then on, and
its seat points at the seat it fills (``PanelSeat.replaces_id``). A replacement who drops
out can be replaced in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from quotas.messages import EMPTY
from quotas.problems import InvalidInput, KleroError, Problem, raise_if_errors
from recruitment import audit
from recruitment.db import Database
from recruitment.models import PanelSeat, SelectionRun, utcnow
from recruitment.permissions import Action, Actor
from recruitment.usecases.common import get_site, pool_of, site_for, table_from_rows
from recruitment.usecases.cross_site import excluded_at
from recruitment.usecases.panels import TRANSITIONS
from recruitment.usecases.seats import (
    LOST,
    SeatLine,
    current_panel,
    open_dropouts,
    replaced_by,
    seat_lines,
)
from recruitment.usecases.selection import frame_of
from sampling import Replacement, reason_data, replace


@dataclass(frozen=True)
class ReplacementSummary:
    """What a replacement changed: who left, who was invited in their place, and why."""

    run_id: int
    site: str
    seed: int
    dropped: list[str]
    withdrawn: list[str]  # dropped seats this call marked withdrawn (the rest were already lost)
    added: list[dict[str, Any]]  # {pseudonym, replaces, restores, reason, reason_code/_params}
    panel: list[str]  # the panel afterwards, by pseudonym
    unmet: list[dict[str, Any]]  # quotas the new panel still misses (QuotaChange.to_dict)
    unfilled: int  # seats left empty because the alternates ran out
    replacement: Replacement


def compute_replacement(
    session: Session, actor: Actor, run_id: int, dropped: Sequence[str], seed: int, *, lock: bool
) -> tuple[SelectionRun, list[tuple[PanelSeat, SeatLine]], list[str], Replacement]:
    """Check permission and compute the replacement on the run's recorded snapshot.

    Returns the run, its seats, the panel before the replacement and the replacement.
    """
    run = session.get(SelectionRun, run_id)
    if run is None:
        raise KleroError("run_not_found", run_id=run_id)
    site_for(session, actor, run.site_id, Action.RECORD_STATUS)
    seats = seat_lines(session, run_id, lock=lock)
    lines = [line for _, line in seats]
    panel = current_panel(lines, dropped)
    # A drop-out already replaced has no seat left to fill: replacing them again would
    # seat more people than the panel has seats.
    leaving = set(dropped) & set(panel)  # ids not on the panel are reported by replace()
    open_seats = run.size - (len(panel) - len(leaving))
    if len(leaving) > open_seats:
        raise KleroError(
            "replace_no_open_seat",
            run_id=run_id,
            open=max(open_seats, 0),
            size=run.size,
            dropped=len(leaving),
        )
    filled = replaced_by(lines)
    again = [p for p in dropped if p in filled]
    if again:
        # Invalid input (exit code 2): the caller named a seat that is already filled.
        params = {
            "run_id": run_id,
            "replaced": ", ".join(f"{p} ({filled[p]})" for p in again),
            "open": ", ".join(open_dropouts(lines)) or "-",
        }
        raise InvalidInput([Problem("replace_already_replaced", params)])
    # Nobody on two panels: an alternate now seated (or registered first) elsewhere is passed over.
    elsewhere = {x.pseudonym for x in excluded_at(session, get_site(session, run.site_id))}
    candidates = [
        line.pseudonym
        for line in lines
        if line.kind == "alternate"
        and line.status == "selected"
        and line.pseudonym not in elsewhere
    ]
    quotas = table_from_rows(run.inputs["quotas"])
    loaded = pool_of(frame_of(run.inputs["pool"]), quotas, f"run {run_id}")
    raise_if_errors(loaded.problems)
    assert loaded.pool is not None
    found = replace(loaded.pool, quotas, panel, list(dropped), candidates=candidates, seed=seed)
    return run, seats, panel, found


def replace_dropouts(
    db: Database, actor: Actor, run_id: int, dropped: Sequence[str], *, seed: int = 0
) -> ReplacementSummary:
    """Replace the panel members ``dropped`` with the run's best open alternates, atomically.

    Dropped seats not yet declined, withdrawn or no-show become ``withdrawn``; the chosen
    alternates become ``invited`` and point at the seat each fills; a drop-out already
    replaced is refused (``replace_already_replaced``). One audit event ``panel.replaced``
    records the panel before and after, why each person was added and which quotas stay
    unmet. Permission: as for recording seat statuses (the site's partner, admins). On any
    error nothing changes.
    """
    dropped = list(dict.fromkeys(dropped))  # repeated ids count once, order kept
    with db.unit_of_work() as session:
        run, seats, before, found = compute_replacement(
            session, actor, run_id, dropped, seed, lock=True
        )
        if not dropped:  # nothing to replace: nothing to change or to audit
            return _summary(run_id, get_site(session, run.site_id).code, [], [], [], found)
        by_pseudonym = {line.pseudonym: seat for seat, line in seats}
        # Refuse first, change afterwards: a final status (attended) cannot be withdrawn.
        for p in dropped:
            seat = by_pseudonym[p]
            if seat.status not in LOST and "withdrawn" not in TRANSITIONS[seat.status]:
                raise KleroError(
                    "seat_status_transition",
                    pseudonym=p,
                    current=seat.status,
                    run_id=run_id,
                    status="withdrawn",
                    allowed=", ".join(TRANSITIONS[seat.status]) or EMPTY,
                )
        now = utcnow()
        withdrawn = [p for p in dropped if by_pseudonym[p].status not in LOST]
        previous = {p: by_pseudonym[p].status for p in dropped}
        for p in withdrawn:
            by_pseudonym[p].status = "withdrawn"
            by_pseudonym[p].updated_at = now
        for added in found.added:
            seat = by_pseudonym[added.id]
            seat.status = "invited"
            seat.updated_at = now
            seat.replaces_id = by_pseudonym[added.replaces].id
        session.flush()
        added_rows = [
            {
                "pseudonym": a.id,
                "replaces": a.replaces,
                "restores": [str(c) for c in a.restores],
                "reason": a.reason,
                **reason_data(a.why),
            }
            for a in found.added
        ]
        site_code = get_site(session, run.site_id).code
        audit.record(
            session,
            actor,
            "panel.replaced",
            "run",
            run_id,
            site_id=run.site_id,
            before={"panel": before, "dropped": previous},
            after={
                "panel": list(found.panel),
                "withdrawn": withdrawn,
                "added": added_rows,
                "unmet": [q.to_dict() for q in found.unmet],
                "unfilled": found.unfilled,
                "skipped": [
                    {"pseudonym": i, "reason": why.text(), **reason_data(why)}
                    for i, why in found.skipped_why
                ],
                "seed": found.seed,
            },
        )
        return _summary(run_id, site_code, dropped, withdrawn, added_rows, found)


def _summary(
    run_id: int,
    site: str,
    dropped: list[str],
    withdrawn: list[str],
    added: list[dict[str, Any]],
    found: Replacement,
) -> ReplacementSummary:
    return ReplacementSummary(
        run_id,
        site,
        found.seed,
        dropped,
        withdrawn,
        added,
        list(found.panel),
        [q.to_dict() for q in found.unmet],
        found.unfilled,
        found,
    )
