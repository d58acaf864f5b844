"""Each volunteer's category per feature, checked against the quota table, in bounded time.

Method: a feature's values are factorised once, so each distinct spelling is looked up
once, and the rows of every spelling come from one stable sort (not one scan of the
pool per spelling: 200,000 distinct bad values stay quick). An unknown spelling gets a
"did you mean" (difflib, cached per normalised spelling); one that differs from a
category only by look-alike letters (Cyrillic ``а`` for Latin ``a``) names both
spellings and the letters; one that matches a category only in Unicode's NFKC form
(full-width letters, ligatures, decomposed accents) is read as that category, with a
warning. Per feature at most ``PROBLEMS_SHOWN_PER_CODE`` problems of each code are
built; the rest are counted (``quotas.problems.bounded`` merges the counts).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from quotas.confusables import compatibility_letters, compatible, look_alike_letters, skeleton
from quotas.model import QuotaTable, normalise, split_crossed
from quotas.problems import PROBLEMS_SHOWN_PER_CODE, Problem, Severity

# Show this many row numbers in a message; the problem's ``count`` gives the total.
ROWS_SHOWN = 20


def problem(code: str, source: str, severity: Severity = "error", **params: object) -> Problem:
    """A problem of the pool file ``source``."""
    return Problem(code, {"source": source, **params}, severity)


def rows_text(rows: Sequence[int] | np.ndarray) -> str:
    """The first row numbers, then "…" when there are more."""
    shown = ", ".join(str(int(r)) for r in rows[:ROWS_SHOWN])
    return shown + (", …" if len(rows) > ROWS_SHOWN else "")


def rows_params(rows: np.ndarray) -> dict[str, Any]:
    """The ``row``, ``rows`` and ``count`` parameters of a problem found on ``rows``."""
    return {"row": int(rows[0]), "rows": rows_text(rows), "count": len(rows)}


@dataclass
class FeatureCodes:
    """Every person's category code per feature (-1 when blank or unknown) and the findings.

    ``rewrites`` maps a column to the spellings (stripped) read as a category only in
    their NFKC form, and that category's spelling.
    """

    codes: dict[str, np.ndarray] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rewrites: dict[str, dict[str, str]] = field(default_factory=dict)


def feature_codes(
    text: pd.DataFrame,
    quotas: QuotaTable,
    columns: dict[str, str],
    rows: np.ndarray,
    source: str,
) -> FeatureCodes:
    """Code of every person's category per feature, the missing columns and value problems.

    Crossed features ("gender x age") are derived from their two source columns.
    """
    out = FeatureCodes()
    blank_reported: set[str] = set()
    bad_rows: dict[str, np.ndarray] = {}

    # Plain features first, so a crossed feature knows which rows its parts already failed.
    for feature in sorted(quotas.features, key=lambda f: split_crossed(f) is not None):
        parts = split_crossed(feature)
        from_parts = parts is not None and all(normalise(p) in columns for p in parts)
        if parts is not None and from_parts:
            raw = _crossed_values(text, parts, columns, rows, source, bad_rows, blank_reported, out)
            checked = _Values(raw, feature, quotas, rows, source, plain=False)
        elif normalise(feature) in columns:
            column = columns[normalise(feature)]
            checked = _Values(text[column], feature, quotas, rows, source, plain=True)
            if checked.rewrites:
                out.rewrites[column] = checked.rewrites
            blank_reported.add(normalise(feature))
        else:
            out.missing.extend(
                [p for p in parts if normalise(p) not in columns] if parts else [feature]
            )
            out.codes[feature] = np.full(len(text), -1, dtype=np.int64)
            continue
        out.codes[feature] = checked.codes
        bad_rows[normalise(feature)] = checked.codes < 0
        out.problems.extend(checked.problems)
    out.missing = sorted(set(out.missing), key=out.missing.index)
    return out


def _crossed_values(
    text: pd.DataFrame,
    parts: tuple[str, str],
    columns: dict[str, str],
    rows: np.ndarray,
    source: str,
    bad_rows: dict[str, np.ndarray],
    blank_reported: set[str],
    out: FeatureCodes,
) -> pd.Series:
    """The "first x second" values of a crossed feature; rows whose parts failed are blank."""
    first, second = (text[columns[normalise(p)]].str.strip() for p in parts)
    # Blank or unknown parts are reported on the part itself, so skip those rows.
    skip = np.zeros(len(text), dtype=bool)
    for part, values in zip(parts, (first, second), strict=True):
        part_bad = bad_rows.get(normalise(part))
        if part_bad is not None:
            skip |= part_bad
            continue
        blank = (values == "").to_numpy()
        if blank.any() and normalise(part) not in blank_reported:
            blank_reported.add(normalise(part))
            where = rows_params(rows[blank])
            out.problems.append(problem("pool_blank_value", source, feature=part, **where))
        skip |= blank
    return (first + " x " + second).where(~skip, "")


_CUTOFF = 0.6


@lru_cache(maxsize=4096)
def _suggestion(key: str, known_keys: tuple[str, ...]) -> int | None:
    """The index of the known category closest to ``key`` (difflib), if any is close.

    Categories whose letters could not reach the cutoff are left out first: difflib's
    ratio is at most twice the letters in common over the total length (its
    ``quick_ratio``), and counting letters is much cheaper than matching.
    """
    letters = Counter(key)
    hopeful = [
        k
        for k, counts in zip(known_keys, _letter_counts(known_keys), strict=True)
        if 2 * (letters & counts).total() >= _CUTOFF * (len(key) + len(k))
    ]
    close = difflib.get_close_matches(key, hopeful, n=1, cutoff=_CUTOFF) if hopeful else []
    return known_keys.index(close[0]) if close else None


@lru_cache(maxsize=64)
def _letter_counts(known_keys: tuple[str, ...]) -> list[Counter[str]]:
    return [Counter(k) for k in known_keys]


def _stripped_labels(raw: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's stripped spelling (a number) and the spellings in order of first row:
    ``pd.factorize(raw.str.strip())``, with each distinct value stripped once."""
    labels, uniques = pd.factorize(raw, sort=False)
    number: dict[str, int] = {}
    renumber = np.array([number.setdefault(str(u).strip(), len(number)) for u in uniques])
    return (renumber[labels] if len(labels) else labels), list(number)


class _Values:
    """One feature's values checked (``raw`` stripped here): ``codes``, ``problems`` and
    NFKC ``rewrites``."""

    def __init__(
        self,
        raw: pd.Series,
        feature: str,
        quotas: QuotaTable,
        rows: np.ndarray,
        source: str,
        *,
        plain: bool,
    ) -> None:
        self.feature, self.source = feature, source
        self.known = quotas.values(feature)
        self.problems: list[Problem] = []
        self.rewrites: dict[str, str] = {}
        self._shown: dict[str, int] = {}
        self._more: dict[str, tuple[int, Severity]] = {}
        index = {v: j for j, v in enumerate(self.known)}
        labels, spellings = _stripped_labels(raw)
        unique_codes = np.array(
            [index.get(quotas.lookup(feature, u) or "", -1) for u in spellings], dtype=np.int64
        )

        def rows_of(u: int) -> np.ndarray:
            return rows[labels == u]

        blank = labels == spellings.index("") if "" in spellings else np.zeros(len(labels), bool)
        if plain and blank.any():
            where = rows_params(rows[blank])
            self.problems.append(problem("pool_blank_value", source, feature=feature, **where))
        self._skeletons = {skeleton(v): v for v in self.known}
        self._keys = tuple(normalise(v) for v in self.known)
        for u, value in enumerate(spellings):
            if value == "":
                continue
            if unique_codes[u] >= 0:
                if compatible(value) != value:
                    self._compatibility(value, self.known[unique_codes[u]], rows_of, u)
                continue
            match = quotas.lookup(feature, compatible(value)) if plain else None
            if match is not None:
                unique_codes[u] = index[match]
                self.rewrites[value] = match
                self._compatibility(value, match, rows_of, u)
            else:
                self._unknown(value, rows_of, u)
        self.codes = unique_codes[labels] if len(labels) else np.zeros(0, dtype=np.int64)
        for code, (count, severity) in self._more.items():
            self.problems.append(Problem("problems_more", {"kind": code, "count": count}, severity))

    def _room(self, code: str, severity: Severity) -> bool:
        """Whether another problem of ``code`` is shown (else it is only counted)."""
        if self._shown.get(code, 0) < PROBLEMS_SHOWN_PER_CODE:
            self._shown[code] = self._shown.get(code, 0) + 1
            return True
        self._more[code] = (self._more.get(code, (0, severity))[0] + 1, severity)
        return False

    def _compatibility(
        self, value: str, category: str, rows_of: Callable[[int], np.ndarray], u: int
    ) -> None:
        code = "pool_value_compatibility_form"
        if self._room(code, "warning"):
            letters = ", ".join(compatibility_letters(value))
            params = {"feature": self.feature, "value": value, "known_value": category}
            params.update(letters=letters, **rows_params(rows_of(u)))
            self.problems.append(problem(code, self.source, "warning", **params))

    def _unknown(self, value: str, rows_of: Callable[[int], np.ndarray], u: int) -> None:
        look_alike = self._skeletons.get(skeleton(value))
        close = None if look_alike else _suggestion(normalise(value), self._keys)
        if look_alike is not None:
            code = "pool_unknown_value_look_alike"
        elif close is not None:
            code = "pool_unknown_value"
        else:
            code = "pool_unknown_value_no_suggestion"
        if not self._room(code, "error"):
            return
        params: dict[str, Any] = {"feature": self.feature, "value": value}
        params.update(rows_params(rows_of(u)))
        if look_alike is not None:
            letters = look_alike_letters(value) + compatibility_letters(value)
            params.update(known_value=look_alike, letters=", ".join(letters))
        else:
            params["known"] = ", ".join(self.known)
            if close is not None:
                params["suggestion"] = self.known[close]
        self.problems.append(problem(code, self.source, **params))
