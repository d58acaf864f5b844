"""Accounts in bulk: a password to change at first sign-in, an encrypted e-mail address.

``user_account.must_change_password`` is true for an account made with a one-time
password (``klero user import``): signing in is refused until the user sets their own.
``user_account.contact`` holds the user's e-mail address, Fernet-encrypted with the
service key (personal data, never stored in clear). Existing accounts keep their
passwords and have no address. Downgrading drops both columns.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two columns (existing users: no change needed, no address)."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("contact", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Undo this revision (forced changes and stored addresses are forgotten)."""
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("contact")
        batch.drop_column("must_change_password")
