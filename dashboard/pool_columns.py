"""The classification table of a pool upload: what each column is, why, and the partner's say.

Before a file is imported the partner sees every column with its role (criterion,
attribute, contact, address, personal) and the reason, and can change each role in a
table (``st.data_editor``); the id and the registration channel are fixed. The chosen
roles become the import's declarations, so the import stores exactly what was shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.ui import plain, tr
from recruitment.columns import DECLARABLE, ColumnRole, Role
from recruitment.lexicon import recognise_header

EDITOR_KEY = "pool_roles"


def guessed_addresses(columns: list[str]) -> list[str]:
    """Columns that look like a street address (with the postcode beside it): households."""
    streets = [c for c in columns if recognise_header(c) == "address"]
    if not streets:
        return []
    return [c for c in columns if c in streets or recognise_header(c) == "postcode"]


def _why(column: ColumnRole) -> str:
    reason = tr(f"reason.{column.reason}")
    return f"{reason} ({tr(f'kind.{column.kind}')})" if column.kind else reason


def roles_editor(columns: list[ColumnRole]) -> dict[Role, list[str]]:
    """Show the classification with an editable role per column; return the chosen roles.

    Returns the declarable roles (feature, attribute, contact, address, personal) with
    their columns, in the file's order; id and channel are shown, not edited.
    """
    fixed = [c for c in columns if c.role not in DECLARABLE]
    editable = [c for c in columns if c.role in DECLARABLE]
    labels = {role: tr(f"role.{role}") for role in DECLARABLE}
    if fixed:
        st.caption(" · ".join(f"{tr(f'role.{c.role}')}: {plain(c.column)}" for c in fixed))
    table = pd.DataFrame(
        {
            tr("col.column"): [c.column for c in editable],
            tr("col.role"): [labels[c.role] for c in editable],
            tr("col.why"): [_why(c) for c in editable],
        }
    )
    edited = st.data_editor(
        table,
        key=EDITOR_KEY,
        hide_index=True,
        width="stretch",
        disabled=[tr("col.column"), tr("col.why")],
        column_config={
            tr("col.role"): st.column_config.SelectboxColumn(
                options=list(labels.values()), required=True
            )
        },
    )
    by_label = {label: role for role, label in labels.items()}
    chosen: dict[Role, list[str]] = {role: [] for role in DECLARABLE}
    for column, label in zip(edited[tr("col.column")], edited[tr("col.role")], strict=True):
        chosen[by_label.get(str(label), Role.PERSONAL)].append(str(column))
    return chosen
