"""Quota tables as files (CSV or XLSX): reading, checking and writing, and the cell reading
that census margin files (``quotas.margin_files``) share with them.

Quota tables come in three layouts, told apart by their header (case-insensitive;
spaces, hyphens and underscores are the same):

- ``kleroterion``: ``feature, value, min, max[, target_share]``
- ``sortition-foundation``: ``feature, value, min, max[, min_flex, max_flex]``.
  The flex columns say how far a quota may be relaxed when no panel meets the quotas:
  the bounds stay hard for the selection, and the feasibility check's proposed
  relaxation never moves a minimum below ``min_flex`` or a maximum above ``max_flex``
  (a blank flex cell sets no limit; ``min_flex`` above ``min`` or
  ``max_flex`` below ``max`` is refused). When writing, a table's own flex bounds are
  kept; without them they are ``min`` and ``max`` (no relaxation), or ``0`` and the
  panel size when ``size`` is given.
- ``sf-category``: ``category, name, min, max`` (the older Sortition Foundation layout).

Target shares, like census shares, may be written 0.51, 51 or 51% (one share above 1
makes every share of the file a percentage).

Row numbers in problems count the header as row 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from typing import Literal, TypeVar

import pandas as pd

from quotas.confusables import look_alike_problems
from quotas.exports import write_table
from quotas.messages import EMPTY
from quotas.model import (
    Category,
    Quota,
    QuotaTable,
    normalise,
    validate_quotas,
)
from quotas.problems import Problem, bounded, errors_only, raise_if_errors
from quotas.tables import read_table

QuotaFormat = Literal["kleroterion", "sortition-foundation", "sf-category"]
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
QUOTA_FORMATS: tuple[QuotaFormat, ...] = ("kleroterion", "sortition-foundation", "sf-category")


def header_key(name: object) -> str:
    """The matching key of a column name: lower case, words joined by underscores.

    >>> header_key(" Min-Flex "), header_key("TARGET share")
    ('min_flex', 'target_share')
    """
    return "_".join(str(name).replace("-", " ").replace("_", " ").split()).casefold()


def detect_quota_format(columns: Iterable[object]) -> QuotaFormat | None:
    """The quota table layout a header belongs to, or None when it has no known layout."""
    keys = {header_key(c) for c in columns}
    if {"feature", "value", "min", "max"} <= keys:
        flex = "min_flex" in keys or "max_flex" in keys
        return "sortition-foundation" if flex else "kleroterion"
    if {"category", "name", "min", "max"} <= keys:
        return "sf-category"
    return None


def _cell(value: object) -> str:
    """Cell text of any frame (ours are all strings; a caller's may hold numbers or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def column_cells(frame: pd.DataFrame, key: str) -> list[str]:
    """The cell texts of the column whose header key is ``key`` (blanks if there is none)."""
    for name in frame.columns:
        if header_key(name) == key:
            return [_cell(v) for v in frame[name].tolist()]
    return [""] * len(frame)


def whole_number(text: str) -> int | None:
    """The whole number a cell holds ("12" or "12.0"), or None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def share_number(text: str) -> tuple[float, bool] | None:
    """A number and whether it was written with a percent sign, or None."""
    text = text.strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # decimal comma, as in 0,51
    try:
        number = float(text)
    except ValueError:
        return None
    return (number, percent) if math.isfinite(number) else None


def missing_columns(code: str, source: str, frame: pd.DataFrame, expected: list[str]) -> Problem:
    """The problem ``code`` naming the ``expected`` columns that ``frame`` lacks."""
    keys = {header_key(c) for c in frame.columns}
    missing = [c for c in expected if c not in keys]
    return Problem(
        code,
        {
            "source": source,
            "missing": ", ".join(missing),
            "expected": ", ".join(expected),
            "found": ", ".join(str(c) for c in frame.columns) or EMPTY,
        },
    )


# -- quota tables ---------------------------------------------------------------------------


_Row = tuple[Category, int, int, "tuple[float, bool] | None", int | None, int | None]


def quotas_from_frame(frame: pd.DataFrame, source: str) -> tuple[QuotaTable | None, list[Problem]]:
    """Read a quota table from a frame in any known layout; return it (None on errors) and
    every problem found, with row numbers."""
    fmt = detect_quota_format(frame.columns)
    if fmt is None:
        keys = {header_key(c) for c in frame.columns}
        old = ("category" in keys or "name" in keys) and "feature" not in keys
        expected = ["category", "name", "min", "max"] if old else ["feature", "value", "min", "max"]
        return None, [missing_columns("quota_file_missing_columns", source, frame, expected)]
    names = ("category", "name") if fmt == "sf-category" else ("feature", "value")
    flex = ("min_flex", "max_flex") if fmt == "sortition-foundation" else ()
    columns = {
        key: column_cells(frame, key) for key in (*names, "min", "max", "target_share", *flex)
    }
    problems: list[Problem] = []
    rows: list[_Row] = []
    rows_of: dict[tuple[str, str], list[int]] = {}
    for index in range(len(frame)):
        cells = {key: values[index] for key, values in columns.items()}
        parsed = _quota_row(cells, names, source, index + 2, problems)
        if parsed is None:
            continue
        key_pair = (normalise(parsed[0].feature), normalise(parsed[0].value))
        rows_of.setdefault(key_pair, []).append(index + 2)
        if len(rows_of[key_pair]) == 1:
            rows.append(parsed)
    # the same rule as for census shares: one share above 1 makes them all percentages
    as_percent = any(s is not None and s[0] > 1 and not s[1] for *_, s, _, _ in rows)
    quotas = [
        Quota(c, lo, hi, None if s is None else s[0] / 100 if s[1] or as_percent else s[0], a, b)
        for c, lo, hi, s, a, b in rows
    ]
    problems += _duplicate_quota_problems(rows_of, quotas, source)
    table = QuotaTable(quotas)
    if len(frame) == 0 or quotas or not errors_only(problems):
        problems += [p for p in validate_quotas(table) if p.code != "quota_duplicate_category"]
    problems += look_alike_problems({f: table.values(f) for f in table.features}, source)
    return (None if errors_only(problems) else table), bounded(problems)


def _quota_row(
    cells: dict[str, str], names: tuple[str, str], source: str, row: int, problems: list[Problem]
) -> _Row | None:
    """One row of a quota file, or None (its problems added to ``problems``)."""
    ok = True
    for key in names:
        if not cells[key]:
            problems.append(
                Problem("quota_file_blank_cell", {"source": source, "row": row, "column": key})
            )
            ok = False
    numbers: dict[str, int | None] = {}
    for key in ("min", "max", "min_flex", "max_flex"):
        text = cells.get(key, "")
        if key.endswith("_flex") and not text:
            numbers[key] = None  # a blank flex cell sets no limit
            continue
        numbers[key] = whole_number(text)
        if numbers[key] is None:
            params = {"source": source, "row": row, "column": key, "text": text}
            problems.append(Problem("quota_file_not_integer", params))
            ok = False
    share: tuple[float, bool] | None = None
    if cells["target_share"]:
        share = share_number(cells["target_share"])
        if share is None:
            params = {"source": source, "row": row, "text": cells["target_share"]}
            problems.append(Problem("quota_file_share_not_number", params))
            ok = False
    if not ok:
        return None
    lo, hi = numbers["min"], numbers["max"]
    assert lo is not None and hi is not None
    category = Category(cells[names[0]], cells[names[1]])
    return category, lo, hi, share, numbers["min_flex"], numbers["max_flex"]


def _duplicate_quota_problems(
    rows_of: dict[tuple[str, str], list[int]], quotas: list[Quota], source: str
) -> list[Problem]:
    labels = {(normalise(q.feature), normalise(q.value)): (q.feature, q.value) for q in quotas}
    return repeated_rows("quota_file_duplicate_category", rows_of, labels, source)


def repeated_rows(
    code: str,
    rows_of: Mapping[K, list[int]],
    labels: Mapping[K, tuple[str, str]],
    source: str,
) -> list[Problem]:
    """A problem ``code`` for each category (labelled feature, value) on several rows."""
    return [
        Problem(
            code,
            {
                "source": source,
                "rows": ", ".join(map(str, rows)),
                "feature": labels[key][0],
                "value": labels[key][1],
            },
        )
        for key, rows in rows_of.items()
        if len(rows) > 1
    ]


def read_quotas(path: str | Path) -> QuotaTable:
    """Read a quota table file (CSV or XLSX, any known layout); raise InvalidInput on errors."""
    return read_parsed(path, quotas_from_frame)


def read_parsed(
    path: str | Path, parse: Callable[[pd.DataFrame, str], tuple[T | None, list[Problem]]]
) -> T:
    """Read a table file and ``parse`` it; raise InvalidInput listing every problem."""
    frame, problems = read_table(path)
    found, more = parse(frame, str(path))
    raise_if_errors(problems + more)
    assert found is not None
    return found


def quota_frame(
    table: QuotaTable, format: QuotaFormat = "kleroterion", *, size: int | None = None
) -> pd.DataFrame:
    """The rows of a quota file in the given layout (see the module docstring)."""
    if format not in QUOTA_FORMATS:
        raise_if_errors(
            [Problem("quota_format_unknown", {"format": format, "known": ", ".join(QUOTA_FORMATS)})]
        )
    quotas = table.quotas
    names = ("category", "name") if format == "sf-category" else ("feature", "value")
    data: dict[str, list[object]] = {
        names[0]: [q.feature for q in quotas],
        names[1]: [q.value for q in quotas],
        "min": [q.min for q in quotas],
        "max": [q.max for q in quotas],
    }
    if format == "kleroterion" and table.has_target_shares():
        data["target_share"] = [q.target_share for q in quotas]
    if format == "sortition-foundation":
        data["min_flex"] = [_flex(q.min_flex, 0, q.min, size) for q in quotas]
        data["max_flex"] = [_flex(q.max_flex, size, q.max, size) for q in quotas]
    return pd.DataFrame(data)


def write_quotas(
    table: QuotaTable,
    path: str | Path,
    format: QuotaFormat = "kleroterion",
    *,
    size: int | None = None,
) -> None:
    """Write a quota table as CSV, or XLSX when the path ends in .xlsx, in one of the layouts.

    ``size`` only matters for the Sortition Foundation layout (its flex columns).
    """
    write_table(quota_frame(table, format, size=size), path)


def _flex(given: int | None, free: int | None, bound: int, size: int | None) -> int:
    """A flex cell: the table's own, else free (with a size) or the bound itself (none)."""
    if given is not None:
        return given
    return free if size is not None and free is not None else bound
