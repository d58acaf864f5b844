"""Criteria and categories get labels per language, per deliberation.

A new table ``criterion_label`` (deliberation, criterion, category, language, label;
an empty category labels the criterion itself). Existing data is untouched: no label
means pages show the codes, as before. Downgrading drops the table and its labels.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the label table (empty)."""
    op.create_table(
        "criterion_label",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "deliberation_id", sa.Integer(), sa.ForeignKey("deliberation.id"), nullable=False
        ),
        sa.Column("criterion", sa.String(200), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.UniqueConstraint(
            "deliberation_id", "criterion", "category", "lang", name="uq_criterion_label"
        ),
    )
    op.create_index("ix_criterion_label_deliberation_id", "criterion_label", ["deliberation_id"])


def downgrade() -> None:
    """Drop the label table (its labels are lost)."""
    op.drop_index("ix_criterion_label_deliberation_id", table_name="criterion_label")
    op.drop_table("criterion_label")
