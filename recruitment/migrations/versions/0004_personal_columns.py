"""Personal data by declaration: clear-text columns that are not criteria become encrypted.

Schema: ``volunteer.attributes`` (declared non-personal columns, kept in clear),
``deliberation.criteria`` (criteria every site may hold in clear) and
``site.pool_columns`` (which columns a site's volunteers hold, and how: names only).

Data, in the same transaction as the schema change:

- Until now every pool column not on an English list of contact names was stored in
  clear as a "feature". Those that are not criteria (a feature of any quota set the site
  ever had; no deliberation has criteria yet) move into the volunteer's encrypted
  personal data (the existing ciphertext is decrypted, merged and encrypted again). An
  erased volunteer's are deleted (they have no personal data left to hold them).
- Every run's stored pool (``inputs["pool"]``) keeps only pseudonyms, the run's quota
  features and household labels (``h1``, ``h2``...) instead of keyed address hashes;
  ``input_sha256`` and re-runs are unchanged (see ``recruitment.snapshots``).

The secret key (``KLERO_SECRET_KEY`` or the key file) is loaded only when there is a
value to move; without it the upgrade stops with ``secret_key_missing`` and the database
is left as it was.

Downgrade drops the new columns. Declared attributes move back into ``features`` (where
older versions keep every clear column); what was encrypted stays encrypted (older
versions show it, as contact details, to the site's partner only); trimmed snapshots
stay trimmed (older versions re-run them all the same).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from recruitment.security import Secrets
from recruitment.snapshots import is_trimmed, quota_columns, trimmed

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_volunteers = sa.table(
    "volunteer",
    sa.column("id", sa.Integer),
    sa.column("site_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("features", sa.JSON),
    sa.column("attributes", sa.JSON),
)
_contacts = sa.table(
    "volunteer_contact",
    sa.column("volunteer_id", sa.Integer),
    sa.column("ciphertext", sa.LargeBinary),
    sa.column("email_hash", sa.String),
    sa.column("phone_hash", sa.String),
)
_quota_sets = sa.table("quota_set", sa.column("site_id", sa.Integer), sa.column("rows", sa.JSON))
_sites = sa.table("site", sa.column("id", sa.Integer), sa.column("pool_columns", sa.JSON))
_runs = sa.table("selection_run", sa.column("id", sa.Integer), sa.column("inputs", sa.JSON))


def upgrade() -> None:
    """Add the columns, move clear-text personal values into the encrypted data, trim runs."""
    op.add_column(
        "volunteer", sa.Column("attributes", sa.JSON(), nullable=False, server_default="{}")
    )
    op.add_column(
        "deliberation", sa.Column("criteria", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column("site", sa.Column("pool_columns", sa.JSON(), nullable=False, server_default="{}"))
    connection = op.get_bind()
    encrypt_personal_features(connection)
    trim_run_snapshots(connection)


def _criteria(connection: sa.Connection) -> dict[int, set[str]]:
    """Per site, the normalised columns any of its quota sets ever read."""
    out: dict[int, set[str]] = {}
    for site_id, rows in connection.execute(sa.select(_quota_sets.c.site_id, _quota_sets.c.rows)):
        features = [str(r["feature"]) for r in rows or []]
        out.setdefault(int(site_id), set()).update(quota_columns(features))
    return out


def _split(features: dict[str, Any], criteria: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(criteria kept in clear, the rest) of one volunteer's stored features."""
    kept = {k: v for k, v in features.items() if quota_columns([k]) <= criteria}
    return kept, {k: v for k, v in features.items() if k not in kept}


def encrypt_personal_features(connection: sa.Connection) -> int:
    """Move every stored feature that is not a criterion into the encrypted personal data.

    Returns the number of volunteers changed. Loads the key only if one has to change.
    """
    criteria = _criteria(connection)
    volunteers = connection.execute(
        sa.select(_volunteers.c.id, _volunteers.c.site_id, _volunteers.c.status,
                  _volunteers.c.features).order_by(_volunteers.c.id)
    ).all()  # fmt: skip
    moves: list[tuple[int, int, str, dict[str, Any], dict[str, Any]]] = []
    columns: dict[int, dict[str, str]] = {}
    for vid, site_id, status, features in volunteers:
        kept, moved = _split(dict(features or {}), criteria.get(int(site_id), set()))
        site_columns = columns.setdefault(int(site_id), {})
        site_columns.update({k: "feature" for k in kept})
        site_columns.update({k: "personal" for k in moved})
        if moved:
            moves.append((int(vid), int(site_id), str(status), kept, moved))
    for site_id, known in sorted(columns.items()):
        connection.execute(
            sa.update(_sites).where(_sites.c.id == site_id).values(pool_columns=known)
        )
    if not moves:
        return 0
    secrets = Secrets.load()  # raises secret_key_missing: the transaction rolls back
    sealed = dict(
        connection.execute(
            sa.select(_contacts.c.volunteer_id, _contacts.c.ciphertext).where(
                _contacts.c.volunteer_id.in_([m[0] for m in moves])
            )
        ).all()
    )
    for vid, _site, status, kept, moved in moves:
        connection.execute(
            sa.update(_volunteers).where(_volunteers.c.id == vid).values(features=kept)
        )
        if status == "erased":
            continue  # erased: their personal data is gone, and so are these values
        details = secrets.decrypt(sealed[vid]) if vid in sealed else {}
        details.update({k: v for k, v in moved.items() if str(v).strip()})
        token = secrets.encrypt(details)
        if vid in sealed:
            connection.execute(
                sa.update(_contacts).where(_contacts.c.volunteer_id == vid).values(ciphertext=token)
            )
        else:
            connection.execute(sa.insert(_contacts).values(volunteer_id=vid, ciphertext=token))
    return len(moves)


def trim_run_snapshots(connection: sa.Connection) -> int:
    """Keep only pseudonyms, quota features and household labels in every run's pool."""
    changed = 0
    for run_id, inputs in connection.execute(sa.select(_runs.c.id, _runs.c.inputs)).all():
        pool = (inputs or {}).get("pool")
        features = [str(r["feature"]) for r in (inputs or {}).get("quotas", [])]
        if pool is None or is_trimmed(pool, features):
            continue
        new = {**inputs, "pool": trimmed(pool, features)}
        connection.execute(sa.update(_runs).where(_runs.c.id == run_id).values(inputs=new))
        changed += 1
    return changed


def downgrade() -> None:
    """Drop the new columns; declared attributes go back into ``features`` first."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_volunteers.c.id, _volunteers.c.features, _volunteers.c.attributes)
    ).all()
    for vid, features, attributes in rows:
        if attributes:
            merged = {**dict(attributes), **dict(features or {})}
            connection.execute(
                sa.update(_volunteers).where(_volunteers.c.id == vid).values(features=merged)
            )
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop referenced tables.
    op.drop_column("site", "pool_columns")
    op.drop_column("deliberation", "criteria")
    op.drop_column("volunteer", "attributes")
