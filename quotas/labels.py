"""Criteria and categories in the reader's language: label rows, read from files, looked up.

Files and stored data keep the codes (``gender``, ``female``); a label says one in one
language (``fr``: ``Genre``, ``Femme``). A row labels a category of a criterion, or the
criterion itself when its category is empty. Labels come from a labels file
(``criterion, category, lang, label``) or from the ``label_<lang>`` columns of a margins
file (each row's category). Showing a code without a label in the reader's language is
not an error: the code is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from quotas.formats import column_cells, header_key, missing_columns
from quotas.languages import LANGUAGES, resolve
from quotas.model import normalise
from quotas.problems import Problem

#: Columns of a labels file, in order.
COLUMNS = ("criterion", "category", "lang", "label")
#: The longest label kept (a label is a short name, not a text).
LABEL_MAX = 200
_MARGIN_LABEL = re.compile(r"label_(.+)")
_SHIPPED = frozenset(language.code for language in LANGUAGES)


@dataclass(frozen=True)
class LabelRow:
    """One label: ``category`` empty labels the criterion itself; an empty label removes one."""

    criterion: str
    category: str
    lang: str
    label: str


def _language(text: str) -> str | None:
    found = resolve(text)
    return found if found in _SHIPPED else None


def _checked(
    row: int, source: str, values: Mapping[str, str], problems: list[Problem]
) -> LabelRow | None:
    criterion, category = values["criterion"].strip(), values["category"].strip()
    label = " ".join(values["label"].split())
    lang = _language(values["lang"].strip())
    where = {"file": source, "row": row}
    if not criterion:
        problems.append(Problem("labels_criterion_missing", where))
    elif lang is None:
        known = ", ".join(sorted(_SHIPPED))
        problems.append(
            Problem("labels_language_unknown", {**where, "lang": values["lang"], "known": known})
        )
    elif len(label) > LABEL_MAX:
        problems.append(Problem("labels_too_long", {**where, "max": LABEL_MAX}))
    else:
        return LabelRow(criterion, category, lang, label)
    return None


def labels_from_frame(frame: pd.DataFrame, source: str) -> tuple[list[LabelRow], list[Problem]]:
    """The rows of a labels file (``criterion, category, lang, label``) and every problem."""
    keys = {header_key(c) for c in frame.columns}
    if not set(COLUMNS) <= keys:
        problem = missing_columns("labels_file_columns", source, frame, list(COLUMNS))
        return [], [problem]
    cells = {c: column_cells(frame, c) for c in COLUMNS}
    problems: list[Problem] = []
    rows = [
        _checked(i + 2, source, {c: cells[c][i] for c in COLUMNS}, problems)
        for i in range(len(frame))
    ]
    return _unique([r for r in rows if r is not None], source, problems), problems


def labels_from_margins(frame: pd.DataFrame, source: str) -> tuple[list[LabelRow], list[Problem]]:
    """Labels in a margins file's ``label_<lang>`` columns, for each row's category.

    Only the single layout (``feature, value, share``) carries labels; a column named
    for a language Kleroterion does not ship is a problem.
    """
    keys = {header_key(c): c for c in frame.columns}
    feature = "feature" if "feature" in keys else None
    languages: dict[str, str] = {}
    problems: list[Problem] = []
    for key in sorted(keys):
        match = _MARGIN_LABEL.fullmatch(key)
        if match is None:
            continue
        lang = _language(match.group(1))
        if lang is None:
            known = ", ".join(sorted(_SHIPPED))
            problems.append(
                Problem(
                    "labels_language_unknown",
                    {"file": source, "row": 1, "lang": match.group(1), "known": known},
                )
            )
        else:
            languages[lang] = key
    if feature is None or "value" not in keys or not languages:
        return [], problems
    features, values = column_cells(frame, "feature"), column_cells(frame, "value")
    rows = []
    for lang, key in languages.items():
        labels = column_cells(frame, key)
        for i, text in enumerate(labels):
            if text.strip() and features[i].strip() and values[i].strip():
                found = _checked(
                    i + 2,
                    source,
                    {"criterion": features[i], "category": values[i], "lang": lang, "label": text},
                    problems,
                )
                rows += [found] if found is not None else []
    return _unique(rows, source, problems), problems


def _unique(rows: list[LabelRow], source: str, problems: list[Problem]) -> list[LabelRow]:
    """Each (criterion, category, language) once: a second, different label is a problem."""
    seen: dict[tuple[str, str, str], LabelRow] = {}
    for row in rows:
        key = (normalise(row.criterion), normalise(row.category), row.lang)
        first = seen.setdefault(key, row)
        if first.label != row.label:
            params = {"file": source, "criterion": row.criterion, "category": row.category}
            problems.append(Problem("labels_conflict", {**params, "lang": row.lang}))
    return list(seen.values())


class Labels:
    """Look-up of labels by code and language; a code without a label reads as itself."""

    def __init__(self, rows: Iterable[LabelRow]) -> None:
        self._labels = {
            (normalise(r.criterion), normalise(r.category), r.lang): r.label
            for r in rows
            if r.label
        }

    def criterion(self, criterion: str, lang: str) -> str:
        """The criterion's label in ``lang`` (its code when it has none).

        >>> Labels([LabelRow("gender", "", "fr", "Genre")]).criterion("Gender", "fr")
        'Genre'
        """
        return self._labels.get((normalise(criterion), "", lang), criterion)

    def category(self, criterion: str, category: str, lang: str) -> str:
        """The category's label in ``lang`` (its code when it has none)."""
        return self._labels.get((normalise(criterion), normalise(category), lang), category)

    def __bool__(self) -> bool:
        return bool(self._labels)
