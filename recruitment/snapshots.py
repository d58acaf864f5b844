"""What a selection run keeps of its pool: pseudonyms, the quotas' criteria, household groups.

A run stores the pool it drew from so that anyone may re-run it later. It keeps only what
the draw depends on: each volunteer's pseudonym, their values of the features the run's
quotas use, and a household label that says who shares an address with whom and nothing
more (``h1``, ``h2``, ... numbered by each household's first pseudonym; blank for people
living alone). ``Pool.canonical`` names a household by its smallest id and hashes only
the quota features, so trimming a snapshot never changes a run's ``input_sha256``.

Plain lists and dicts (no pandas, no database), so the schema migration can use it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from quotas.model import normalise, split_crossed

# Column names of the volunteer frames and snapshots.
ID_COLUMN = "__id__"
HOUSEHOLD_COLUMN = "__household__"


def quota_columns(features: Iterable[str]) -> set[str]:
    """Normalised column names a quota table's features read (both parts of crossed ones)."""
    keys: set[str] = set()
    for feature in features:
        keys.add(normalise(feature))
        keys.update(normalise(p) for p in split_crossed(str(feature)) or ())
    return keys


def household_labels(ids: Sequence[str], keys: Sequence[object]) -> list[str]:
    """One label per person: ``h1``, ``h2``, ... for households of two or more, else "".

    Households are numbered in the order of their smallest id, so the labels say nothing
    but who lives with whom.

    >>> household_labels(["c", "a", "b", "d"], ["k9", "k9", None, "k1"])
    ['h1', 'h1', '', '']
    """
    members: dict[object, list[str]] = {}
    for pid, key in zip(ids, keys, strict=True):
        if key is not None and key != "":
            members.setdefault(key, []).append(str(pid))
    shared = sorted((min(group), key) for key, group in members.items() if len(group) > 1)
    label = {key: f"h{n}" for n, (_, key) in enumerate(shared, start=1)}
    return [label.get(key, "") if key not in (None, "") else "" for key in keys]


def trimmed(snapshot: dict[str, Any], quota_features: Iterable[str]) -> dict[str, Any]:
    """A snapshot holding only the id, the columns the quotas read and household labels."""
    columns = [str(c) for c in snapshot["columns"]]
    rows = [list(r) for r in snapshot["rows"]]
    wanted = quota_columns(quota_features)
    keep = [
        i
        for i, c in enumerate(columns)
        if c == ID_COLUMN or (c != HOUSEHOLD_COLUMN and normalise(c) in wanted)
    ]
    out_columns = [columns[i] for i in keep]
    out_rows = [[row[i] for i in keep] for row in rows]
    if HOUSEHOLD_COLUMN in columns and ID_COLUMN in columns:
        at, id_at = columns.index(HOUSEHOLD_COLUMN), columns.index(ID_COLUMN)
        labels = household_labels([str(r[id_at]) for r in rows], [r[at] for r in rows])
        out_columns.append(HOUSEHOLD_COLUMN)
        out_rows = [[*row, label] for row, label in zip(out_rows, labels, strict=True)]
    return {"columns": out_columns, "rows": out_rows}


def is_trimmed(snapshot: dict[str, Any], quota_features: Iterable[str]) -> bool:
    """Whether a snapshot already holds nothing beyond what ``trimmed`` keeps."""
    return trimmed(snapshot, quota_features) == {
        "columns": [str(c) for c in snapshot["columns"]],
        "rows": [list(r) for r in snapshot["rows"]],
    }
