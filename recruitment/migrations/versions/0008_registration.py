"""Public registration: consent texts, registration dates, attempts, and the paper channel.

``site_consent`` holds the consent text a site's partner wrote for each language;
``site.registration_opens`` / ``registration_closes`` are the dates (inclusive) between
which the site's public registration page takes sign-ups (none: it is not open).
``registration_attempt`` keeps, for the rate limit, a keyed hash of the client's address
(never the address) and the time of each public sign-up. Volunteers may now come from a
paper form (channel ``paper``). SQLite cannot alter a check constraint and rebuilding
``volunteer`` would trip the foreign keys that reference it, so, as in 0006, the stored
table definition is rewritten in place (the rows are untouched). Existing data is kept.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "channel IN ('file', 'online', 'phone', 'in_person', 'mail')"
_NEW = "channel IN ('file', 'online', 'phone', 'in_person', 'mail', 'paper')"


def _sqlite_check(old: str, new: str) -> None:
    """Rewrite the volunteer table's channel check in SQLite's stored schema."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'volunteer'"
    ).scalar_one()
    clause = "CONSTRAINT ck_volunteer_channel CHECK ({})"
    if sql.count(clause.format(old)) != 1:
        raise RuntimeError("the volunteer table's channel check is not the expected one")
    new_sql = sql.replace(clause.format(old), clause.format(new))
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'volunteer'",
        (new_sql,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _set_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_check(old, new)
        return
    op.drop_constraint("ck_volunteer_channel", "volunteer", type_="check")
    op.create_check_constraint("ck_volunteer_channel", "volunteer", new)


def upgrade() -> None:
    """Apply this revision: no site is open to the public until its partner sets dates."""
    op.add_column("site", sa.Column("registration_opens", sa.Date(), nullable=True))
    op.add_column("site", sa.Column("registration_closes", sa.Date(), nullable=True))
    op.create_table(
        "site_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "lang", name="uq_site_consent_lang"),
    )
    op.create_table(
        "registration_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_registration_attempt_client",
        "registration_attempt",
        ["site_id", "client_hash", "at"],
    )
    _set_check(_OLD, _NEW)


def downgrade() -> None:
    """Undo this revision (refused while volunteers came from paper: 0007 has no such channel)."""
    paper = (
        op.get_bind()
        .exec_driver_sql("SELECT count(*) FROM volunteer WHERE channel = 'paper'")
        .scalar_one()
    )
    if paper:
        raise RuntimeError(
            f"{paper} volunteers came from paper forms; schema 0007 cannot hold them"
        )
    _set_check(_NEW, _OLD)
    op.drop_index("ix_registration_attempt_client", table_name="registration_attempt")
    op.drop_table("registration_attempt")
    op.drop_table("site_consent")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), as in 0002: no rebuild of "site".
    op.drop_column("site", "registration_closes")
    op.drop_column("site", "registration_opens")
