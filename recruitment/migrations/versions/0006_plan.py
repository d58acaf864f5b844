"""Sites get a kind (in person or online), a catchment (regions) and languages.

An online site has no place and may have a panel of up to 10,000 seats, so the panel
size check now follows the kind. SQLite cannot alter a check constraint, and rebuilding
``site`` would trip the foreign keys of the tables that reference it; as SQLite documents
for a check that only changes its condition, the stored table definition is rewritten
in place instead (the on-disk rows are untouched), inside the migration's transaction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_CHECK = "panel_size BETWEEN 50 AND 200"
_NEW_CHECK = (
    "(kind = 'in_person' AND panel_size BETWEEN 50 AND 200)"
    " OR (kind = 'online' AND panel_size BETWEEN 50 AND 10000)"
)


def _sqlite_check(old: str, new: str) -> None:
    """Rewrite the site table's check in SQLite's stored schema (same transaction)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'site'"
    ).scalar_one()
    clause = "CONSTRAINT ck_site_panel_size CHECK ({})"
    if sql.count(clause.format(old)) != 1:
        raise RuntimeError("the site table's panel size check is not the expected one")
    new_sql = sql.replace(clause.format(old), clause.format(new))
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'site'", (new_sql,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _set_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_check(old, new)
        return
    op.drop_constraint("ck_site_panel_size", "site", type_="check")
    op.create_check_constraint("ck_site_panel_size", "site", new)


def upgrade() -> None:
    """Apply this revision: existing sites are in person, recruit from their whole country."""
    op.add_column("site", sa.Column("regions", sa.JSON(), server_default="[]", nullable=False))
    op.add_column(
        "site",
        sa.Column("kind", sa.String(length=20), server_default="in_person", nullable=False),
    )
    op.add_column("site", sa.Column("languages", sa.JSON(), server_default="[]", nullable=False))
    _set_check(_OLD_CHECK, _NEW_CHECK)


def downgrade() -> None:
    """Undo this revision (online sites must be gone first: their panels would not fit)."""
    _set_check(_NEW_CHECK, _OLD_CHECK)
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), as in 0002: no rebuild of "site".
    op.drop_column("site", "languages")
    op.drop_column("site", "kind")
    op.drop_column("site", "regions")
