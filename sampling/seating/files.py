"""The seating's constraint files: together / apart groups and the facilitators' tables.

``group,id`` rows make groups (people who share a table in every round, or of whom no
two ever share one); ``id,table`` rows fix a person's table. Shared by ``klero tables``
and the dashboard's Tables page, so both read these files the same way, with the same
problems (codes of the sampling catalogue).
"""

from __future__ import annotations

from pathlib import Path

from quotas.problems import Problem
from quotas.tables import read_table

Groups = tuple[tuple[str, ...], ...]


def read_groups(path: Path) -> tuple[Groups, list[Problem]]:
    """``group,id`` rows as groups of ids, in the order groups first appear."""
    frame, problems = read_table(path)
    if not {"group", "id"} <= set(frame.columns):
        return (), [Problem("tables_file_columns", {"path": str(path), "columns": "group,id"})]
    groups: dict[str, list[str]] = {}
    for group, person in zip(frame["group"], frame["id"], strict=True):
        if person:
            groups.setdefault(group, []).append(person)
    return tuple(tuple(g) for g in groups.values() if len(g) > 1), problems


def read_facilitators(path: Path) -> tuple[dict[str, int], list[Problem]]:
    """``id,table`` rows: each person's fixed table (a whole number from 1)."""
    frame, problems = read_table(path)
    if not {"id", "table"} <= set(frame.columns):
        return {}, [Problem("tables_file_columns", {"path": str(path), "columns": "id,table"})]
    rows = frame.attrs.get("row_numbers", range(2, len(frame) + 2))
    fixed: dict[str, int] = {}
    for row, person, table in zip(rows, frame["id"], frame["table"], strict=True):
        if not table.isdigit() or int(table) < 1:
            problems.append(
                Problem(
                    "tables_facilitator_table", {"path": str(path), "row": int(row), "value": table}
                )
            )
            continue
        fixed[person] = int(table)
    return fixed, problems


def read_constraints(
    paths: tuple[Path | None, Path | None, Path | None],
) -> tuple[Groups, Groups, dict[str, int], list[Problem]]:
    """The together and apart groups and the facilitators' tables from their files (each
    optional), with every problem found in them. Raises ``InvalidInput`` (from
    ``read_table``) for a file that cannot be read at all."""
    together_path, apart_path, facilitators_path = paths
    together: Groups = ()
    apart: Groups = ()
    fixed: dict[str, int] = {}
    problems: list[Problem] = []
    if together_path is not None:
        together, more = read_groups(together_path)
        problems += more
    if apart_path is not None:
        apart, more = read_groups(apart_path)
        problems += more
    if facilitators_path is not None:
        fixed, more = read_facilitators(facilitators_path)
        problems += more
    return together, apart, fixed, problems
