"""Sites get a region: a first-level subdivision such as "Auvergne-Rhône-Alpes" (nullable).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: existing sites keep no region until one is given."""
    op.add_column("site", sa.Column("region", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Undo this revision (the regions are lost)."""
    # A plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch rebuild of "site"
    # would drop a table that volunteers, quota sets and runs still reference.
    op.drop_column("site", "region")
