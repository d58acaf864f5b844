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


def deviation_floor(request: SeatingRequest, tables: np.ndarray) -> float:
    """A mean deviation per table that no seating of these tables can go below.

    Each table's count of a category is a whole number, and in every round the tables'
    counts of a category add up to the panel's. So the least a round's tables can deviate
    in a category is to round each table's share down, except for as many as the
    remainders add up to, rounded up: those with the largest remainders. The floor adds
    these least deviations over criteria, categories and rounds, and divides by the
    tables. Exact arithmetic in 1/n people (n the panel's size).
    """
    _, onehot = category_columns(request)
    n = len(request.ids)
    panel = onehot.sum(axis=0).astype(np.int64)
    total, count = 0, 0
    for row in tables:
        sizes = np.bincount(row)[1:]
        sizes = sizes[sizes > 0].astype(np.int64)
        remainders = (sizes[:, None] * panel[None, :]) % n  # each share's fraction, times n
        ups = remainders.sum(axis=0) // n  # tables rounded up in each category
        largest = -np.sort(-remainders, axis=0)
        rounded_up = np.arange(len(sizes))[:, None] < ups[None, :]
        total += int(remainders.sum()) + int(np.where(rounded_up, n - 2 * largest, 0).sum())
        count += len(sizes)
    return total / (n * max(count, 1))


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


def random_seating(
    tables: np.ndarray, labels: Mapping[int, str], rng: np.random.Generator
) -> np.ndarray:
    """A random seating of the same tables, round by round: same sizes, and each person
    at a table of their own language and time zones (the same label)."""
    shuffled = np.empty_like(tables)
    numbers = np.array(sorted(labels))
    label_of = np.array([labels[t] for t in numbers], dtype=object)
    for r in range(tables.shape[0]):
        for label in sorted(set(label_of.tolist())):
            group = np.isin(tables[r], numbers[label_of == label])
            seats = np.sort(tables[r][group])
            who = np.flatnonzero(group)
            shuffled[r, who[rng.permutation(len(who))]] = seats
    return shuffled
