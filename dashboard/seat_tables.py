"""Seats as the dashboard shows them: kinds, statuses and headings in the reader's language,
criteria and categories by their labels (the Selection and Panel pages)."""

from __future__ import annotations

import pandas as pd

from dashboard.ui import lang, tr
from quotas.labels import Labels

SEAT_COLUMNS = {
    "pseudonym": "col.pseudonym",
    "kind": "col.kind",
    "rank": "col.rank",
    "status": "col.status",
    "replaces": "panel.replaces",
    "replaced_by": "panel.replaced_by",
}


def seat_table(seats: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """Seats as shown: kinds and statuses in the session's language, headings translated,
    criteria (the other columns) and their categories by their ``labels``."""
    shown = seats.copy()
    if "kind" in shown:
        shown["kind"] = [tr(f"kind.{k}") for k in shown["kind"]]
    if "status" in shown:
        shown["status"] = [tr(f"seat.{s}") for s in shown["status"]]
    headings = {c: tr(key) for c, key in SEAT_COLUMNS.items()}
    criteria = [str(c) for c in shown.columns if c not in SEAT_COLUMNS] if labels else []
    for criterion in criteria:
        assert labels is not None
        values = shown[criterion]
        shown[criterion] = [labels.category(criterion, str(v), lang()) for v in values]
        headings[criterion] = labels.criterion(criterion, lang())
    return shown.rename(columns=headings)
