"""The single-seat swaps as they were before they kept their state in Python lists
(ENGINE 2026-12-07.5, commit 4f13893): every swap ranked all types and checked its
candidates with numpy calls. ``tests/sampling/test_swaps_equal.py`` checks that
``sampling.rounding_swaps.Swaps`` makes exactly these swaps, bit for bit.
"""

from __future__ import annotations

import numpy as np

from quotas.polytope import PanelShape
from sampling import portable

__all__ = ["ReferenceSwaps"]

Composition = tuple[tuple[int, int], ...]

_EPS = 1e-12  # a strict improvement, in slots, beyond the round-off of the updates
_TRIES = 8  # worst-off types tried in turn before the drops' phase stops
_SLACK = 1e-9  # slots of round-off within which a drop counts as met
_SCAN = 1024  # best-ranked types a swap's search tries at most (a budget: no clock)
_CHUNK = 8  # types checked at once in the first round of a swap's search


class ReferenceSwaps:
    """Counts of m slots over distinct panels, improved by single-seat swaps."""

    def __init__(
        self,
        shape: PanelShape,
        panels: list[Composition],
        counts: np.ndarray,
        target: np.ndarray,
        *,
        pairs: object = None,
        like: object = None,
    ) -> None:
        """``pairs`` (the caller's reading of the panels) and ``like`` (a Swaps whose
        records to take) are left: the reference reads the panels itself."""
        self.shape = shape
        n_types = shape.n_types
        self.heads = shape.counts.astype(np.int64)
        self.inv = 1.0 / np.maximum(self.heads, 1)
        seats = np.zeros((len(panels), n_types), dtype=np.int16 if shape.size < 2**15 else np.int32)
        for j, panel in enumerate(panels):
            for t, s in panel:
                seats[j, t] = s
        self.seats = seats
        self.cat_of = shape.category_of
        self.home_of = shape.home_of
        member = np.zeros((n_types, len(shape.lo)))
        np.put_along_axis(member, self.cat_of, 1.0, axis=1)
        # Seats per category: sums of small integers, exact in any order of addition.
        self.cats = np.rint(seats.astype(float) @ member).astype(np.int32)
        shared = np.flatnonzero(self.home_of >= 0)
        self.homes = np.zeros((len(panels), len(shape.households)), dtype=np.int8)  # 0 or 1
        for j in range(len(panels)):
            self.homes[j] = np.bincount(
                self.home_of[shared], weights=seats[j, shared], minlength=len(shape.households)
            )
        self.counts = np.asarray(counts, dtype=np.int64).copy()
        self.index = {row.tobytes(): j for j, row in enumerate(seats)}
        self.dev = portable.matvec(seats.T * self.inv[:, None], self.counts) - target

    # -- the result ----------------------------------------------------------------

    def used(self) -> tuple[list[Composition], np.ndarray]:
        """The panels that hold slots, as sorted (type, seats) pairs, and their counts."""
        rows = np.flatnonzero(self.counts)
        block = self.seats[rows]
        which, types = np.nonzero(block)  # row by row, types ascending
        ends = np.searchsorted(which, np.arange(1, rows.size + 1)).tolist()
        pairs = list(zip(types.tolist(), block[which, types].tolist(), strict=True))
        panels = [tuple(pairs[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        return panels, self.counts[rows]

    def largest_drop(self) -> float:
        """The largest drop below the optimum now, in slots (0 when nobody is below)."""
        return max(0.0, float(-self.dev.min(initial=0.0)))

    def shortfall(self) -> int:
        """Swaps needed at least before no drop exceeds one slot: a swap gives type t
        ``1 / n_t`` slots, so each type short by more than a slot needs that many."""
        short = np.clip(-self.dev - 1.0 - _SLACK, 0.0, None) * self.heads
        return int(np.ceil(short - 1e-9).sum())

    # -- phases --------------------------------------------------------------------

    def lower_drops(self, budget: int, *, until: float = 0.0) -> int:
        """Swaps that lower the sorted drops lexicographically, until the largest is at most
        ``until`` slots (or ``budget`` swaps, or none helps); returns how many were made."""
        made = 0
        while made < budget:
            order = _smallest(self.dev, _TRIES)
            order = order[self.dev[order] < -until - _SLACK]
            if not any(self._help(t) for t in order.tolist()):
                break
            made += 1
        return made

    def lower_rises(self, budget: int) -> int:
        """Swaps that lower the largest rise without any new drop; returns how many."""
        made = 0
        while made < budget and self.dev.size:
            u = int(np.argmax(self.dev))  # the first of the largest
            if self.dev[u] <= 0 or not self._relieve(u, float(self.dev[u])):
                break
            made += 1
        return made

    # -- single swaps --------------------------------------------------------------

    def _help(self, t: int) -> bool:
        """Give type ``t`` a seat, taken from the type left best off; False when none can.

        Givers are tried best off first (ties: lower type), each in its panels in order.
        """
        n = self.counts.size
        rows = np.flatnonzero((self.counts > 0) & (self.seats[:n, t] < self.heads[t]))
        after = self.dev - self.inv
        givers = np.flatnonzero(after > self.dev[t] + _EPS)
        givers = self._possible(rows, givers[givers != t], t, giving=True)
        return self._first(rows, givers, -after[givers], t, giving=True)

    def _relieve(self, u: int, top: float) -> bool:
        """Move a seat of type ``u`` (the largest rise) to the type that ends lowest."""
        if self.dev[u] - self.inv[u] < -_EPS:
            return False  # it would drop below its optimum
        n = self.counts.size
        rows = np.flatnonzero((self.counts > 0) & (self.seats[:n, u] > 0))
        after = self.dev + self.inv
        takers = np.flatnonzero(after < top - _EPS)
        takers = self._possible(rows, takers[takers != u], u, giving=False)
        return self._first(rows, takers, after[takers], u, giving=False)

    def _possible(
        self, rows: np.ndarray, types: np.ndarray, other: int, *, giving: bool
    ) -> np.ndarray:
        """The ``types`` that some panel of ``rows`` may let swap a seat with ``other``.

        Where ``other`` takes the seat and its category of a feature is full in a panel
        (or gives it and its category is at its minimum), the other type must share that
        category: each panel's set of such features is checked once per distinct set.
        """
        own = self.cat_of[other]
        held = self.cats[np.ix_(rows, own)]
        bound = held >= self.shape.hi[own] if giving else held <= self.shape.lo[own]
        same = self.cat_of[types] == own
        keep = np.zeros(types.size, bool)
        for need in _distinct_rows(bound):
            keep |= same[:, need].all(axis=1)
        return types[keep]

    def _first(
        self, rows: np.ndarray, types: np.ndarray, keys: np.ndarray, other: int, *, giving: bool
    ) -> bool:
        """Make the first feasible swap: ``types`` by ascending ``keys`` (ties: lower type),
        at most the first ``_SCAN`` of them, each in its panels in ``rows`` order.

        The types give a seat to ``other`` (``giving``) or take one from it.
        """
        if rows.size == 0:
            return False
        ranked = types[_smallest(keys, _SCAN)]
        return self._scan(rows, ranked, other, giving=giving)

    def _scan(self, rows: np.ndarray, ranked: np.ndarray, other: int, *, giving: bool) -> bool:
        """``_first`` over types already ranked, in chunks checked at once, growing, so that
        a swap found early costs little."""
        begin, width = 0, _CHUNK
        while begin < ranked.size:
            chunk = ranked[begin : begin + width]
            held = self.seats[np.ix_(rows, chunk)].T
            pos, js = np.nonzero(held > 0 if giving else held < self.heads[chunk][:, None])
            js, mine, theirs = rows[js], chunk[pos], np.full(pos.size, other)
            us, ts = (mine, theirs) if giving else (theirs, mine)
            ok = self._feasible(js, us, ts)
            if ok.any():
                i = int(np.argmax(ok))
                self._swap(int(js[i]), int(us[i]), int(ts[i]))
                return True
            begin, width = begin + width, 2 * width
        return False

    def _feasible(self, js: np.ndarray, us: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Whether panel j with a seat moved from type u to type t keeps every rule."""
        ok = (self.seats[js, us] > 0) & (self.seats[js, ts] < self.heads[ts])
        cu, ct = self.cat_of[us], self.cat_of[ts]
        rows = js[:, None]
        lose = self.cats[rows, cu] > self.shape.lo[cu]
        fine = (cu == ct) | (lose & (self.cats[rows, ct] < self.shape.hi[ct]))
        ok &= fine.all(axis=1)
        ht, hu = self.home_of[ts], self.home_of[us]
        shared = ht >= 0
        if shared.any():
            filled = self.homes[js[shared], ht[shared]] - (hu[shared] == ht[shared])
            ok[shared] &= filled < 1
        return ok

    def _swap(self, j: int, u: int, t: int) -> None:
        """Move one of panel j's slots to panel j with a seat of u given to t."""
        row = self.seats[j].copy()
        row[u] -= 1
        row[t] += 1
        key = row.tobytes()
        k = self.index.get(key)
        if k is None:
            k = len(self.counts)
            self.index[key] = k
            if k == len(self.seats):  # full: double the room
                self.seats = _doubled(self.seats)
                self.cats = _doubled(self.cats)
                self.homes = _doubled(self.homes)
            self.seats[k], self.cats[k], self.homes[k] = row, self.cats[j], self.homes[j]
            self.cats[k, self.cat_of[u]] -= 1
            self.cats[k, self.cat_of[t]] += 1
            for home, step in ((self.home_of[u], -1), (self.home_of[t], 1)):
                if home >= 0:
                    self.homes[k, home] += step
            self.counts = np.append(self.counts, 0)
        self.counts[j] -= 1
        self.counts[k] += 1
        self.dev[t] += self.inv[t]
        self.dev[u] -= self.inv[u]


def _smallest(keys: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` smallest keys, ascending, ties by position (the first
    ``count`` of a stable sort, without sorting them all)."""
    if keys.size > count:
        kth = np.partition(keys, count - 1)[count - 1]
        head = np.flatnonzero(keys <= kth)  # ties at the cut all stay, then the sort cuts
        return head[np.argsort(keys[head], kind="stable")][:count]
    return np.argsort(keys, kind="stable")


def _distinct_rows(flags: np.ndarray) -> list[np.ndarray]:
    """The distinct rows of a boolean matrix (at most 62 columns), in a fixed order."""
    codes = flags.astype(np.int64) @ (np.int64(1) << np.arange(flags.shape[1], dtype=np.int64))
    _, first = np.unique(codes, return_index=True)
    return [flags[i] for i in first.tolist()]


def _doubled(rows: np.ndarray) -> np.ndarray:
    return np.concatenate([rows, np.zeros_like(rows)])
