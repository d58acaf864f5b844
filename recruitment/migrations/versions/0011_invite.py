"""Invitations: message templates per site, kind and language; the meeting's date and place.

A new table ``site_message`` holds the invitation, stand-by and confirmation texts a
site's partner wrote for each language (none: the shipped default wording applies).
``site`` gets the meeting's day, time and place (``meeting_date``, ``meeting_time``,
``meeting_place``; none set: invitations cannot be exported yet), and ``volunteer``
the language the person registered in (``lang``; none for volunteers from files).
Existing data is untouched; downgrading drops the table and the columns.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the message table (empty) and the new, empty columns."""
    op.create_table(
        "site_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "kind", "lang", name="uq_site_message"),
    )
    # Plain ALTER TABLE ... ADD COLUMN (nullable, no constraint): no rebuild of the tables.
    op.add_column("site", sa.Column("meeting_date", sa.Date(), nullable=True))
    op.add_column("site", sa.Column("meeting_time", sa.String(length=40), nullable=True))
    op.add_column("site", sa.Column("meeting_place", sa.String(length=300), nullable=True))
    op.add_column("volunteer", sa.Column("lang", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Drop the message table and the columns (their texts, dates and languages are lost)."""
    op.drop_column("volunteer", "lang")
    op.drop_column("site", "meeting_place")
    op.drop_column("site", "meeting_time")
    op.drop_column("site", "meeting_date")
    op.drop_table("site_message")
