"""Sign-in: failed attempts kept for the lockout (sign_in_failure), second factors (user_totp).

``sign_in_failure`` holds one row per failed sign-in of a login as typed (known or not)
while it can still count toward a lock; the audit trail keeps the lasting record.
``user_totp`` holds a user's TOTP secret, encrypted with the service key, pending until
confirmed. Downgrading drops both: locks are lifted and users sign in without a code.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the two tables (nothing to carry over: no lock or second factor existed)."""
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Counting a login's recent failures reads a range of this index.
    op.create_index("ix_sign_in_failure_login_at", "sign_in_failure", ["login", "at"])
    op.create_table(
        "user_totp",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    """Undo this revision (second factors and pending lockouts are forgotten)."""
    op.drop_table("user_totp")
    op.drop_index("ix_sign_in_failure_login_at", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
