"""The rounding's repair: give a type one more seat in a copy of a panel, one swap at a time.

Used by ``sampling.rounding_ip`` after the iterative LP rounding. A swap takes one of the
m lottery slots, panel j, and replaces it by panel j with one seat of type u given to
type t instead: a new panel when no slot holds it yet, checked against every quota and
the households rule (``quotas.polytope.PanelShape``) before it is made. Only t and u
change: t gains ``1 / n_t`` slots (n_t its head count), u loses ``1 / n_u``.

Swaps, all deterministic (budgets of swaps, never a clock; ties to the lowest number):

1. ``lower_drops``: the type furthest below its optimum gets the seat from the type
   whose chance stays highest, when that stays strictly above the taker's: the drops,
   sorted largest first, fall lexicographically with every swap (if the worst cannot be
   helped, the next worst is tried);
2. ``lower_rises``: the type furthest above its optimum gives a seat to the type that
   ends lowest, when that ends strictly below the giver's and the giver drops below
   nobody's optimum: the largest rise falls, the drops do not grow.

Bookkeeping (the same swaps as ranking every type with numpy at each swap, bit for bit:
``tests/sampling/test_swaps_equal.py`` keeps that version as the reference): the state is
in Python lists and dicts, the types stay sorted by each ranking key in blocks (sorted on
the first search; a swap moves two of them: ``rounding_records.Ranked``), each panel
knows its full and least categories as bits (``sampling.rounding_records``), and sets of
panels in use are bits (``sampling.rounding_bits``): per category those where it is full
or at its minimum (Python integers), per type those seating it (a numpy matrix of 64-bit
words). A giver's panels where it may give are then a few integer ands (none when one of
its categories may give nowhere). After a search's first ``_BLOCK`` givers, blocks of
the ranking are checked with numpy at once (``rounding_bits.Givers``), and its budget is
counted a block at a time from its ``_SCAN``-th candidate on.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from functools import reduce
from itertools import chain, islice
from operator import and_, itemgetter

import numpy as np

from quotas.polytope import PanelShape
from sampling import rounding_index, rounding_records
from sampling.lottery_panels import Pairs
from sampling.rounding_bits import Givers, PanelBits, ones

__all__ = ["Swaps"]

Composition = tuple[tuple[int, int], ...]

_EPS = 1e-12  # a strict improvement, in slots, beyond the round-off of the updates
_TRIES = 8  # worst-off types tried in turn before the drops' phase stops
_SLACK = 1e-9  # slots of round-off within which a drop counts as met
_SCAN = 1024  # best-ranked types a swap's search tries at most (a budget: no clock)
_BLOCK = 4  # givers a search tries one by one: the one found is mostly among them or far
_NEXT = 32  # givers in its first block checked at once (then blocks twice as long, to 512)


class Swaps:
    """Counts of m slots over distinct panels, improved by single-seat swaps."""

    def __init__(
        self,
        shape: PanelShape,
        panels: list[Composition],
        counts: np.ndarray,
        target: np.ndarray,
        *,
        like: Swaps | None = None,
        pairs: Pairs | None = None,
    ) -> None:
        """``like``: a Swaps on the same shape and panels whose records are taken, not read
        again (they never change; later ones are left); ``pairs``: the panels' ``read_pairs``."""
        self.shape = shape
        self.heads = shape.counts.astype(np.int64)
        inv = 1.0 / np.maximum(self.heads, 1)
        self._heads: list[int] = self.heads.tolist()
        self._inv: list[float] = inv.tolist()
        # Tuples and the records below shared with ``like``: few objects for the collector.
        cat_of = shape.category_of

        def _cats(t: int) -> list[int]:
            return list(cat_of[t].tolist())

        rows = rounding_records.Rows
        self._cat_of: dict[int, tuple[int, ...]] = (
            like._cat_of if like is not None else rows(lambda t: tuple(cat_of[t].tolist()))
        )
        # A type's categories as bits (1 << category): categories of different features
        # differ, so two types differ on a feature where one's category is not the other's.
        # Python integers (``tolist``): numpy's int64 would overflow past 63 categories.
        self._mask: dict[int, int] = (
            like._mask if like is not None else rows(lambda t: sum(1 << c for c in _cats(t)))
        )
        self._home_of: list[int] = shape.home_of.tolist()
        self._lo: list[int] = shape.lo.tolist()
        self._hi: list[int] = shape.hi.tolist()
        self._keys: list[Composition] = []  # each panel's (type, seats), types ascending
        self._listed = np.zeros(0, dtype=np.int64)  # the starting panels' types (``_seating``)
        self._starts: list[int] = [0]
        self._cats: list[list[int]] = []  # seats per category
        # The types of each shared household (a panel's seats of them: from its key).
        self._members: dict[int, list[int]] = like._members if like is not None else {}
        if like is None:
            for t, home in enumerate(self._home_of):
                if home >= 0:
                    self._members.setdefault(home, []).append(t)
        self._full: list[int] = []  # categories at their maximum, as bits
        self._least: list[int] = []  # categories at their minimum, as bits
        self.index = rounding_index.Index([], [])
        dense = self._read(panels, pairs) if like is None else self._take(like, len(panels))
        self._dense = dense
        self.counts: list[int] = np.asarray(counts, dtype=np.int64).tolist()
        self._live = [j for j, c in enumerate(self.counts) if c > 0]
        dev = rounding_records.slots(dense, inv, np.asarray(counts, dtype=np.int64)) - target
        self._dev: list[float] = dev.tolist()
        # The types sorted by each ranking key and the sets of panels in use (per type those
        # seating it, by place: ``sampling.rounding_bits``), built on the first search.
        self._ranked = False
        self._bits = PanelBits([], np.zeros((1, 0), dtype=np.uint64), [], [])
        self._by_dev = rounding_records.Ranked([])
        self._by_give = rounding_records.Ranked([])
        self._by_take: list[tuple[float, int]] = []
        self._givers: Givers | None = None  # made once a search goes past its first block
        self._stale: dict[int, float] = {}  # types moved since, their key in ``_by_take``

    def _rank(self) -> None:
        """Sort the types by deviation, by deviation less one seat (negated: the best off
        giver first) and by deviation plus one seat, ties by type (the same float keys and
        order as Python's ``sorted`` of (key, type) pairs)."""
        if self._ranked:
            return
        dev, inv = np.asarray(self._dev, dtype=float), np.asarray(self._inv, dtype=float)
        keys = (dev, -(dev - inv), dev + inv)
        by_dev, by_give, self._by_take = map(rounding_records.ranking, keys)
        self._by_dev, self._by_give = (
            rounding_records.Ranked(by_dev),
            rounding_records.Ranked(by_give),
        )
        holding = rounding_records.holding(self._dense, np.asarray(self.counts) > 0)
        cats = [bits for j in self._live for bits in (self._full[j], self._least[j])]
        features = [f for f, _ in self.shape.categories]
        self._bits = PanelBits(features, holding, self._live, cats)
        self._ranked = True

    def _read(self, panels: list[Composition], pairs: Pairs | None) -> np.ndarray:
        """Record the starting panels; their seats, panels x types."""
        read = rounding_records.read_records(panels, self.shape, pairs=pairs)
        self._keys = read.keys
        self._listed, self._starts = read.listed, read.starts.tolist()
        self._cats = read.cats
        self._full, self._least = read.full, read.least
        self.index = rounding_index.Index(read.keys, read.digests)
        return read.dense

    def _take(self, like: Swaps, n: int) -> np.ndarray:
        """The records of ``like``'s first n panels; their seats, panels x types."""
        self._keys = like._keys[:n]
        self._listed, self._starts = like._listed, like._starts[: n + 1]
        self._cats = like._cats[:n]
        self._full, self._least = like._full[:n], like._least[:n]
        self.index = rounding_index.Index(self._keys, like.index.digests[:n])
        return like._dense

    @property
    def dev(self) -> np.ndarray:
        """Each type's slots minus its target (negative: below its optimum)."""
        return np.asarray(self._dev, dtype=float)

    # -- the result ----------------------------------------------------------------

    def used(self) -> tuple[list[Composition], np.ndarray]:
        """The panels that hold slots, as sorted (type, seats) pairs, and their counts."""
        rows = [j for j, c in enumerate(self.counts) if c > 0]
        counts = np.asarray([self.counts[j] for j in rows], dtype=np.int64)
        return [self._keys[j] for j in rows], counts

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
        self._rank()
        made = 0
        while made < budget:
            limit = -until - _SLACK
            order = [t for d, t in self._by_dev.head(_TRIES) if d < limit]
            if not any(self._help(t) for t in order):
                break
            made += 1
        return made

    def lower_rises(self, budget: int) -> int:
        """Swaps that lower the largest rise without any new drop; returns how many."""
        self._rank()
        made = 0
        while made < budget and self._dev:
            self._takers()
            top = self._by_dev.last()[0]
            u = self._by_dev.ceiling((top, -1))[1]  # the first of the largest
            if top <= 0 or not self._relieve(u, top):
                break
            made += 1
        return made

    # -- single swaps --------------------------------------------------------------

    def _help(self, t: int) -> bool:
        """Give type ``t`` a seat, taken from the type left best off; False when none can.

        Givers are tried best off first (ties: lower type), each in its panels in order:
        the panels where a giver may give are the intersection of one set of panels per
        category (``PanelBits.allowed``), its own among them found in ascending order.
        After the first ``_BLOCK``, a block of the ranking at a time keeps only the givers
        with a panel where they may give (``Givers.fitting``), and where the budget ends
        the search (``rounding_bits``) is counted a block at a time once the search gets
        that far (``Givers.count``): the same givers tried, in the same order.
        """
        full, keys, places = self._heads[t], self._keys, self._bits
        held = places.held
        mine = held(t)
        room = places.live & ~mine
        if full > 1:  # also the places where t has seats, fewer than its head count
            panel_of, pair = places.panel_of, (t, 0)
            for s in ones(mine):
                key = keys[panel_of[s]]
                if key[bisect_left(key, pair)][1] < full:  # t is in the key: it seats t
                    room |= 1 << s
        if not room:
            return False
        bar = self._dev[t] + _EPS  # givers end above it: -(dev - inv) < -bar
        stop = self._by_give.bisect((-bar, -1))
        sets = places.allowed(self._cat_of[t], room)
        allowed = sets.__getitem__
        shut = sum(1 << c for c, bits in enumerate(sets) if not bits)  # nowhere to give
        cat_of, givers, mask = self._cat_of, self._giving, self._mask
        lo, block, needs, left, words = 0, _BLOCK, None, _SCAN, None
        while lo < stop:
            hi = min(stop, lo + block)
            if needs is None and hi >= _SCAN:  # the budget may end the search from here
                needs = givers().needs(self._bits.bounds(self._cat_of[t], room))
                left -= givers().count(0, lo, t, needs, left)[1]
            if needs is not None:
                hi, counted = givers().count(lo, hi, t, needs, left)
                left -= counted
                stop = hi if left <= 0 else stop
            if lo:  # the givers with a panel where they may give, at once
                if words is None:
                    words = givers().tables(givers().columns(sets, places.holding.shape[1]))
                tried = givers().fitting(lo, hi, shut, places.holding, words)
            else:  # the first few in Python: the search mostly ends among them
                tried = [u for _, u in self._by_give.head(hi) if not mask[u] & shut]
            for u in tried:
                if u == t:
                    continue
                fits = reduce(and_, map(allowed, cat_of[u]), held(u))
                for j in places.panels(fits) if fits else ():
                    if self._home_fits(j, u, t):
                        self._swap(j, u, t)
                        return True
            lo, block = hi, min(max(2 * block, _NEXT), 512)
        return False

    def _giving(self) -> Givers:
        """The givers' ranking as an array (``Givers``), made on first use."""
        if self._givers is None:
            order = [u for block in self._by_give.blocks for _, u in block]
            self._givers = Givers(self.shape.category_of, len(self.shape.lo), order)
        return self._givers

    def _relieve(self, u: int, top: float) -> bool:
        """Move a seat of type ``u`` (the largest rise) to the type that ends lowest."""
        if self._dev[u] - self._inv[u] < -_EPS:
            return False  # it would drop below its optimum
        keys, heads = self._keys, self._heads
        rows = self._bits.panels(self._bits.held(u))
        if not rows:
            return False
        ranking = self._by_take
        end = bisect_left(ranking, (top - _EPS, -1))  # takers end below top - _EPS
        need: dict[int, list[int]] = {}  # u's categories at their minimum: the panels
        for j in rows:
            need.setdefault(self._bound(j, u, giving=False), []).append(j)
        mask, most = self._mask, self._full
        mine = mask[u]
        known: dict[int, list[int]] = {}  # per difference: the panels that may allow it
        left = _SCAN  # the budget: possible takers (a panel may allow them) left to try
        for _, t in islice(ranking, end):
            if t == u:
                continue
            full, theirs = heads[t], mask[t]
            # Where they differ, u's category must not be at its minimum, t's not full.
            miss, take = mine & ~theirs, theirs & ~mine
            panels = known.get(miss)
            if panels is None:
                fit = [js for bits, js in need.items() if not bits & miss]
                panels = known[miss] = fit[0] if len(fit) == 1 else sorted(chain(*fit))
            for j in panels:
                if (
                    not most[j] & take
                    and rounding_records.seated(keys[j], t) < full
                    and self._home_fits(j, u, t)
                ):
                    self._swap(j, u, t)
                    return True
            left -= bool(panels)
            if not left:
                break
        return False

    def _bound(self, j: int, other: int, *, giving: bool) -> int:
        """The categories of ``other`` (bits) that are full in panel j (it takes the seat:
        ``giving`` to it) or at their minimum (it gives the seat): the type swapping with
        it must share them."""
        return (self._full[j] if giving else self._least[j]) & self._mask[other]

    def _home_fits(self, j: int, u: int, t: int) -> bool:
        """Whether panel j with a seat moved from u to t seats one of t's household at most."""
        home = self._home_of[t]
        if home < 0:
            return True
        seats = rounding_records.seats_of(self._keys[j], self._members[home])
        return seats - (self._home_of[u] == home) < 1

    def _swap(self, j: int, u: int, t: int) -> None:
        """Move one of panel j's slots to panel j with a seat of u given to t."""
        parent, seated = self._keys[j], rounding_records.seated
        had, has = seated(parent, u), seated(parent, t)
        digest = self.index.moved(j, u, t, (had, has))
        key = rounding_records.moved(parent, u, t)
        k = self.index.setdefault(digest, key)
        if k == len(self._keys):  # a new panel
            # Record it: its seats per category, its full and least categories (those of a
            # feature where u and t share a category stay as in j).
            cats, full, least = list(self._cats[j]), self._full[j], self._least[j]
            for c, d in zip(self._cat_of[u], self._cat_of[t], strict=True):
                if c != d:
                    cats[c] -= 1
                    cats[d] += 1
                    for e in (c, d):
                        bit = 1 << e
                        full = full | bit if cats[e] >= self._hi[e] else full & ~bit
                        least = least | bit if cats[e] <= self._lo[e] else least & ~bit
            self._keys.append(key)
            self._cats.append(cats)
            self._full.append(full)
            self._least.append(least)
            self.counts.append(0)
        self.counts[j] -= 1
        self.counts[k] += 1
        gone, born = not self.counts[j], self.counts[k] == 1
        if gone:
            del self._live[bisect_left(self._live, j)]
        if born:
            insort(self._live, k)
        places, most, low = self._bits, self._full, self._least
        if gone and born:
            places.hand(j, k, (u, t, had > 1), (most[j] ^ most[k], low[j] ^ low[k]))
        elif gone:
            places.leave(j, self._seating(j), most[j], low[j])
        elif born:  # k seats j's types but u when it gave its last seat, and t
            types = self._seating(j)
            types = types if had > 1 else types[types != u]
            places.enter(k, types if has else np.append(types, t), most[k], low[k])
        self._set(t, self._dev[t] + self._inv[t])
        self._set(u, self._dev[u] - self._inv[u])

    def _seating(self, j: int) -> np.ndarray:
        """The types panel j seats: read with the starting panels, else from its key."""
        if j + 1 < len(self._starts):
            return self._listed[self._starts[j] : self._starts[j + 1]]
        key = self._keys[j]
        return np.fromiter(map(itemgetter(0), key), dtype=np.int64, count=len(key))

    def _set(self, t: int, value: float) -> None:
        """Type t's deviation becomes ``value``: its place in each ranking moves (in the
        takers' ranking only once ``lower_rises`` reads it: ``_stale`` until then)."""
        old, inv = self._dev[t], self._inv[t]
        self._by_dev.move((old, t), (value, t), place=False)
        givers, ranking = self._givers, self._by_give
        place, new = ranking.move((-(old - inv), t), (-(value - inv), t), place=bool(givers))
        if givers is not None:
            givers.move(place, new, t)  # the same moves in the array of givers
        self._stale.setdefault(t, old + inv)  # its key in ``_by_take`` now
        self._dev[t] = value

    def _takers(self) -> None:
        """Bring the takers' ranking up to date (the same list as moving each type at once)."""
        dev, inv = self._dev, self._inv
        rounding_records.resort(self._by_take, self._stale, lambda t: dev[t] + inv[t])
