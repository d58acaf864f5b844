"""Who holds a run's seats: members, drop-outs, and which replacement fills which seat.

A seat of the panel is held by a selected person, or by an alternate once invited. When
someone drops out (declined, withdrawn, no-show) their seat is *open* until an alternate
is invited as their replacement: that alternate's seat then points at it
(``PanelSeat.replaces_id``). A replacement who drops out leaves an open seat in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from recruitment.models import PanelSeat, Volunteer

# Seat statuses that mean the person is no longer on the panel.
LOST = ("declined", "no-show", "withdrawn")


@dataclass(frozen=True)
class SeatLine:
    """One seat as the panel views need it: who, which list, status, whom they replace.

    >>> x = SeatLine("X", "selected", 1, "declined")
    >>> a = SeatLine("A", "alternate", 1, "invited", replaces="X")
    >>> y = SeatLine("Y", "selected", 2, "declined")
    >>> open_dropouts([x, a, y]), replaced_by([x, a, y])
    (['Y'], {'X': 'A'})
    """

    pseudonym: str
    kind: str
    rank: int
    status: str
    replaces: str | None = None  # the pseudonym whose vacated seat this replacement fills

    @property
    def on_panel(self) -> bool:
        """Whether the person holds a panel seat now (selected and still in, or invited)."""
        if self.status in LOST:
            return False
        return self.kind == "selected" or self.status != "selected"

    @property
    def held_a_seat(self) -> bool:
        """Whether the person holds or held a panel seat that someone else could fill.

        An alternate who dropped out held one only if invited as a replacement: one who
        declined while still on the reserve list (or was invited by hand) has no seat to
        hand on.
        """
        return self.on_panel or self.kind == "selected" or self.replaces is not None


def replaced_by(lines: Sequence[SeatLine]) -> dict[str, str]:
    """Pseudonym of each replaced person -> the pseudonym of their replacement."""
    return {line.replaces: line.pseudonym for line in lines if line.replaces is not None}


def open_dropouts(lines: Sequence[SeatLine]) -> list[str]:
    """Drop-outs whose seats nobody fills yet, in seat order (panel first, then by rank)."""
    filled = replaced_by(lines)
    return [
        line.pseudonym
        for line in lines
        if line.status in LOST and line.held_a_seat and line.pseudonym not in filled
    ]


def members(lines: Sequence[SeatLine]) -> list[str]:
    """Pseudonyms holding a panel seat now."""
    return [line.pseudonym for line in lines if line.on_panel]


def empty_seats(size: int, lines: Sequence[SeatLine]) -> int:
    """Seats of a panel of ``size`` that nobody holds now."""
    return max(size - len(members(lines)), 0)


def current_panel(lines: Sequence[SeatLine], dropped: Sequence[str]) -> list[str]:
    """The panel before ``dropped`` leave: its members, plus those of ``dropped`` who held a seat.

    A drop-out already recorded as declined (or withdrawn, no-show) is no longer a member,
    but is still on the panel that a replacement starts from.
    """
    gone = set(dropped)
    return [
        line.pseudonym
        for line in lines
        if line.on_panel or (line.pseudonym in gone and line.held_a_seat)
    ]


def seat_records(session: Session, run_id: int) -> list[tuple[Volunteer, dict[str, object]]]:
    """Each seat of a run in seat order, with its volunteer and the record every listing shows.

    The record: pseudonym, kind, rank, status, whom the person replaces and who replaced
    them ("" for nobody), then the person's criteria by name.
    """
    rows = session.execute(
        select(PanelSeat, Volunteer)
        .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
        .where(PanelSeat.run_id == run_id)
        .order_by(PanelSeat.kind.desc(), PanelSeat.rank)
    ).all()
    lines = {line.pseudonym: line for _, line in seat_lines(session, run_id)}
    successor = replaced_by(list(lines.values()))
    return [
        (
            volunteer,
            {
                "pseudonym": volunteer.pseudonym,
                "kind": seat.kind,
                "rank": seat.rank,
                "status": seat.status,
                "replaces": lines[volunteer.pseudonym].replaces or "",
                "replaced_by": successor.get(volunteer.pseudonym, ""),
                **{f: volunteer.features.get(f, "") for f in sorted(volunteer.features)},
            },
        )
        for seat, volunteer in rows
    ]


def seat_lines(
    session: Session, run_id: int, *, lock: bool = False
) -> list[tuple[PanelSeat, SeatLine]]:
    """The run's seats with their lines, panel first then alternates, each by rank."""
    replaced = aliased(PanelSeat)
    replaced_person = aliased(Volunteer)
    query = (
        select(PanelSeat, Volunteer.pseudonym, replaced_person.pseudonym)
        .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
        .outerjoin(replaced, replaced.id == PanelSeat.replaces_id)
        .outerjoin(replaced_person, replaced_person.id == replaced.volunteer_id)
        .where(PanelSeat.run_id == run_id)
        .order_by(PanelSeat.kind.desc(), PanelSeat.rank)
    )
    if lock:
        query = query.with_for_update(of=PanelSeat)
    return [
        (
            seat,
            SeatLine(
                str(pseudonym),
                seat.kind,
                seat.rank,
                seat.status,
                None if replaces is None else str(replaces),
            ),
        )
        for seat, pseudonym, replaces in session.execute(query).all()
    ]
