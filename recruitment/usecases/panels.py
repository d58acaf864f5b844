"""After the draw: invitations, answers and attendance per seat; panel overviews and exports.

Overviews and exports say who replaces whom (``replaces`` / ``replaced_by``, by pseudonym).

Exports carry personal data (as ``contact:<column>``) only for the site's own partner (and
admins); coordinators and evaluators get the pseudonymised panel: criteria and declared
attributes. An export is recorded in the audit trail only
once it was handed over: ``export_panel`` writes it inside the transaction that records
it; the dashboard prepares it, and records it when the download button is clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.messages import EMPTY
from quotas.problems import KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.models import (
    SEAT_STATUSES,
    PanelSeat,
    SelectionRun,
    Volunteer,
    VolunteerContact,
    utcnow,
)
from recruitment.permissions import Action, Actor, allowed
from recruitment.security import Secrets
from recruitment.usecases.common import site_for, site_ref
from recruitment.usecases.seats import (
    members,
    open_dropouts,
    seat_lines,
    seat_records,
)

# Which status may follow which: a seat moves forward only, and "withdrawn" is always open.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "selected": ("invited", "declined", "withdrawn"),
    "invited": ("confirmed", "declined", "withdrawn"),
    "confirmed": ("attended", "no-show", "declined", "withdrawn"),
    "declined": (),
    "withdrawn": (),
    "attended": (),
    "no-show": (),
}


def run_of(session: Session, site: str | None, run_id: int | None) -> SelectionRun:
    """The run asked for, or the site's latest successful run."""
    if run_id is not None:
        run = session.get(SelectionRun, run_id)
        if run is None:
            raise KleroError("run_not_found", run_id=run_id)
        return run
    assert site is not None
    from recruitment.usecases.common import get_site

    found = get_site(session, site)
    run = session.execute(
        select(SelectionRun)
        .where(SelectionRun.site_id == found.id, SelectionRun.status == "succeeded")
        .order_by(SelectionRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if run is None:
        raise KleroError("site_no_panel", site=found.code)
    return run


def record_seat_status(db: Database, actor: Actor, run_id: int, pseudonym: str, status: str) -> str:
    """Record an invitation, an answer or attendance for one seat; return the previous status."""
    with db.unit_of_work() as session:
        return set_seat_status(session, actor, run_of(session, None, run_id), pseudonym, status)


def set_seat_status(
    session: Session, actor: Actor, run: SelectionRun, pseudonym: str, status: str
) -> str:
    """``record_seat_status`` in the caller's transaction (audited ``seat.status``)."""
    if status not in SEAT_STATUSES:
        raise KleroError("seat_status_unknown", status=status, known=", ".join(SEAT_STATUSES))
    run_id = run.id
    site = site_for(session, actor, run.site_id, Action.RECORD_STATUS)
    seat = session.execute(
        select(PanelSeat)
        .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
        .where(PanelSeat.run_id == run_id, Volunteer.pseudonym == pseudonym)
        .with_for_update()
    ).scalar_one_or_none()
    if seat is None:
        raise KleroError("seat_not_found", pseudonym=pseudonym, run_id=run_id)
    current = seat.status
    if status not in TRANSITIONS[current]:
        raise KleroError(
            "seat_status_transition",
            pseudonym=pseudonym,
            current=current,
            run_id=run_id,
            status=status,
            allowed=", ".join(TRANSITIONS[current]) or EMPTY,
        )
    seat.status = status
    seat.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "seat.status",
        "seat",
        f"{run_id}:{pseudonym}",
        site_id=site.id,
        before={"status": current},
        after={"status": status},
    )
    return current


@dataclass(frozen=True)
class PanelStatus:
    """How a panel stands: seats by kind and status, who replaces whom, and the empty seats."""

    site: str
    run_id: int
    size: int
    counts: dict[str, dict[str, int]]  # kind -> status -> seats
    members: int = 0  # people holding a panel seat now (invited alternates included)
    replacements: list[dict[str, str]] = field(default_factory=list)  # {pseudonym, replaces}
    open_dropouts: list[str] = field(default_factory=list)  # drop-outs nobody replaces yet

    @property
    def vacancies(self) -> int:
        """Seats of the panel that nobody holds now (lost and not refilled)."""
        return max(self.size - self.members, 0)


def panel_status(
    db: Database, actor: Actor, site: str | None = None, run_id: int | None = None
) -> PanelStatus:
    """Seats by kind and status of a run (default: the site's latest successful run)."""
    with db.unit_of_work() as session:
        run = run_of(session, site, run_id)
        found = site_for(session, actor, run.site_id, Action.VIEW_SITE)
        lines = [line for _, line in seat_lines(session, run.id)]
        counts: dict[str, dict[str, int]] = {}
        for line in lines:
            by_status = counts.setdefault(line.kind, {})
            by_status[line.status] = by_status.get(line.status, 0) + 1
        return PanelStatus(
            found.code,
            run.id,
            run.size,
            {k: dict(sorted(v.items())) for k, v in sorted(counts.items())},
            len(members(lines)),
            [
                {"pseudonym": line.pseudonym, "replaces": line.replaces}
                for line in lines
                if line.replaces is not None
            ],
            open_dropouts(lines),
        )


@dataclass(frozen=True)
class PanelExport:
    """A run's panel and alternates, one row per seat, ready to hand over (not yet recorded)."""

    run_id: int
    site: str
    frame: pd.DataFrame
    with_contacts: bool


def _panel_export(
    session: Session, actor: Actor, site: str | None, run_id: int | None
) -> PanelExport:
    run = run_of(session, site, run_id)
    found = site_for(session, actor, run.site_id, Action.EXPORT_PANEL)
    with_contacts = allowed(actor, Action.VIEW_CONTACTS, site_ref(found))
    secrets = Secrets.load() if with_contacts else None
    seats = seat_records(session, run.id)
    contacts: dict[int, VolunteerContact] = {}
    if secrets is not None:
        ids = [volunteer.id for volunteer, _ in seats]
        query = select(VolunteerContact).where(VolunteerContact.volunteer_id.in_(ids))
        contacts = {c.volunteer_id: c for c in session.execute(query).scalars()}
    records: list[dict[str, object]] = []
    for volunteer, record in seats:
        record.update(sorted((volunteer.attributes or {}).items()))
        if secrets is not None:
            record["external_id"] = volunteer.external_id
            contact = contacts.get(volunteer.id)
            details = secrets.decrypt(contact.ciphertext) if contact is not None else {}
            record.update({f"contact:{k}": v for k, v in sorted(details.items())})
        records.append(record)
    return PanelExport(run.id, found.code, pd.DataFrame(records), with_contacts)


def _record_export(session: Session, actor: Actor, export: PanelExport) -> None:
    found = site_for(session, actor, export.site, Action.EXPORT_PANEL)
    audit.record(
        session,
        actor,
        "panel.export",
        "run",
        export.run_id,
        site_id=found.id,
        after={"with_contacts": export.with_contacts, "rows": len(export.frame)},
    )


def export_panel(
    db: Database,
    actor: Actor,
    site: str | None = None,
    run_id: int | None = None,
    *,
    write: Callable[[pd.DataFrame], object],
) -> pd.DataFrame:
    """The panel and alternates of a run, one row per seat; contact columns only when allowed.

    ``write`` hands the table over (writes the file) inside the transaction, and the
    ``panel.export`` event is recorded only once it has returned: if it raises, nothing
    is recorded. If the commit fails after it, the caller undoes the file
    (``quotas.staging.staged`` does).
    """
    with db.unit_of_work() as session:
        export = _panel_export(session, actor, site, run_id)
        write(export.frame)
        _record_export(session, actor, export)
    return export.frame


def prepare_panel_export(
    db: Database, actor: Actor, site: str | None = None, run_id: int | None = None
) -> PanelExport:
    """The export of ``export_panel``, not recorded yet: for a download not yet clicked.

    Call ``record_panel_export`` when it is handed over (the dashboard's download button).
    """
    with db.unit_of_work() as session:
        return _panel_export(session, actor, site, run_id)


def record_panel_export(db: Database, actor: Actor, export: PanelExport) -> None:
    """Record that a prepared export was handed over (``panel.export``), permission checked."""
    with db.unit_of_work() as session:
        _record_export(session, actor, export)
