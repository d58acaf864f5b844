"""Seats of replacements point at the seat they fill (panel_seat.replaces_id, nullable, unique).

Existing replacements are linked from the audit trail: every ``panel.replaced`` event
names, for each alternate it invited, the pseudonym of the drop-out it replaces. The
events are read oldest first, and a link is made only when it is certain:

- the alternate and the drop-out both have a seat in the event's run;
- the alternate's seat has no link yet, and the drop-out's seat is not yet filled by
  another replacement (a seat replaced twice, possible before this revision, keeps
  its first replacement; the later one stays unlinked);
- the two are different seats.

A replacement that cannot be linked (and an alternate invited by hand, with no event)
keeps ``replaces_id`` NULL: it still counts as a panel member, but nobody is shown as
replaced by it, so the drop-out whose seat it really fills may show as open. The count
of empty seats (panel size minus members) still caps how many drop-outs can be replaced.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_events = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("after", sa.JSON),
)
_seats = sa.table(
    "panel_seat",
    sa.column("id", sa.Integer),
    sa.column("run_id", sa.Integer),
    sa.column("volunteer_id", sa.Integer),
    sa.column("replaces_id", sa.Integer),
)
_volunteers = sa.table("volunteer", sa.column("id", sa.Integer), sa.column("pseudonym", sa.String))


def upgrade() -> None:
    """Add the column, its foreign key and unique index, then link what the audit trail says."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with a REFERENCES clause in place (no table rebuild).
        op.execute(
            "ALTER TABLE panel_seat ADD COLUMN replaces_id INTEGER "
            "CONSTRAINT fk_seat_replaces REFERENCES panel_seat (id)"
        )
    else:
        op.add_column("panel_seat", sa.Column("replaces_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_seat_replaces", "panel_seat", "panel_seat", ["replaces_id"], ["id"]
        )
    op.create_index("uq_seat_replaces", "panel_seat", ["replaces_id"], unique=True)
    backfill(op.get_bind())


def _seat_ids(connection: sa.Connection, run_id: int) -> dict[str, int]:
    """Seat id by pseudonym in one run."""
    rows = connection.execute(
        sa.select(_volunteers.c.pseudonym, _seats.c.id)
        .join(_volunteers, _volunteers.c.id == _seats.c.volunteer_id)
        .where(_seats.c.run_id == run_id)
    )
    return {str(pseudonym): int(seat) for pseudonym, seat in rows}


def backfill(connection: sa.Connection) -> tuple[int, int]:
    """Link replacements recorded in ``panel.replaced`` events; return (linked, left unlinked)."""
    events = connection.execute(
        sa.select(_events.c.entity_id, _events.c.after)
        .where(_events.c.action == "panel.replaced")
        .order_by(_events.c.id)
    ).all()
    linked: dict[int, int] = {}  # replacement seat -> the seat it fills
    unlinked = 0
    seats_of: dict[int, dict[str, int]] = {}
    for entity_id, after in events:
        added = (after or {}).get("added") or []
        if not str(entity_id or "").isdigit():
            unlinked += len(added)
            continue
        run_id = int(entity_id)
        seats = seats_of.setdefault(run_id, _seat_ids(connection, run_id))
        for row in added:
            seat = seats.get(str(row.get("pseudonym")))
            target = seats.get(str(row.get("replaces")))
            if (
                seat is None
                or target is None
                or seat == target
                or seat in linked
                or target in linked.values()
            ):
                unlinked += 1
                continue
            linked[seat] = target
    for seat, target in sorted(linked.items()):
        connection.execute(sa.update(_seats).where(_seats.c.id == seat).values(replaces_id=target))
    return len(linked), unlinked


def downgrade() -> None:
    """Undo this revision (which seat each replacement fills is then only in the audit trail)."""
    op.drop_index("uq_seat_replaces", table_name="panel_seat")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column with a foreign key: rebuild the table without it.
        with op.batch_alter_table("panel_seat", recreate="always") as batch_op:
            batch_op.drop_column("replaces_id")
    else:
        op.drop_constraint("fk_seat_replaces", "panel_seat", type_="foreignkey")
        op.drop_column("panel_seat", "replaces_id")
