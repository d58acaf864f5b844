"""Census margins as files (CSV or XLSX): reading, checking and writing.

Census margins are ``feature, value, share`` rows, or crossed rows
``feature_1, value_1, feature_2, value_2, share`` (a crossed file may also hold
single margins, with ``feature_2`` and ``value_2`` left blank; ``feature`` and
``value`` are accepted for ``feature_1`` and ``value_1``). A share may be written
0.51, 51 or 51%: a share with ``%`` is a percentage, and when any share of the file
is above 1, every share of the file is read as a percentage.

Cells are read as in quota table files (``quotas.formats``); row numbers in problems count
the header as row 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from quotas.confusables import look_alike_problems
from quotas.exports import write_table
from quotas.formats import (
    column_cells,
    header_key,
    missing_columns,
    read_parsed,
    repeated_rows,
    share_number,
)
from quotas.model import crossed_feature, crossed_value, normalise
from quotas.problems import Problem, bounded, errors_only
from quotas.targets import Margins

_SINGLE = ["feature", "value", "share"]
_CROSSED = ["feature_1", "value_1", "feature_2", "value_2", "share"]


def margins_from_frame(frame: pd.DataFrame, source: str) -> tuple[Margins | None, list[Problem]]:
    """Read census margins from a frame; return them (None on errors) and every problem."""
    keys = {header_key(c) for c in frame.columns}
    crossed = "feature_2" in keys or "value_2" in keys
    first_f = "feature_1" if "feature_1" in keys else "feature"
    first_v = "value_1" if "value_1" in keys else "value"
    needed = [first_f, first_v, "feature_2", "value_2", "share"] if crossed else []
    needed = needed or [first_f, first_v, "share"]
    if any(c not in keys for c in needed):
        expected = _CROSSED if crossed else _SINGLE
        missing = [c for c in expected if c not in keys]
        for alias, name in (("feature", "feature_1"), ("value", "value_1")):
            if alias in keys and name in missing:
                missing.remove(name)
        problem = missing_columns("margin_file_missing_columns", source, frame, expected)
        return None, [Problem(problem.code, {**problem.params, "missing": ", ".join(missing)})]
    cols = {c: column_cells(frame, c) for c in needed}
    problems: list[Problem] = []
    parsed: list[tuple[int, tuple[str, ...], float, bool]] = []
    for index in range(len(frame)):
        row = index + 2
        names = [cols[c][index] for c in needed[:-1]]
        pair_given = crossed and any(names[2:])
        checked = needed[:-1] if pair_given else needed[:2]
        blank = [c for c, n in zip(needed, names, strict=False) if c in checked and not n]
        for column in blank:
            problems.append(
                Problem("margin_file_blank_cell", {"source": source, "row": row, "column": column})
            )
        text = cols["share"][index]
        number = share_number(text)
        if number is None:
            params = {"source": source, "row": row, "text": text}
            problems.append(Problem("margin_file_share_not_number", params))
        if blank or number is None:
            continue
        parsed.append((row, tuple(names if pair_given else names[:2]), number[0], number[1]))
    as_percent = any(value > 1 and not percent for _, _, value, percent in parsed)
    margins = _collect(parsed, as_percent, source, problems)
    problems += [p for p in margins.problems() if p.code != "margin_none" or not problems]
    problems += look_alike_problems({f: list(v) for f, v in margins.features.items()}, source)
    return (None if errors_only(problems) else margins), bounded(problems)


def _collect(
    parsed: list[tuple[int, tuple[str, ...], float, bool]],
    as_percent: bool,
    source: str,
    problems: list[Problem],
) -> Margins:
    """Group parsed rows into margins, reporting rows that repeat a category."""
    features: dict[str, dict[str, float]] = {}
    crossed: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    spelling: dict[str, str] = {}  # normalised feature name -> first spelling
    crossed_names: dict[tuple[str, str], tuple[str, str]] = {}
    rows_of: dict[tuple[str, ...], list[int]] = {}
    labels: dict[tuple[str, ...], tuple[str, str]] = {}
    for row, names, value, percent in parsed:
        share = value / 100 if percent or as_percent else value
        if len(names) == 2:
            feature = spelling.setdefault(normalise(names[0]), names[0])
            key: tuple[str, ...] = (normalise(feature), normalise(names[1]))
            labels.setdefault(key, (feature, names[1]))
            rows_of.setdefault(key, []).append(row)
            if len(rows_of[key]) == 1:
                features.setdefault(feature, {})[names[1]] = share
            continue
        f1, v1, f2, v2 = names
        norm = (normalise(f1), normalise(f2))
        if norm not in crossed_names and norm[::-1] in crossed_names:
            f1, v1, f2, v2 = f2, v2, f1, v1  # the same pair written the other way round
            norm = norm[::-1]
        pair = crossed_names.setdefault(norm, (f1, f2))
        key = (*norm, normalise(v1), normalise(v2))
        labels.setdefault(key, (crossed_feature(*pair), crossed_value(v1, v2)))
        rows_of.setdefault(key, []).append(row)
        if len(rows_of[key]) == 1:
            crossed.setdefault(pair, {})[(v1, v2)] = share
    problems += repeated_rows("margin_file_duplicate", rows_of, labels, source)
    return Margins(features, crossed)


def read_margins(path: str | Path) -> Margins:
    """Read a census margins file (CSV or XLSX); raise InvalidInput on errors."""
    return read_parsed(path, margins_from_frame)


def margins_frame(margins: Margins) -> pd.DataFrame:
    """The rows of a margins file: the single layout, or the crossed one when needed."""
    singles = [(f, v, s) for f, values in margins.features.items() for v, s in values.items()]
    if not margins.crossed:
        return pd.DataFrame(
            {
                "feature": [f for f, _, _ in singles],
                "value": [v for _, v, _ in singles],
                "share": [float(s) for _, _, s in singles],
            }
        )
    rows: list[tuple[str, str, str, str, float]] = [(f, v, "", "", s) for f, v, s in singles]
    for (f1, f2), cells in margins.crossed.items():
        rows += [(f1, v1, f2, v2, s) for (v1, v2), s in cells.items()]
    frame = pd.DataFrame(rows, columns=_CROSSED)
    frame["share"] = frame["share"].astype(float)
    return frame


def write_margins(margins: Margins, path: str | Path) -> None:
    """Write census margins as CSV, or XLSX when the path ends in .xlsx."""
    write_table(margins_frame(margins), path)
