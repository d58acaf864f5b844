"""The slot-move search's extremes: the largest drop and rise after each candidate move.

Used by ``sampling.rounding_search``. Moving a slot from panel a to panel b changes only
the types a or b seats; ``Extremes`` takes the extremes after every (a, b) of a set of
sources and sinks from those types and from one ranked list of the others.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Extremes", "head"]

_DEPTH = 32  # types, best first, looked at for every sink before the rest (speed only)


def _spread(x: np.ndarray) -> np.ndarray:
    """Drop (clipped at 0), deviation and its size, stacked on a new first axis."""
    return np.stack([np.clip(-x, 0.0, None), x, np.abs(x)])


class Extremes:
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
        sizes = np.asarray([f.size for f in flat], dtype=np.int64)
        # Each sink's types then a gap (type 0, value -inf): one flat array for all sinks.
        self.starts = np.concatenate([[0], np.cumsum(sizes + 1)[:-1]])
        gap = np.ones(int(sizes.sum()) + sizes.size, bool)
        gap[self.starts + sizes] = False
        self.types = np.zeros(gap.size, dtype=np.int64)
        self.types[gap] = np.concatenate(flat)
        cols = np.repeat(sinks, sizes + 1)
        self.values = np.where(gap, _spread(dev[self.types] + share[self.types, cols]), -np.inf)
        self.sub = np.ascontiguousarray(share[:, sinks])  # rows (types) read whole
        wide = max(seated[a].size for a in sources.tolist()) + int(sizes.max())
        now = _spread(dev)
        self.order = np.stack([head(-row, wide + 1) for row in now])
        self.top = np.take_along_axis(now, self.order, axis=1)
        self.held = np.stack([self.sub[o] != 0 for o in self.order])
        self.inside = np.zeros(dev.size, bool)
        # Per kind, each sink's _DEPTH largest entries (any order; fewer when it has fewer).
        self.ends = self.starts + sizes
        spans = np.arange(int(sizes.max()) + 1)
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


def head(keys: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` positions of a stable sort of ``keys``, without sorting them all."""
    if keys.size <= count:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, count - 1)[count - 1]
    kept = np.flatnonzero(keys <= kth)  # ties at the cut all stay, then the sort cuts
    return kept[np.argsort(keys[kept], kind="stable")][:count]
