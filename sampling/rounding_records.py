"""What the swaps (``sampling.rounding_swaps``) know of their starting panels, read at once.

Per panel: its (type, seats) pairs with types ascending (the panel's key), its seats
per category, its categories at their maximum and minimum as bits; the panels x types
seats matrix; its types (``listed``, from ``starts``) and a digest of its pairs
(``sampling.rounding_index`` finds panels by key through it); and per type the panels
in use seating it (``holding``: bit j for panel j, in 64-bit words). ``panels_hold``
checks many panels against the polytope at once (``PanelShape.holds``, the same
verdicts). ``slots`` sums each type's slots panel by panel as ``portable.matvec`` sums
them; ``Ranked`` keeps (key, type) pairs sorted in blocks; ``Rows`` computes a value per
type on first read. The records are the ones that recording the panels one after another
gave, built with numpy from flat arrays; panels already in canonical form (tuples of
``(int, int)`` tuples, types ascending, seats positive) are kept as their own keys
rather than copied.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TypeVar

import numpy as np

from quotas.polytope import PanelShape
from sampling import portable, rounding_index
from sampling.lottery_panels import Pairs, read_pairs

__all__ = [
    "Ranked",
    "Records",
    "Rows",
    "bits",
    "holding",
    "moved",
    "panels_hold",
    "ranking",
    "read_records",
    "resort",
    "seated",
    "seats_of",
    "slots",
]

Composition = tuple[tuple[int, int], ...]
_RESORT = 16  # ``resort`` merges in one sort when more than 1 / _RESORT of the types moved
_V = TypeVar("_V")


@dataclass
class Records:
    """The starting panels' records (see the module docstring)."""

    keys: list[Composition]
    cats: list[list[int]]  # seats per category
    full: list[int]  # per panel its categories at their maximum, as bits (1 << category)
    least: list[int]  # per panel its categories at their minimum, as bits
    dense: np.ndarray  # panels x types: seats (int16, or int32 for panels of 2**15 or more)
    digests: list[int]  # per panel the sum of its pairs' ``rounding_index.mix``
    listed: np.ndarray  # the panels' types one after another, each panel's ascending
    starts: np.ndarray  # where each panel's begin in ``listed`` (and where the last ends)


def read_records(
    panels: list[Composition],
    shape: PanelShape,
    *,
    pairs: Pairs | None = None,
) -> Records:
    """The records of ``panels`` (a type listed twice in a panel: its last seats).

    ``pairs``, the panels' ``lottery_panels.read_pairs`` when the caller has read them
    (the lottery's support: tuples of ``(int, int)`` tuples made from those very arrays),
    spares reading them again pair by pair; the panels are then their own keys where
    their types ascend and their seats are positive.
    """
    n, n_types = len(panels), shape.n_types
    if pairs is None:
        flat = list(chain.from_iterable(panels))
        listed, numbers = [t for t, _ in flat], [s for _, s in flat]
        types = np.asarray(listed, dtype=np.int64)
        seats = np.asarray(numbers, dtype=np.int64)
        sizes = np.fromiter(map(len, panels), dtype=np.int64, count=n)
    else:
        types, seats, sizes = pairs
    which = np.repeat(np.arange(n), sizes)
    dense = np.zeros((n, n_types), dtype=np.int16 if shape.size < 2**15 else np.int32)
    ascending = bool(np.all((np.diff(types) > 0) | (np.diff(which) > 0)))
    if ascending:
        dense[which, types] = seats
    else:
        for j, panel in enumerate(panels):  # in order, so that a type's last seats stay
            for t, s in panel:
                dense[j, t] = s
    canonical = ascending and seats.min(initial=1) > 0
    if canonical and pairs is None:
        canonical = _plain(panels, flat, listed + numbers)
    if canonical:
        keys = list(panels)
    else:
        which, types = np.nonzero(dense)  # row by row, types ascending
        seats = dense[which, types].astype(np.int64)
        found = list(zip(types.tolist(), seats.tolist(), strict=True))
        ends = np.searchsorted(which, np.arange(n + 1)).tolist()
        keys = [tuple(found[ends[j] : ends[j + 1]]) for j in range(n)]
    cats = _categories(shape, which, types, seats, n)
    starts = np.searchsorted(which, np.arange(n + 1))
    return Records(
        keys=keys,
        cats=cats.tolist(),
        full=bits(cats >= shape.hi),
        least=bits(cats <= shape.lo),
        dense=dense,
        digests=rounding_index.digests(types, seats, starts),
        listed=types,
        starts=starts,
    )


def panels_hold(
    shape: PanelShape,
    panels: Sequence[Composition],
    *,
    pairs: Pairs | None = None,
) -> np.ndarray:
    """Per panel, whether it is in the polytope: ``shape.holds`` of its seats per type (a
    type listed twice: its last seats), all panels at once. ``pairs``, the panels'
    ``lottery_panels.read_pairs`` when the caller has read them, spares reading them again."""
    n = len(panels)
    types, seats, sizes = read_pairs(panels) if pairs is None else pairs
    which = np.repeat(np.arange(n), sizes)
    if not np.all((which[1:] != which[:-1]) | (types[1:] > types[:-1])):
        # Not every panel lists its types once, ascending (as panels are made): sort.
        order = np.lexsort((np.arange(types.size), types, which))  # a type's last listing last
        which, types, seats = which[order], types[order], seats[order]
        last = np.ones(types.size, dtype=bool)
        last[:-1] = (which[1:] != which[:-1]) | (types[1:] != types[:-1])
        which, types, seats = which[last], types[last], seats[last]
    ok = np.ones(n, dtype=bool)
    ok[which[(seats < 0) | (seats > shape.counts[types])]] = False
    ok &= np.bincount(which, weights=seats, minlength=n) == shape.size
    cats = _categories(shape, which, types, seats, n)
    ok &= np.all(cats >= shape.lo, axis=1) & np.all(cats <= shape.hi, axis=1)
    homes = max(len(shape.households), 1)
    home = shape.home_of[types]
    shared = home >= 0
    keys, where = np.unique(which[shared] * homes + home[shared], return_inverse=True)
    crowded = np.bincount(where, weights=seats[shared], minlength=keys.size) > 1
    ok[keys[crowded] // homes] = False
    return ok


def slots(dense: np.ndarray, inv: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each type's slots, ``portable.matvec(dense.T * inv[:, None], counts)``, bit for bit.

    That product is types x panels laid out panel by panel (``dense.T``'s order), so numpy
    sums each type's terms panel after panel, in order; adding the rows of the panels that
    hold slots one after another gives the same sums (the other terms are zeros), without
    the two arrays of types x panels floats. With one type the row is contiguous and numpy
    sums it pairwise: that case keeps the product.
    """
    if dense.ndim != 2 or dense.shape[1] < 2:
        return portable.matvec(dense.T * inv[:, None], counts)
    out = np.zeros(dense.shape[1])
    for j in np.flatnonzero(counts).tolist():
        out += (dense[j] * inv) * float(counts[j])
    return out


def bits(rows: np.ndarray) -> list[int]:
    """Each row of a boolean matrix as an integer: bit c set where column c is true."""
    packed = np.packbits(rows.reshape(rows.shape[0], -1), axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def holding(dense: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Per type (column of ``dense``, panels x types) the ``live`` panels seating it, as
    64-bit words: types x words, bit j of a row (word j // 64, bit j % 64) for panel j."""
    rows = (dense.T != 0) & np.asarray(live, dtype=bool)[None, :]
    packed = np.packbits(rows.reshape(rows.shape[0], -1), axis=1, bitorder="little")
    words = max(1, -(-packed.shape[1] // 8))
    out = np.zeros((packed.shape[0], 8 * words), dtype=np.uint8)
    out[:, : packed.shape[1]] = packed
    return out.view("<u8").astype(np.uint64)


def moved(key: Composition, u: int, t: int) -> Composition:
    """``key`` (a panel's (type, seats), types ascending) with a seat of u given to t."""
    pairs = list(key)
    i = bisect_left(pairs, (u, 0))
    s = pairs[i][1] - 1
    if s:
        pairs[i] = (u, s)
    else:
        del pairs[i]
    i = bisect_left(pairs, (t, 0))
    if i < len(pairs) and pairs[i][0] == t:
        pairs[i] = (t, pairs[i][1] + 1)
    else:
        pairs.insert(i, (t, 1))
    return tuple(pairs)


def seated(key: Composition, u: int) -> int:
    """Type u's seats in a panel of (type, seats) ``key``, types ascending."""
    i = bisect_left(key, (u, 0))
    return key[i][1] if i < len(key) and key[i][0] == u else 0


def seats_of(key: Composition, types: list[int]) -> int:
    """The seats of ``types`` together in a panel of (type, seats) ``key``, types ascending."""
    seats = 0
    for v in types:
        i = bisect_left(key, (v, 0))
        if i < len(key) and key[i][0] == v:
            seats += key[i][1]
    return seats


def ranking(keys: np.ndarray) -> list[tuple[float, int]]:
    """(key, type) pairs sorted by key, then type (as Python's ``sorted`` of the pairs)."""
    order = np.lexsort((np.arange(keys.size), keys))
    return list(zip(keys[order].tolist(), order.tolist(), strict=True))


def _plain(panels: list[Composition], flat: list[tuple[int, int]], numbers: list[int]) -> bool:
    """Whether the panels are tuples of (int, int) tuples (not lists, not numpy numbers)."""
    return (
        set(map(type, panels)) <= {tuple}
        and set(map(type, flat)) <= {tuple}
        and set(map(type, numbers)) <= {int}
    )


def _categories(
    shape: PanelShape, which: np.ndarray, types: np.ndarray, seats: np.ndarray, n: int
) -> np.ndarray:
    """Panels x categories: the seats (sums of small integers: exact)."""
    width = shape.lo.size
    cats = np.zeros(n * width)
    # One feature's categories of the listed types at a time (not every feature's at once,
    # read back strided); the panels' offsets and the float weights made once.
    first, weights = which * width, seats.astype(float)
    for column in np.ascontiguousarray(shape.category_of.T):
        cats += np.bincount(first + column[types], weights=weights, minlength=n * width)
    return np.rint(cats).astype(np.int64).reshape(n, width)


class Ranked:
    """(key, type) pairs kept sorted, as ``ranking`` gives them, in blocks of a few hundred.

    A swap moves two types in each ranking, often near its front: in one Python list each
    removal and insertion shifts every pair after it; in blocks it shifts those of one
    block. ``remove`` and ``insert`` tell the place of the pair in the whole ranking.
    """

    def __init__(self, pairs: list[tuple[float, int]], size: int = 512) -> None:
        self.size = size
        self.blocks = [pairs[i : i + size] for i in range(0, len(pairs), size)]
        self.lasts = [block[-1] for block in self.blocks]

    def _offset(self, b: int) -> int:
        return sum(map(len, self.blocks[:b])) if b else 0

    def head(self, n: int) -> list[tuple[float, int]]:
        """The first n pairs."""
        out: list[tuple[float, int]] = []
        for block in self.blocks:
            out += block[: n - len(out)]
            if len(out) >= n:
                break
        return out

    def last(self) -> tuple[float, int]:
        """The largest pair."""
        return self.lasts[-1]

    def ceiling(self, pair: tuple[float, int]) -> tuple[float, int]:
        """The first pair at least ``pair`` (there must be one)."""
        b = bisect_left(self.lasts, pair)
        block = self.blocks[b]
        return block[bisect_left(block, pair)]

    def bisect(self, pair: tuple[float, int]) -> int:
        """``bisect_left`` of the whole ranking."""
        b = bisect_left(self.lasts, pair)
        if b == len(self.blocks):
            return self._offset(b)
        return self._offset(b) + bisect_left(self.blocks[b], pair)

    def move(
        self, before: tuple[float, int], after: tuple[float, int], *, place: bool = True
    ) -> tuple[int, int]:
        """``remove`` ``before``, then ``insert`` ``after``; their places (in one block,
        as one Python list: no more work than the list's)."""
        if len(self.blocks) == 1:
            block = self.blocks[0]
            old = bisect_left(block, before)
            del block[old]
            new = bisect_left(block, after)
            block.insert(new, after)
            self.lasts[0] = block[-1]
            if len(block) <= 2 * self.size:
                return old, new
            self.blocks[:] = [block[: self.size], block[self.size :]]
            self.lasts[:] = [block[self.size - 1], block[-1]]
            return old, new
        return self.remove(before, place=place), self.insert(after, place=place)

    def remove(self, pair: tuple[float, int], *, place: bool = True) -> int:
        """Take out ``pair`` (present); its place (-1 when not ``place``)."""
        b = bisect_left(self.lasts, pair)
        block = self.blocks[b]
        i = bisect_left(block, pair)
        del block[i]
        if not block:
            del self.blocks[b], self.lasts[b]
        elif i == len(block):
            self.lasts[b] = block[-1]
        return self._offset(b) + i if place else -1

    def insert(self, pair: tuple[float, int], *, place: bool = True) -> int:
        """Put in ``pair`` (absent); its place (-1 when not ``place``)."""
        if not self.blocks:
            self.blocks.append([pair])
            self.lasts.append(pair)
            return 0
        b = min(bisect_left(self.lasts, pair), len(self.blocks) - 1)
        block = self.blocks[b]
        i = bisect_left(block, pair)
        block.insert(i, pair)
        if i == len(block) - 1:
            self.lasts[b] = pair
        at = self._offset(b) + i if place else -1
        if len(block) > 2 * self.size:
            self.blocks[b : b + 1] = [block[: self.size], block[self.size :]]
            self.lasts[b : b + 1] = [block[self.size - 1], block[-1]]
        return at


def resort(
    ranking: list[tuple[float, int]], stale: dict[int, float], key: Callable[[int], float]
) -> None:
    """Move each ``stale`` type (its key in the sorted ``ranking`` now) to ``(key(t), t)``,
    in place, then clear ``stale``. Many at once (the drops' phase moves most types): the
    others kept and the moved ones merged in one sort, cheaper than moving each in a list
    of every type, and only the moved ones' pairs made anew (few new objects)."""
    if len(stale) * _RESORT > len(ranking):
        ranking[:] = [pair for pair in ranking if pair[1] not in stale]
        ranking += sorted((key(t), t) for t in stale)
        ranking.sort()  # two sorted runs: one merge
    else:
        for t, before in stale.items():
            del ranking[bisect_left(ranking, (before, t))]
            insort(ranking, (key(t), t))
    stale.clear()


class Rows(dict[int, _V]):
    """A value per type, each computed on its first read."""

    def __init__(self, compute: Callable[[int], _V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, t: int) -> _V:
        value = self[t] = self.compute(t)
        return value
