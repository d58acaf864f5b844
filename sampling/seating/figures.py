"""A seating's figures: each table's deviation from the panel's mix, the pairs who meet again.

The same figures are computed for any seating: the one found, a random seating of the
same tables (for comparison), or one a person changed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sampling.seating.model import SeatingFigures, SeatingRequest, TableFigure


def category_columns(request: SeatingRequest) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Every (criterion, category) and each person's 0/1 row over them (people, columns)."""
    names: list[tuple[str, str]] = []
    blocks = []
    for criterion, values in request.criteria.items():
        column = np.asarray(values, dtype=object)
        categories = sorted(set(column.tolist()))
        names += [(criterion, c) for c in categories]
        blocks.append(np.stack([column == c for c in categories], axis=1).astype(np.int64))
    if not blocks:
        return [], np.zeros((len(request.ids), 0), dtype=np.int64)
    return names, np.concatenate(blocks, axis=1)


def seating_figures(
    request: SeatingRequest, tables: np.ndarray, labels: Mapping[int, str]
) -> SeatingFigures:
    """The figures of ``tables`` (``tables[r, i]``: person i's table in round r + 1)."""
    _, onehot = category_columns(request)
    n = len(request.ids)
    shares = onehot.sum(axis=0) / n
    found = []
    for r in range(tables.shape[0]):
        for table in sorted(labels):
            seated = tables[r] == table
            size = int(seated.sum())
            counts = onehot[seated].sum(axis=0)
            deviation = float(np.abs(counts - size * shares).sum())
            found.append(TableFigure(r + 1, table, size, labels[table], round(deviation, 6)))
    return SeatingFigures(tuple(found), repeated_pairs(request, tables))


def repeated_pairs(request: SeatingRequest, tables: np.ndarray) -> tuple[tuple[str, str, int], ...]:
    """Pairs at the same table in more than one round (not those who must share one)."""
    n = len(request.ids)
    codes = []
    for r in range(tables.shape[0]):
        order = np.argsort(tables[r], kind="stable")
        sorted_tables = tables[r][order]
        starts = np.flatnonzero(np.r_[True, sorted_tables[1:] != sorted_tables[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for a, b in zip(starts, ends, strict=False):
            group = np.sort(order[a:b])
            i, j = np.triu_indices(len(group), k=1)
            codes.append(group[i].astype(np.int64) * n + group[j])
    if not codes:
        return ()
    pairs, times = np.unique(np.concatenate(codes), return_counts=True)
    together = _forced_pairs(request)
    ids = request.ids
    return tuple(
        (ids[int(p // n)], ids[int(p % n)], int(k))
        for p, k in zip(pairs[times > 1], times[times > 1], strict=False)
        if int(p) not in together
    )


def _forced_pairs(request: SeatingRequest) -> set[int]:
    from sampling.seating.cells import units_of

    n = len(request.ids)
    forced: set[int] = set()
    for unit in units_of(request):
        for a in range(len(unit)):
            for b in range(a + 1, len(unit)):
                forced.add(int(unit[a]) * n + int(unit[b]))
    return forced


def random_seating(tables: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random seating of the same tables, with the same sizes, round by round."""
    shuffled = np.empty_like(tables)
    for r in range(tables.shape[0]):
        seats = np.sort(tables[r])
        shuffled[r, rng.permutation(tables.shape[1])] = seats
    return shuffled
