"""The rounding's local search: move one lottery slot at a time between panels.

Used by ``sampling.rounding_ip`` (step 2 there). Each candidate move's key (largest drop,
largest rise, sum of squared drops, in slots) is the one a search recomputing every type
for every candidate would find, bit for bit (``tests/sampling/test_descend.py`` keeps
that search as the reference), but a move changes only the types its two panels seat,
and only those are recomputed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sampling import portable

__all__ = ["MOVES", "descend"]

Composition = tuple[tuple[int, int], ...]

MOVES = 3000  # local-search moves at most
_SOURCES = 40  # panels tried as source and as destination of a slot per move
_DEPTH = 32  # types, best first, looked at for every sink before the rest (speed only)


def descend(
    panels: list[Composition],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
    cap: float,
    moves: int = MOVES,
) -> np.ndarray:
    """Local search: move one slot at a time while (largest drop, largest rise, squared
    drops) falls lexicographically, no change exceeding ``cap`` slots (so the iterative
    rounding's proven bound still holds). Deterministic: a move budget, no clock.

    A move changes only the types of its two panels: the largest drop and rise of every
    candidate are the extremes over the types the candidate panels seat and one extreme
    over all the others. The sum of squared drops is summed in full, in type order as
    before, and only for the candidates that can win (so the same bits, the same moves).
    """
    share, seated = _shares(panels, type_counts, target.size)
    counts = counts.copy()
    dev = portable.matvec(share, counts) - target
    reps = _representatives(share, dev)
    where = np.full(target.size, -1, dtype=np.int64)
    where[reps] = np.arange(reps.size)
    kept = [w[w >= 0] for w in map(where.__getitem__, seated)]
    few = _Types(np.asfortranarray(share[reps]), kept)
    every = _Types(np.asfortranarray(share), seated)  # columns (panels) read whole
    share = every.share
    low = np.clip(-dev, 0.0, None)
    best = (_r9(low.max(initial=0.0)), _r9(dev.max(initial=0.0)), portable.dot(low, low))
    order = np.arange(len(panels))
    for _ in range(moves):
        worst = int(np.argmin(dev))
        held = order[counts > 0]
        sources = held[np.lexsort((held, share[worst, held]))][:_SOURCES]
        sinks = order[np.lexsort((order, -share[worst]))][:_SOURCES]
        found = _best_move(few, every, dev, reps, sources, sinks, cap, best)
        if found is None:
            break
        a, b, best = found
        dev = dev + share[:, b] - share[:, a]
        counts[a] -= 1
        counts[b] += 1
    return counts


def _shares(
    panels: list[Composition], type_counts: np.ndarray, n_types: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Types x panels: seats / head count (a type listed twice in a panel: its last
    seats); and per panel the types it lists, in its order."""
    sizes = [len(p) for p in panels]
    types = np.asarray([t for p in panels for t, _ in p], dtype=np.int64)
    seats = np.asarray([s for p in panels for _, s in p], dtype=np.int64)
    cols = np.repeat(np.arange(len(panels)), sizes)
    share = np.zeros((n_types, len(panels)))
    if np.all((np.diff(types) > 0) | (np.diff(cols) > 0)):  # each type once in a panel
        share[types, cols] = seats / type_counts[types]
    else:
        for t, j, s in zip(types.tolist(), cols.tolist(), seats.tolist(), strict=True):
            share[t, j] = s / type_counts[t]  # in order, so that the last seats stay
    return share, np.split(types, np.cumsum(sizes)[:-1]) if panels else []


class _Types(NamedTuple):
    """Types x panels shares and, per panel, the types it seats (rows of ``share``)."""

    share: np.ndarray
    seated: list[np.ndarray]


def _representatives(share: np.ndarray, dev: np.ndarray) -> np.ndarray:
    """The types, ascending, that hold every extreme: of each set of types with the same
    shares in every panel, the one furthest below its target and the one furthest above.

    Such types move together: every move adds the same shares to each, and float sums are
    monotone, so their order by deviation never changes, and their lowest and highest
    are the extremes of the set after any move, bit for bit. Sets are found by a random
    sum of the shares, then checked entry by entry (a clash keeps every type).
    """
    n = dev.size
    if n < 2:
        return np.arange(n)
    mix = np.random.default_rng(0).uniform(1.0, 2.0, size=int(share.shape[1]))
    code = portable.matvec(share, mix)
    order = np.lexsort((dev, code))  # stable: ties by type
    code = code[order]
    starts = np.flatnonzero(np.concatenate([[True], code[1:] != code[:-1]]))
    sizes = np.diff(np.append(starts, n))
    joined = np.flatnonzero(np.repeat(sizes > 1, sizes))  # positions in sets of two or more
    first = np.repeat(order[starts], sizes)[joined]
    if not np.array_equal(share[order[joined]], share[first]):
        return np.arange(n)
    return np.union1d(order[starts], order[starts + sizes - 1])


def _best_move(
    few: _Types,
    every: _Types,
    dev: np.ndarray,
    reps: np.ndarray,
    sources: np.ndarray,
    sinks: np.ndarray,
    cap: float,
    best: tuple[float, float, float],
) -> tuple[int, int, tuple[float, float, float]] | None:
    """The move (source, sink, its key) that the full search over sources x sinks takes.

    Per source, the full search takes the allowed sink first by (drop, rise, squares,
    sink); a later source replaces it only with a smaller key. The extremes are taken
    over ``few`` (the types ``reps`` of ``every``, which hold them), the squares over
    ``every`` type.
    """
    share, seated = few
    after = _Extremes(share, seated, dev[reps], sources, sinks)
    floors = _drop_floors(share, seated, dev[reps], sources, after.sub)
    found = None
    for a, floor in zip(sources.tolist(), floors, strict=True):
        if floor > best[0]:  # its every move's largest drop is larger: the check below skips it
            continue
        own = after.own(a)
        if np.round(own[0][sinks != a], 9).min(initial=np.inf) > best[0]:
            continue  # as above, from the drops over a's types alone
        extremes = after.of(a, own)
        low = np.round(extremes[0], 9)
        high = np.round(extremes[1], 9)
        allowed = (extremes[2] <= cap + 1e-9) & (sinks != a)
        if not allowed.any():
            continue
        first = min(zip(low[allowed].tolist(), high[allowed].tolist(), strict=True))
        if first > best[:2]:
            continue
        tied = np.flatnonzero(allowed & (low == first[0]) & (high == first[1]))
        squares = _squares(every.share, every.seated, dev, sinks[tied], a)
        pick = min(zip(squares, sinks[tied].tolist(), strict=True))
        key = (first[0], first[1], pick[0])
        if key < best:
            best, found = key, (a, pick[1], key)
    return found


def _spread(x: np.ndarray) -> np.ndarray:
    """Drop (clipped at 0), deviation and its size, stacked on a new first axis."""
    return np.stack([np.clip(-x, 0.0, None), x, np.abs(x)])


class _Extremes:
    """Largest drop, deviation and |deviation| over all types after each candidate move.

    Moving a slot from panel a to panel b changes only the types a or b seats, so the
    extremes are taken over three parts: the types of a (every sink at once), the types
    of b but not a, and the types of neither (the first not seated by a or b among the
    types sorted by their value now). The values are computed as the full search did,
    and a maximum does not depend on the order, so the extremes are the same bits.
    """

    def __init__(
        self,
        share: np.ndarray,
        seated: list[np.ndarray],
        dev: np.ndarray,
        sources: np.ndarray,
        sinks: np.ndarray,
    ) -> None:
        self.share, self.seated, self.dev, self.sinks = share, seated, dev, sinks
        flat = [seated[b] for b in sinks.tolist()]
        self.starts = np.cumsum([0] + [f.size + 1 for f in flat[:-1]])
        self.types = np.concatenate([np.append(f, 0) for f in flat])
        cols = np.concatenate([np.full(f.size + 1, b) for f, b in zip(flat, sinks, strict=True)])
        gap = np.ones(self.types.size, bool)
        gap[self.starts + [f.size for f in flat]] = False
        self.values = np.where(gap, _spread(dev[self.types] + share[self.types, cols]), -np.inf)
        self.sub = share[:, sinks]
        wide = max(seated[a].size for a in sources.tolist()) + max(f.size for f in flat)
        now = _spread(dev)
        self.order = np.stack([_head(-row, wide + 1) for row in now])
        self.top = np.take_along_axis(now, self.order, axis=1)
        self.held = np.stack([self.sub[o] != 0 for o in self.order])
        self.inside = np.zeros(dev.size, bool)
        # Per kind, each sink's _DEPTH largest entries (any order; fewer when it has fewer).
        self.ends = self.starts + [f.size for f in flat]
        spans = np.arange(max(f.size for f in flat) + 1)
        grid = np.minimum(self.starts[:, None] + spans, self.ends[:, None])  # padded: the -inf
        self.best = []
        for v in self.values:
            best = grid
            if spans.size > _DEPTH:
                top = np.argpartition(-v[grid], _DEPTH - 1, axis=1)[:, :_DEPTH]
                best = np.take_along_axis(grid, top, axis=1)
            self.best.append((self.types[best], v[best]))

    def own(self, a: int) -> np.ndarray:
        """(drop, deviation, |deviation|) x sinks: the extremes over the types of ``a``."""
        rows = self.seated[a]
        moved = self.dev[rows][:, None] + self.sub[rows]
        moved = moved - self.share[rows, a][:, None]
        if rows.size:  # the largest drop is -min clipped at 0, the largest size max(max, -min)
            low, high = moved.min(axis=0), moved.max(axis=0)
            own = np.stack([np.maximum(-low, 0.0), high, np.maximum(high, -low)])
        else:
            own = np.full((3, self.sinks.size), -np.inf)
        return own

    def of(self, a: int, own: np.ndarray) -> np.ndarray:
        """(drop, deviation, |deviation|) x sinks: the extremes after moving from ``a``,
        ``own`` its extremes over the types of ``a``."""
        rows = self.seated[a]
        self.inside[rows] = True
        theirs = self._theirs()
        rest = self._rest(self.inside[self.order])
        self.inside[rows] = False
        return np.maximum(np.maximum(own, theirs), rest)

    def _theirs(self) -> np.ndarray:
        """Per kind and sink, the largest value after the move among the types the sink
        seats and the source does not (``inside``); -inf: none. The sink's ``_DEPTH``
        largest are looked at first (a free one among them is the largest free one), the
        whole sink only when the source seats them all."""
        out = np.empty((3, self.sinks.size))
        for k, (types, values) in enumerate(self.best):
            free = ~self.inside[types]
            out[k] = np.where(free, values, -np.inf).max(axis=1)
            for b in np.flatnonzero(~free.any(axis=1)).tolist():
                part = slice(self.starts[b], self.ends[b] + 1)
                kept = np.where(self.inside[self.types[part]], -np.inf, self.values[k, part])
                out[k, b] = kept.max()
        return out

    def _rest(self, blocked: np.ndarray) -> np.ndarray:
        """Per kind and sink, the value now of the first type in ``order`` neither
        ``blocked`` (seated by the source) nor seated by the sink (-inf: none); the first
        ``_DEPTH`` unblocked types are looked at before the rest."""
        out = np.full((3, self.sinks.size), -np.inf)
        for k in range(3):
            pos = np.flatnonzero(~blocked[k])
            head, tail = pos[:_DEPTH], pos[_DEPTH:]
            if head.size == 0:
                continue
            free = ~self.held[k][head]
            hit = free.any(axis=0)
            out[k, hit] = self.top[k, head[free.argmax(axis=0)[hit]]]
            if tail.size and not hit.all():
                cols = np.flatnonzero(~hit)
                free = ~self.held[k][np.ix_(tail, cols)]
                hit = free.any(axis=0)
                out[k, cols[hit]] = self.top[k, tail[free.argmax(axis=0)[hit]]]
        return out


def _head(keys: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` positions of a stable sort of ``keys``, without sorting them all."""
    if keys.size <= count:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, count - 1)[count - 1]
    head = np.flatnonzero(keys <= kth)  # ties at the cut all stay, then the sort cuts
    return head[np.argsort(keys[head], kind="stable")][:count]


def _drop_floors(
    share: np.ndarray,
    seated: list[np.ndarray],
    dev: np.ndarray,
    sources: np.ndarray,
    sub: np.ndarray,
) -> list[float]:
    """Per source, a floor under the rounded largest drop after any move from it.

    After a move from ``a`` to ``b`` a type's value is ``dev``, ``dev + share_b`` or
    ``dev + share_b - share_a``; with the largest share among the sinks (``sub``) in place
    of ``share_b`` it is no smaller (float sums and rounding are monotone), so the drop
    from it is no larger, bit for bit.
    """
    ceiling = dev + sub.max(axis=1, initial=0.0)
    base = -ceiling.min(initial=0.0)
    floors = []
    for a in sources.tolist():
        rows = seated[a]
        drop = max(base, float(-(ceiling[rows] - share[rows, a]).min(initial=np.inf)))
        floors.append(float(np.round(max(drop, 0.0), 9)))
    return floors


def _squares(
    share: np.ndarray, seated: list[np.ndarray], dev: np.ndarray, sinks: np.ndarray, a: int
) -> list[float]:
    """Sum of squared drops after moving a slot from ``a`` to each sink, in type order.

    Summed down the columns of a (types x sinks) array, at least two wide, as the full
    search did: numpy adds down axis 0 one type after another. A type's value is
    ``dev + share_b - share_a`` summed in that order; a share of 0 adds nothing, exactly,
    so only the types of a sink and of ``a`` are touched.
    """
    cols = np.concatenate([sinks, sinks[:1]])
    moved = np.repeat(dev[:, None], cols.size, axis=1)
    for c, b in enumerate(cols.tolist()):
        moved[seated[b], c] += share[seated[b], b]
    mine = seated[a]
    moved[mine] -= share[mine, a][:, None]
    low = np.clip(-moved, 0.0, None)
    return (low * low).sum(axis=0)[: sinks.size].tolist()


def _r9(value: float) -> float:
    return round(float(value), 9)
