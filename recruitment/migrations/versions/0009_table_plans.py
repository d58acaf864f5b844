"""Table plans: a site's seating at tables for the day, round by round.

``table_plan`` holds, per computation, the pseudonyms' tables in every round, the
settings that made it and the number of tables; the latest row of a site is its plan.
Nothing else changes, so existing data is kept as it is. Downgrading drops the table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``table_plan``."""
    op.create_table(
        "table_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("selection_run.id"), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("seats", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("tables", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(40), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_table_plan_site_id", "table_plan", ["site_id"])


def downgrade() -> None:
    """Drop ``table_plan`` (every table plan is forgotten)."""
    op.drop_index("ix_table_plan_site_id", table_name="table_plan")
    op.drop_table("table_plan")
