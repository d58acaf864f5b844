"""The panels in use as bits, for the swaps (``sampling.rounding_swaps``).

Each panel in use holds a place (a bit number, ``slot``); sets of panels in use are
integers with the bits of their places set: all of them (``live``), per category those
where it is full (at its maximum) and those where it is at its minimum; per type those
seating it are the rows of a numpy matrix of 64-bit words (``holding``; ``held``
reads one as an integer). A swap mostly takes the last slot of panel j to a new panel k
(j with one seat of u given to t): k then takes j's place, and of the per-type sets only
u's (when k seats no more of it) and t's change, not those of every type of the panel.

A swap that gives a seat of type u to type t in panel j must find, on every feature where
u and t differ, t's category not full in j and u's not at its minimum (``Swaps._help``).
``allowed`` turns that into one set per category: the panels a giver of that category
may give in, so that the panels where u may give are the intersection over u's
categories and its own ``holding`` (its categories shared with t allow every panel with
room for t). ``panels`` turns a set back into panel numbers, ascending.

``Givers`` keeps the givers' ranking as an array, with each type's categories as 64-bit
words, to check a block of givers at once: with numpy, the same verdicts as one by one
(the places allowed for each combination of a few features' categories made once a
search, each giver's places then anded with a few of them rather than one per feature).
A search's budget counts only its possible candidates, those that some panel in use may
let swap a seat (their categories differ from the other type's nowhere the panel requires
them to be the same, ``Swaps._bound``; the others have no swap anyway): it ends the search
after the budget's last (``Givers.count`` for a block of givers at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush

import numpy as np

__all__ = ["Givers", "PanelBits", "ones"]

_COMBINED = 64  # combinations of categories at most in a group of features (``Givers``)


class PanelBits:
    """The panels in use by place, and sets of them as bits (see the module docstring)."""

    def __init__(
        self, features: Sequence[int], holding: np.ndarray, live: list[int], cats: list[int]
    ) -> None:
        """``features``: each category's feature; ``holding``: per type the panels in use
        seating it as bits of their numbers (types x 64-bit words); ``live``: the panels
        in use, ascending, with ``cats`` their full and least categories as bits
        (``1 << category``) in pairs. The panels in use keep their numbers as places."""
        width = len(features)
        by_feature: dict[int, list[int]] = {}
        for c, f in enumerate(features):
            by_feature.setdefault(f, []).append(c)
        self.others = [[d for d in by_feature[f] if d != c] for c, f in enumerate(features)]
        self.full = [0] * width
        self.least = [0] * width
        self.live = 0
        self.holding = holding  # types x words: the bits of each type's places (``held``)
        self._held: dict[int, int] = {}  # ``held`` of types read since the last change
        self.slot: dict[int, int] = {}
        top = live[-1] + 1 if live else 0
        self.panel_of = [-1] * top
        used = set(live)
        self.free = [s for s in range(top) if s not in used]  # ascending: a heap
        for j, most, low in zip(live, cats[::2], cats[1::2], strict=True):
            self.slot[j] = j
            self.panel_of[j] = j
            self._mark(j, most, low)

    def _mark(self, s: int, most: int, low: int) -> None:
        """Place s's bits flip in ``live`` and in the categories of ``most``/``low``."""
        bit = 1 << s
        self.live ^= bit
        for rows, cats in ((self.full, most), (self.least, low)):
            while cats:
                lowest = cats & -cats
                rows[lowest.bit_length() - 1] ^= bit
                cats ^= lowest

    def enter(self, k: int, types: np.ndarray, most: int, low: int) -> None:
        """Panel k (seating ``types``, categories full ``most`` and least ``low``) comes into
        use."""
        s = heappop(self.free) if self.free else len(self.panel_of)
        if s == len(self.panel_of):
            self.panel_of.append(k)
        self.panel_of[s] = k
        self.slot[k] = s
        self._mark(s, most, low)
        self._grow(s)
        self.holding[types, s >> 6] |= np.uint64(1 << (s & 63))
        self._held.clear()

    def leave(self, j: int, types: np.ndarray, most: int, low: int) -> None:
        """Panel j (seating ``types``) goes out of use."""
        s = self.slot.pop(j)
        self.panel_of[s] = -1
        heappush(self.free, s)
        self._mark(s, most, low)
        self.holding[types, s >> 6] &= ~np.uint64(1 << (s & 63))
        self._held.clear()

    def hand(self, j: int, k: int, moved: tuple[int, int, bool], change: tuple[int, int]) -> None:
        """Panel j goes out of use and k, j with a seat of u given to t, comes in, in its
        place; ``moved``: (u, t, whether k still seats u); ``change``: the full and least
        categories that differ between the two (bits)."""
        s = self.slot.pop(j)
        self.slot[k] = s
        self.panel_of[s] = k
        self._mark(s, *change)
        self.live |= 1 << s  # ``_mark`` flipped it
        u, t, kept = moved
        bit, word = np.uint64(1 << (s & 63)), s >> 6
        if not kept:
            self.holding[u, word] &= ~bit
            self._held.pop(u, None)
        self.holding[t, word] |= bit
        self._held.pop(t, None)

    def held(self, t: int) -> int:
        """The places of the panels in use seating type t, as bits (kept until they change)."""
        bits = self._held.get(t)
        if bits is None:
            bits = self._held[t] = int.from_bytes(self.holding[t].tobytes(), "little")
        return bits

    def _grow(self, s: int) -> None:
        """Room in ``holding`` for place s (a quarter more words than needed)."""
        words = self.holding.shape[1]
        if s >> 6 >= words:
            more = (s >> 6) + 1 + (s >> 8) - words
            self.holding = np.pad(self.holding, ((0, 0), (0, more)))

    def panels(self, bits: int) -> list[int]:
        """The panels in the places of ``bits``, ascending."""
        panel_of = self.panel_of
        return sorted(panel_of[s] for s in ones(bits))

    def bounds(self, mine: Sequence[int], room: int) -> set[int]:
        """The distinct full categories among ``mine`` (bits) of the places of ``room``
        (``Swaps._bound`` giving to a type of categories ``mine``): ``room`` split by each
        category into the places where it is full and the others, one bound a part."""
        parts = [(room, 0)]
        for c in mine:
            split, full = [], self.full[c]
            for bits, bound in parts:
                inside, outside = bits & full, bits & ~full
                if inside:
                    split.append((inside, bound | 1 << c))
                if outside:
                    split.append((outside, bound))
            parts = split
        return {bound for _, bound in parts}

    def allowed(self, mine: Sequence[int], room: int) -> list[int]:
        """Per category, the places of ``room`` where a giver of that category may give a
        seat to a type of categories ``mine`` (one per feature): all of ``room`` for
        ``mine``, else those where the taker's category of that feature is not full and
        this one is not at its minimum."""
        out = [room] * len(self.full)
        full, least = self.full, self.least
        for c in mine:
            open_ = room & ~full[c]  # once per category of the taker, not per other one
            for d in self.others[c]:
                out[d] = open_ & ~least[d]
        return out


def ones(bits: int) -> list[int]:
    """The positions of the set bits, ascending."""
    out = []
    while bits:
        lowest = bits & -bits
        out.append(lowest.bit_length() - 1)
        bits ^= lowest
    return out


class Givers:
    """The givers' ranking (``Swaps._by_give``) as an array of types, and every type's
    categories as 64-bit words, so that a search can drop at once the candidates with a
    category where no panel lets a seat go (``shut``) and find where its budget ends.
    """

    def __init__(self, category_of: np.ndarray, width: int, order: list[int]) -> None:
        """``category_of``: types x features, category numbers (below ``width``);
        ``order``: the types, best-off giver first."""
        self.words = max(1, -(-width // 64))
        n = category_of.shape[0]
        self.masks = np.zeros((n, self.words), dtype=np.uint64)
        rows = np.arange(n)
        for column in np.asarray(category_of, dtype=np.int64).T:  # one category per feature
            bit = np.left_shift(np.uint64(1), (column % 64).astype(np.uint64))
            self.masks[rows, column // 64] |= bit
        self.order = np.asarray(order, dtype=np.int64)
        self.flat = self.masks[:, 0].copy()  # the masks when one word holds them
        # ``tables`` ands the places allowed for every combination of the categories of
        # a group of features once per search, so that ``fitting`` ands one row per
        # group and type, not one per feature.
        self.members, self.combos = _combinations(np.asarray(category_of, dtype=np.int64))

    def move(self, old: int, new: int, t: int) -> None:
        """Type t moves from place ``old`` of the ranking to place ``new`` (counted after
        its removal, as ``list.insert``)."""
        order = self.order
        if new > old:
            order[old:new] = order[old + 1 : new + 1]
        elif new < old:
            order[new + 1 : old + 1] = order[new:old]
        order[new] = t

    def _split(self, bits: int) -> np.ndarray:
        """A set of categories (bits of a Python integer) as the words of ``masks``."""
        words = [(bits >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(self.words)]
        return np.asarray(words, dtype=np.uint64)

    def open(self, lo: int, hi: int, shut: int) -> np.ndarray:
        """The types at places lo to hi - 1 of the ranking that have no category of
        ``shut`` (bits), in ranking order."""
        types = self.order[lo:hi]
        if not shut:
            return types
        if self.words == 1:
            return types[(self.flat[types] & np.uint64(shut)) == 0]
        clear = (self.masks[types] & self._split(shut)) == 0
        return types[clear.all(axis=1)]

    def fitting(
        self, lo: int, hi: int, shut: int, holding: np.ndarray, tables: np.ndarray
    ) -> list[int]:
        """The types at places lo to hi - 1 of the ranking with some panel where they may
        give: one of their places (``PanelBits.holding``, types x words) in the sets
        allowed for all their categories (``PanelBits.allowed`` as categories x words:
        ``columns``, and per combination of a group's: ``tables``), in ranking order.
        Types first, each one's words together (``np.take`` of whole rows)."""
        types = self.open(lo, hi, shut)
        if not types.size:
            return []
        combos = np.take(self.combos, types, axis=1)  # groups x types
        fits = np.bitwise_and.reduce(np.take(tables, combos, axis=0), axis=0)  # types x words
        fits &= np.take(holding, types, axis=0)
        return types[fits.any(axis=1)].tolist()

    def tables(self, allowed: np.ndarray) -> np.ndarray:
        """The places allowed for each combination of a group's categories (the and of
        theirs), from those of each category (``columns``): combinations x words."""
        every = np.full((1, allowed.shape[1]), ~np.uint64(0))
        both = np.concatenate((allowed, every))  # row -1: every place
        return np.bitwise_and.reduce(both[self.members], axis=0)

    @staticmethod
    def columns(sets: list[int], width: int) -> np.ndarray:
        """Sets of places (Python integers) as rows of ``width`` 64-bit words."""
        rows = b"".join(bits.to_bytes(8 * width, "little") for bits in sets)
        return np.frombuffer(rows, dtype=np.uint64).reshape(-1, width)

    def needs(self, bounds: set[int]) -> list[np.ndarray]:
        """The budget's bounds (the distinct ``Swaps._bound``) as words, those holding
        another left out: a candidate is a possible one when its categories hold all of
        some bound (it misses none of them), and holding a bound it holds every smaller one."""
        least = [b for b in bounds if not any(a != b and a & b == a for a in bounds)]
        return [self._split(bound) for bound in sorted(least)]

    def count(
        self, lo: int, hi: int, t: int, needs: list[np.ndarray], left: int
    ) -> tuple[int, int]:
        """The budget's count over places lo to hi - 1 of the ranking: the possible
        candidates other than t (see ``needs``). When they reach ``left``, the search ends
        after that candidate: returns (one past its place, ``left``); else (hi, the count)."""
        types = self.order[lo:hi]
        if self.words == 1:
            masks = self.flat[types]
            possible = np.zeros(types.size, dtype=bool)
            for need in needs:
                possible |= (masks & need[0]) == need[0]
        else:
            masks = self.masks[types]
            possible = np.zeros(types.size, dtype=bool)
            for need in needs:
                possible |= ((masks & need) == need).all(axis=1)
        possible &= types != t
        counted = np.cumsum(possible)
        if counted.size and counted[-1] >= left:
            return lo + int(np.searchsorted(counted, left)) + 1, left
        return hi, int(counted[-1]) if counted.size else 0


def _combinations(category_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The features in groups of at most ``_COMBINED`` combinations of their categories
    (in order): per combination its categories (one per feature of its group, then -1:
    depth x combinations) and per group each type's combination (groups x types)."""
    n = category_of.shape[0]
    read = [np.unique(column, return_inverse=True) for column in category_of.T]
    groups: list[list[int]] = []
    combos = _COMBINED + 1
    for f, (values, _) in enumerate(read):
        if combos * values.size > _COMBINED:
            groups.append([])
            combos = 1
        groups[-1].append(f)
        combos *= values.size
    depth = max(map(len, groups), default=0)
    members, index, offset = [np.zeros((depth, 0), dtype=np.int64)], [], 0
    for group in groups:
        grid = np.indices([read[f][0].size for f in group]).reshape(len(group), -1)
        picked: list[np.ndarray] = [read[f][0][local] for f, local in zip(group, grid, strict=True)]
        picked += [np.full(grid.shape[1], -1)] * (depth - len(group))
        members.append(np.stack(picked))
        combo = np.zeros(n, dtype=np.int64)
        for f in group:
            combo = combo * read[f][0].size + read[f][1].reshape(-1)
        index.append(combo + offset)
        offset += grid.shape[1]
    combos_of = np.stack(index) if index else np.zeros((0, n), dtype=np.int64)
    return np.concatenate(members, axis=1), combos_of
