"""The algorithm-facing form of a volunteer pool: ids, a feature matrix, households, types.

Ids are sorted so that the same people in any file order give the same pool.
Loading and checking pool files lives in ``quotas.pool_files``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]

import numpy as np
import pandas as pd

from quotas.model import QuotaTable, normalise


def _household_numbers(keys: list[object]) -> np.ndarray:
    """Each row's shared household: keys held by two rows or more, numbered in the order
    of their first row; -1 for a key of its own, None or ""."""
    household = np.full(len(keys), -1, dtype=np.int64)
    given = np.array([not (key is None or key == "") for key in keys], dtype=bool)
    if not given.any():
        return household
    values = np.empty(int(given.sum()), dtype=object)
    values[:] = [key for key, g in zip(keys, given, strict=True) if g]
    codes, _ = pd.factorize(values, use_na_sentinel=False)  # in order of first appearance
    shared = np.bincount(codes) > 1
    number = np.cumsum(shared) - 1
    household[given] = np.where(shared[codes], number[codes], -1)
    return household


def distinct_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, axis=0)``'s first indices and inverse, by one stable lexsort (a
    quarter of the time on 100,000 rows): the distinct rows in lexicographic order, each
    first met at its smallest index.

    >>> first, inverse = distinct_rows(np.array([[1, 2], [0, 5], [1, 2]]))
    >>> first.tolist(), inverse.tolist()
    ([1, 0], [1, 0, 1])
    """
    if key.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(key.T[::-1])
    ranked = key[order]
    change = np.any(ranked[1:] != ranked[:-1], axis=1)
    inverse = np.empty(order.size, dtype=np.int64)
    inverse[order] = np.concatenate([[0], np.cumsum(change)])
    return order[np.concatenate([[0], np.flatnonzero(change) + 1])], inverse


def _widths(quotas: QuotaTable) -> np.ndarray:
    return np.array([len(quotas.values(f)) for f in quotas.features], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Pool:
    """People to select from, as codes into a quota table's categories.

    ``matrix[i, f]`` is the index of person ``ids[i]``'s value of ``features[f]`` in
    ``values[f]``. ``household[i]`` is a household number shared with at least one other
    person, or -1 when the person shares an address with nobody in the pool.
    """

    ids: tuple[str, ...]
    features: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    matrix: np.ndarray
    household: np.ndarray
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {pid: i for i, pid in enumerate(self.ids)})

    # -- construction ---------------------------------------------------------
    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        people: pd.DataFrame,
        quotas: QuotaTable,
        households: Sequence[object] | None = None,
    ) -> Pool:
        """Build a pool from ids, a frame of feature values (one column per quota feature).

        Values must already match the table's categories (after normalisation); rows are
        reordered by id. ``households`` gives any hashable household key per row (None or
        "" for none); people sharing a key are one household.

        >>> from quotas.model import quota_table
        >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
        >>> p = Pool.build(["b", "a"], pd.DataFrame({"g": ["m", "F"]}), q)
        >>> p.ids, p.matrix[:, 0].tolist()
        (('a', 'b'), [0, 1])
        """
        features = quotas.features
        columns = {quotas.feature_name(str(c)): c for c in people.columns}
        matrix = np.zeros((len(ids), len(features)), dtype=np.int32)
        values = tuple(quotas.values(f) for f in features)
        for f, feature in enumerate(features):
            column = people[columns[feature]].astype(str).to_numpy()
            # Hashing, not sorting, finds the distinct values (a sort of 100,000 strings
            # is slow); each distinct value is looked up once either way.
            inverse, distinct = pd.factorize(column)
            lookup = {v: j for j, v in enumerate(values[f])}
            codes = np.empty(len(distinct), dtype=np.int32)
            for d, raw in enumerate(distinct):
                found = quotas.lookup(feature, raw)
                if found is None:
                    raise ValueError(f"{feature}={raw!r} is not a category")
                codes[d] = lookup[found]
            matrix[:, f] = codes[inverse.reshape(-1)]
        return cls.from_codes(ids, matrix, quotas, households)

    @classmethod
    def from_codes(
        cls,
        ids: Sequence[str],
        matrix: np.ndarray,
        quotas: QuotaTable,
        households: Sequence[object] | None = None,
    ) -> Pool:
        """Build a pool from ids and codes already found (as ``build``, without the text).

        ``matrix[i, f]`` is row ``i``'s index in ``quotas.values(quotas.features[f])``.
        """
        ids = [str(i) for i in ids]
        order = Pool.id_order(ids)
        matrix = np.asarray(matrix)
        if matrix.size and (matrix.min() < 0 or np.any(matrix.max(axis=0) >= _widths(quotas))):
            raise ValueError("a code is not a category")
        household = np.full(len(ids), -1, dtype=np.int64)
        if households is not None:
            household = _household_numbers([households[int(i)] for i in order])
        values = tuple(quotas.values(f) for f in quotas.features)
        codes = matrix[order].astype(np.int32).reshape(len(ids), len(values))
        return cls(tuple(ids[int(i)] for i in order), quotas.features, values, codes, household)

    @staticmethod
    def id_order(ids: Sequence[str]) -> np.ndarray:
        """The rows in the pool's order (by id)."""
        return np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)

    # -- reading --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ids)

    @property
    def size(self) -> int:
        return len(self.ids)

    def index_of(self, person_id: str) -> int:
        return self._index[person_id]

    def value_of(self, i: int, feature: int) -> str:
        return self.values[feature][int(self.matrix[i, feature])]

    def frame(self) -> pd.DataFrame:
        """Feature values as a frame indexed by id (pseudonymous: no personal details)."""
        data = {
            feat: np.asarray(self.values[f], dtype=object)[self.matrix[:, f]]
            for f, feat in enumerate(self.features)
        }
        return pd.DataFrame(data, index=pd.Index(self.ids, name="id"))

    def category_members(self) -> dict[tuple[str, str], np.ndarray]:
        """For each (feature, value), the row numbers of the people in it."""
        out: dict[tuple[str, str], np.ndarray] = {}
        for f, feat in enumerate(self.features):
            for j, val in enumerate(self.values[f]):
                out[(feat, val)] = np.flatnonzero(self.matrix[:, f] == j)
        return out

    def households(self) -> list[np.ndarray]:
        """Row numbers of each shared household (two or more people), in household order."""
        if self.size == 0 or self.household.max(initial=-1) < 0:
            return []
        inside = np.flatnonzero(self.household >= 0)
        rows = inside[np.argsort(self.household[inside], kind="stable")]
        ends = np.cumsum(np.bincount(self.household[inside]))
        return np.split(rows, ends[:-1])

    @cached_property
    def _types(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(type of each person, type feature vectors, type counts).

        People in a shared household each form their own type, so they stay individual.
        """
        n, n_features = self.matrix.shape
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros((0, n_features), dtype=np.int32), empty
        # A key per person: their feature codes, and for household members their row too
        # (first column: -1 - row, else 0). Types are numbered by first appearance.
        own = np.where(self.household >= 0, -1 - np.arange(n), 0)
        keys = np.column_stack([own, self.matrix.astype(np.int64)])
        first, inverse = distinct_rows(keys)
        rank = np.empty(first.size, dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(first.size)
        type_of = rank[inverse.reshape(-1)]
        counts = np.bincount(type_of, minlength=first.size)
        vec = self.matrix[np.sort(first)].astype(np.int32).reshape(first.size, n_features)
        return type_of, vec, counts

    @property
    def type_of(self) -> np.ndarray:
        """For each person, the number of their type."""
        return self._types[0]

    @property
    def type_vectors(self) -> np.ndarray:
        """Feature codes of each type (types x features)."""
        return self._types[1]

    @property
    def type_counts(self) -> np.ndarray:
        """How many people each type has."""
        return self._types[2]

    def canonical(self) -> list[list[object]]:
        """The pool as sorted ``[id, {feature: value}, household]`` rows, independent of any order.

        Features and values are normalised like the quota table's canonical form, so neither
        the row order of the pool nor the order of the quota rows (which fixes the codes)
        matters. A household is named by its smallest id (None for people living alone).
        """
        return [[pid, dict(values), home] for pid, values, home in self._canonical]

    @cached_property
    def _canonical(self) -> list[tuple[str, dict[str, str], str | None]]:
        """The canonical rows, computed once (each distinct value normalised once)."""
        features = [normalise(f) for f in self.features]
        names = [[normalise(v) for v in values] for values in self.values]
        first_id: dict[int, str] = {}
        for rows in self.households():
            first_id[int(self.household[rows[0]])] = min(self.ids[int(i)] for i in rows)
        out: list[tuple[str, dict[str, str], str | None]] = []
        for pid, codes, household in zip(
            self.ids, self.matrix.tolist(), self.household.tolist(), strict=True
        ):
            values = {features[f]: names[f][c] for f, c in enumerate(codes)}
            out.append((pid, values, first_id.get(household) if household >= 0 else None))
        return sorted(out, key=lambda row: str(row[0]))

    def canonical_json(self) -> str:
        """``canonical()`` as JSON text, exactly as ``json.dumps(..., sort_keys=True,
        separators=(",", ":"))`` writes it (ASCII only), without building 100,000 dicts:
        each type's values are written once and each person's row is joined from text.
        """
        return self._canonical_json

    @cached_property
    def _canonical_json(self) -> str:
        text = encode_basestring_ascii
        features = [normalise(f) for f in self.features]
        names = [[text(normalise(v)) for v in values] for values in self.values]
        order = sorted(range(len(features)), key=lambda f: features[f])
        keys = [text(features[f]) for f in order]
        per_type = [
            "{"
            + ",".join(f"{k}:{names[f][vec[f]]}" for k, f in zip(keys, order, strict=True))
            + "}"
            for vec in self.type_vectors.tolist()
        ]
        home_text = ["null"] * (int(self.household.max(initial=-1)) + 1)
        for members in self.households():
            first = min(self.ids[int(i)] for i in members)
            home_text[int(self.household[members[0]])] = text(first)
        type_of, household = self.type_of.tolist(), self.household.tolist()
        rows = [
            f"[{text(self.ids[i])},{per_type[type_of[i]]},"
            f"{home_text[household[i]] if household[i] >= 0 else 'null'}]"
            for i in sorted(range(len(self.ids)), key=self.ids.__getitem__)
        ]
        return "[" + ",".join(rows) + "]"

    def sha256(self) -> str:
        """SHA-256 of the canonical form."""
        return self._sha256

    @cached_property
    def _sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
