"""Reading a distribution's panels for the rounding, and the lottery's id index.

Panels are tuples of ``(type, seats)`` pairs, up to a thousand pairs each on large pools,
so they are read into NumPy arrays once (``read_pairs``) and compared, never hashed: the merge
of equal panels sorts them (``merged_support``) and the seat-share matrix reuses the
merge's arrays (``seat_shares``), as do the rounding's steps after it (``round_min_drop``'s
``pairs``: the local search, the swaps' records, the lottery's per-type seats).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd

Composition = tuple[tuple[int, int], ...]  # sorted (type, seats) pairs
Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # ``read_pairs``: types, seats, lengths


def merged_support(
    panels: Sequence[Composition], weights: np.ndarray
) -> tuple[list[Composition], np.ndarray, Pairs]:
    """The distinct seated panels in sorted order, their summed weights (clipped at 0,
    normalised) and their ``read_pairs``: the panels are read into arrays once, for all three.

    A repeated panel's weights are added in the order the panels come, from 0.0, as a
    dictionary of running sums would.
    """
    types, seats, lengths = seated_pairs(panels)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    read = _compositions(types, seats, lengths)
    given = weights.tolist()
    if len(given) != len(read):
        raise ValueError("one weight per panel")
    # Sorted, not hashed (a panel can hold a thousand pairs): equal panels come next to
    # each other, in the order given (the sort is stable).
    support: list[Composition] = []
    sums: list[float] = []
    first: list[int] = []
    for j in sorted(range(len(read)), key=read.__getitem__):
        if support and support[-1] == read[j]:
            sums[-1] += given[j]
        else:
            support.append(read[j])
            sums.append(0.0 + given[j])
            first.append(j)
    summed = np.clip(np.array(sums, dtype=float), 0.0, None)
    summed /= summed.sum()
    where = np.array(first, dtype=np.int64)
    picks = [
        np.arange(lo, hi)
        for lo, hi in zip(starts[where].tolist(), ends[where].tolist(), strict=True)
    ]
    take = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
    return support, summed, (types[take], seats[take], lengths[where])


def seat_shares(
    support: list[Composition],
    type_of: np.ndarray,
    pairs: Pairs | None = None,
) -> np.ndarray:
    """``share[t, j]``: a member of type t's chance to sit in panel j (seats / people).

    ``pairs``, the support's ``read_pairs`` when the merge has them, spares reading them again.
    """
    counts = np.bincount(type_of) if type_of.size else np.zeros(0, dtype=np.int64)
    share = np.zeros((counts.size, len(support)), dtype=float)
    types, seats, sizes = read_pairs(support) if pairs is None else pairs
    cols = np.repeat(np.arange(len(support)), sizes)
    if np.all((np.diff(types) > 0) | (np.diff(cols) > 0)):  # each type once in a panel
        share[types, cols] = seats / counts[types]
    else:  # a type listed twice: its last seats, as one pair after another would leave
        for t, j, s in zip(types.tolist(), cols.tolist(), seats.tolist(), strict=True):
            share[t, j] = s / counts[t]
    return share


def seats_per_type(pairs: Pairs, counts: np.ndarray, n_types: int) -> np.ndarray:
    """Each type's seats over the panels of ``pairs`` held ``counts`` times each (whole
    seats times counts: integer sums, exact in any order, so the same bits in any order)."""
    types, seats, sizes = pairs
    times = np.repeat(np.asarray(counts, dtype=np.int64).reshape(-1), sizes) * seats
    return np.bincount(types, weights=times, minlength=n_types)[:n_types]


def seated(panels: Sequence[Composition]) -> list[Composition]:
    """Each panel as its ``(type, seats)`` pairs of Python ints, seatless types left out."""
    return _compositions(*seated_pairs(panels))


def _compositions(types: np.ndarray, seats: np.ndarray, sizes: np.ndarray) -> list[Composition]:
    """Each panel's ``(type, seats)`` pairs of Python ints, from its seated pairs' arrays."""
    ends = np.cumsum(sizes).tolist()
    listed = _pairs(types, seats)
    return [tuple(listed[lo:hi]) for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]


def _pairs(types: np.ndarray, seats: np.ndarray) -> list[tuple[int, int]]:
    """``list(zip(types.tolist(), seats.tolist()))`` (seats positive), one tuple for all
    equal pairs.

    A hundred thousand pairs of a large pool hold a few tens of thousands of distinct ones,
    and a tuple per pair took most of the merge's time (the garbage collector went over
    the growing list every few hundred tuples). Equal pairs share a cell of a grid of each
    type's seats up to its most, found without sorting.
    """
    cell = _cells(types, seats)
    if cell is None:
        return list(zip(types.tolist(), seats.tolist(), strict=True))
    last = np.full(int(cell.max()) + 1, -1, dtype=np.int64)
    last[cell] = np.arange(cell.size)  # a pair of each cell
    present = np.flatnonzero(last >= 0)
    number = np.zeros(last.size, dtype=np.int64)
    number[present] = np.arange(present.size)
    at = last[present]
    made = zip(types[at].tolist(), seats[at].tolist(), strict=True)
    distinct = np.fromiter(made, dtype=object, count=present.size)
    listed: list[tuple[int, int]] = distinct[number[cell]].tolist()
    return listed


def _cells(types: np.ndarray, seats: np.ndarray) -> np.ndarray | None:
    """Each pair's cell, ``(type, seats)`` numbered type after type, seats 1 to the type's
    most; None when the grid would be far larger than the pairs (types or seats spread)."""
    limit = 4 * types.size + 1024
    if not types.size or int(types.max()) - int(types.min()) >= limit:
        return None
    if int(seats.max()) > limit:
        return None
    row = types - types.min()
    most = np.zeros(int(row.max()) + 1, dtype=np.int64)
    np.maximum.at(most, row, seats)
    if int(most.sum()) > limit:
        return None
    cell: np.ndarray = (np.cumsum(most) - most)[row] + seats - 1
    return cell


def seated_pairs(panels: Sequence[Composition]) -> Pairs:
    """``read_pairs`` of the panels with their seatless types left out."""
    types, seats, sizes = read_pairs(panels)
    kept = seats > 0
    if kept.all():
        return types, seats, sizes
    owner = np.repeat(np.arange(sizes.size), sizes)[kept]
    return types[kept], seats[kept], np.bincount(owner, minlength=sizes.size)


def read_pairs(panels: Sequence[Composition]) -> Pairs:
    """Every panel's types and seats, one panel after another, and each panel's length
    (m can be 100,000 panels of a hundred types: read in C, not pair by pair)."""
    sizes = np.fromiter(map(len, panels), dtype=np.int64, count=len(panels))
    total = int(sizes.sum())
    flat = chain.from_iterable(chain.from_iterable(panels))
    pairs = np.fromiter(flat, dtype=np.int64, count=2 * total).reshape(total, 2)
    return pairs[:, 0], pairs[:, 1], sizes


def id_index(ids: Sequence[str]) -> pd.Index:
    """``pd.Index(list(ids), name="id")``: strings are read through an object array, which
    pandas turns into its string dtype faster than a list; numbers take the list, as
    pandas infers their dtype from a list only."""
    index = pd.Index(np.fromiter(ids, dtype=object, count=len(ids)), name="id")
    if index.dtype == object:
        index = pd.Index(list(ids), name="id")
    return index
