"""What a representative panel is: features, categories and a quota table of min/max seats.

Values are matched after normalisation (case and surrounding/inner white space),
so "Female ", "female" and "FEMALE" name the same category.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from quotas.problems import Problem, raise_if_errors


def normalise(value: object) -> str:
    """Return the matching key of a category value: case-folded, white space collapsed."""
    return " ".join(str(value).split()).casefold()


@dataclass(frozen=True, order=True)
class Category:
    """A value of a feature, e.g. ``Category("gender", "female")``."""

    feature: str
    value: str

    def __str__(self) -> str:
        return f"{self.feature} = {self.value}"


@dataclass(frozen=True)
class Quota:
    """Seats a panel must give one category: at least ``min``, at most ``max``.

    ``min_flex`` and ``max_flex`` (the Sortition Foundation's columns) are how far the
    bounds may be moved when no panel meets them: they bound the relaxation the
    feasibility check proposes, never the selection itself (the bounds stay hard).
    """

    category: Category
    min: int
    max: int
    target_share: float | None = None
    min_flex: int | None = None
    max_flex: int | None = None

    @property
    def feature(self) -> str:
        return self.category.feature

    @property
    def value(self) -> str:
        return self.category.value


class QuotaTable:
    """An ordered set of quotas, one per category, grouped by feature.

    Features keep the order of their first appearance, values the order given.

    >>> t = QuotaTable([Quota(Category("gender", "female"), 2, 3),
    ...                 Quota(Category("gender", "male"), 2, 3)])
    >>> t.features, t.values("gender")
    (('gender',), ('female', 'male'))
    >>> t.lookup("gender", " Female")
    'female'
    """

    def __init__(self, quotas: Iterable[Quota]) -> None:
        self._quotas: tuple[Quota, ...] = tuple(quotas)
        features: list[str] = []
        values: dict[str, list[str]] = {}
        keys: dict[tuple[str, str], str] = {}
        feature_keys: dict[str, str] = {}
        for q in self._quotas:
            fkey = normalise(q.feature)
            if fkey not in feature_keys:
                feature_keys[fkey] = q.feature
                features.append(q.feature)
                values[q.feature] = []
            feature = feature_keys[fkey]
            vkey = (fkey, normalise(q.value))
            if vkey not in keys:
                keys[vkey] = q.value
                values[feature].append(q.value)
        self._features = tuple(features)
        self._values = {f: tuple(v) for f, v in values.items()}
        self._keys = keys
        self._feature_keys = feature_keys
        self._by_category: dict[tuple[str, str], Quota] = {}
        for q in self._quotas:
            self._by_category.setdefault((normalise(q.feature), normalise(q.value)), q)

    # -- reading -------------------------------------------------------------
    def __iter__(self) -> Iterator[Quota]:
        return iter(self._quotas)

    def __len__(self) -> int:
        return len(self._quotas)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QuotaTable) and self._quotas == other._quotas

    def __hash__(self) -> int:
        return hash(self._quotas)

    def __repr__(self) -> str:
        return f"QuotaTable({len(self._quotas)} quotas over {list(self._features)})"

    @property
    def quotas(self) -> tuple[Quota, ...]:
        return self._quotas

    @property
    def features(self) -> tuple[str, ...]:
        return self._features

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(Category(f, v) for f in self._features for v in self._values[f])

    def values(self, feature: str) -> tuple[str, ...]:
        """The category values of ``feature`` (matched after normalisation)."""
        canonical = self._feature_keys.get(normalise(feature))
        if canonical is None:
            raise KeyError(feature)
        return self._values[canonical]

    def feature_name(self, feature: str) -> str | None:
        """The table's spelling of ``feature``, or None if it has no such feature."""
        return self._feature_keys.get(normalise(feature))

    def lookup(self, feature: str, value: object) -> str | None:
        """The table's spelling of a value of ``feature``, or None when it matches none."""
        return self._keys.get((normalise(feature), normalise(value)))

    def quota(self, feature: str, value: str) -> Quota:
        """The quota of a category (matched after normalisation)."""
        return self._by_category[(normalise(feature), normalise(value))]

    def bounds(self, feature: str, value: str) -> tuple[int, int]:
        """``(min, max)`` seats of a category."""
        q = self.quota(feature, value)
        return q.min, q.max

    def has_target_shares(self) -> bool:
        return any(q.target_share is not None for q in self._quotas)

    # -- changing (returns new tables) ----------------------------------------
    def with_bounds(self, feature: str, value: str, lo: int, hi: int) -> QuotaTable:
        """A copy in which one category has new bounds."""
        key = (normalise(feature), normalise(value))
        return QuotaTable(
            replace(q, min=lo, max=hi) if (normalise(q.feature), normalise(q.value)) == key else q
            for q in self._quotas
        )

    # -- conversion -----------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Columns ``feature, value, min, max, target_share``."""
        return pd.DataFrame(
            {
                "feature": [q.feature for q in self._quotas],
                "value": [q.value for q in self._quotas],
                "min": [q.min for q in self._quotas],
                "max": [q.max for q in self._quotas],
                "target_share": [q.target_share for q in self._quotas],
            }
        )

    def canonical(self) -> list[dict[str, Any]]:
        """A sorted, JSON-ready form used for hashing (independent of row order)."""
        rows = [
            {
                "feature": normalise(q.feature),
                "value": normalise(q.value),
                "min": int(q.min),
                "max": int(q.max),
                "target_share": None if q.target_share is None else round(q.target_share, 12),
                # only when given: a table without flex bounds keeps the hash it always had
                **{
                    k: int(v)
                    for k, v in (("min_flex", q.min_flex), ("max_flex", q.max_flex))
                    if v is not None
                },
            }
            for q in self._quotas
        ]
        return sorted(rows, key=lambda r: (r["feature"], r["value"]))

    def sha256(self) -> str:
        """SHA-256 of the canonical form."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # -- validation -----------------------------------------------------------
    def problems(self, size: int | None = None) -> list[Problem]:
        """Every problem of the table (and against ``size`` when given), all at once."""
        return validate_quotas(self, size)

    def validated(self, size: int | None = None) -> QuotaTable:
        """Return self, or raise InvalidInput listing every error."""
        raise_if_errors(self.problems(size))
        return self


def validate_quotas(table: QuotaTable, size: int | None = None) -> list[Problem]:
    """Check a quota table on its own and against a panel size; return every problem."""
    problems: list[Problem] = []
    if len(table) == 0:
        return [Problem("quota_table_empty")]
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size <= 0):
        problems.append(Problem("panel_size_invalid", {"size": size}))
        size = None
    seen: dict[tuple[str, str], list[int]] = {}
    for row, q in enumerate(table.quotas, start=2):
        seen.setdefault((normalise(q.feature), normalise(q.value)), []).append(row)
    for rows in seen.values():
        if len(rows) > 1:
            q = table.quotas[rows[0] - 2]
            problems.append(
                Problem(
                    "quota_duplicate_category",
                    {"feature": q.feature, "value": q.value, "rows": ", ".join(map(str, rows))},
                )
            )
    for q in table.quotas:
        base = {"feature": q.feature, "value": q.value}
        for bound, amount in (("min", q.min), ("max", q.max)):
            if amount < 0:
                problems.append(
                    Problem("quota_negative", {**base, "bound": bound, "amount": amount})
                )
        if q.min > q.max:
            problems.append(Problem("quota_min_above_max", {**base, "min": q.min, "max": q.max}))
        if size is not None and q.max > size:
            problems.append(
                Problem("quota_max_above_size", {**base, "max": q.max, "size": size}, "warning")
            )
        if (q.min_flex is not None and not 0 <= q.min_flex <= q.min) or (
            q.max_flex is not None and q.max_flex < q.max
        ):
            flex = {"min_flex": q.min_flex, "max_flex": q.max_flex}
            problems.append(
                Problem("quota_flex_inside", {**base, "min": q.min, "max": q.max, **flex})
            )
        if q.target_share is not None and not 0.0 <= q.target_share <= 1.0:
            problems.append(Problem("quota_share_out_of_range", {**base, "share": q.target_share}))
    for feature in table.features:
        same = [q for q in table.quotas if normalise(q.feature) == normalise(feature)]
        if size is not None:
            total_min = sum(max(q.min, 0) for q in same)
            total_max = sum(min(max(q.max, 0), size) for q in same)
            if total_min > size:
                problems.append(
                    Problem(
                        "quota_sum_min_above_size",
                        {"feature": feature, "total": total_min, "size": size},
                    )
                )
            if total_max < size:
                problems.append(
                    Problem(
                        "quota_sum_max_below_size",
                        {"feature": feature, "total": total_max, "size": size},
                    )
                )
        shares = [q.target_share for q in same if q.target_share is not None]
        if shares and len(shares) == len(same) and abs(sum(shares) - 1.0) > 0.005:
            problems.append(
                Problem(
                    "quota_shares_do_not_sum_to_one",
                    {"feature": feature, "total": round(sum(shares), 4)},
                    "warning",
                )
            )
    return problems


def quota_table(rows: Sequence[tuple[str, str, int, int]]) -> QuotaTable:
    """Build a table from ``(feature, value, min, max)`` tuples (handy in tests and examples)."""
    return QuotaTable(Quota(Category(f, v), int(lo), int(hi)) for f, v, lo, hi in rows)


CROSS = " x "


def crossed_feature(first: str, second: str) -> str:
    """The name of the feature crossing two others, e.g. ``"gender x age"``."""
    return f"{first}{CROSS}{second}"


def crossed_value(first: str, second: str) -> str:
    """The name of a crossed category value, e.g. ``"female x 16-24"``."""
    return f"{first}{CROSS}{second}"


def split_crossed(name: str) -> tuple[str, str] | None:
    """Split a crossed feature or value name into its two parts, or None if not crossed."""
    parts = name.split(CROSS)
    return (parts[0], parts[1]) if len(parts) == 2 else None
