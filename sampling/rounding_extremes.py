"""The slot-move search's extremes: the largest drop and rise after each candidate move.

Used by ``sampling.rounding_search``. Moving a slot from panel a to panel b changes only
the types a or b seats; ``Extremes`` takes the extremes after every (a, b) of a set of
sources and sinks from those types and from one ranked list of the others, for all the
sources at once (a loop over sources spent most of its time in numpy's per-call cost).
The largest size of a change is the larger of the largest drop and rise (|v| is v or
-v), so it needs no pass of its own.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Extremes", "flat_rows", "head"]

_DEPTH = 32  # entries, best first, looked at for every pair before the rest (speed only)


def _spread(x: np.ndarray) -> np.ndarray:
    """Drop (clipped at 0) and deviation, stacked on a new first axis."""
    return np.stack([np.clip(-x, 0.0, None), x])


def flat_rows(
    seated: list[np.ndarray], panels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The types of each panel one after another: the types, their panel, where each
    non-empty panel's run starts, and which panels are non-empty (for ``reduceat``, whose
    runs cannot be empty)."""
    parts = [seated[p] for p in panels.tolist()]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    full = sizes > 0
    return rows, np.repeat(panels, sizes), starts[full], full


class Extremes:
    """Largest drop and deviation over all types after each candidate move.

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
        member: np.ndarray,
        dev: np.ndarray,
        sinks: np.ndarray,
        sub: np.ndarray,
        wide: int,
    ) -> None:
        """``member``: types x panels, whether the panel lists the type; ``sub``: the
        sinks' columns of ``share``, C-ordered; ``wide``: at least the types of any source
        and any sink together."""
        self.share, self.seated, self.member, self.dev, self.sinks = share, seated, member, dev, sinks
        sizes = np.asarray([seated[b].size for b in sinks.tolist()], dtype=np.int64)
        # Each sink's types in a row, then gaps (type 0, value -inf) to a common width.
        gap = np.arange(int(sizes.max(initial=0)) + 1) >= sizes[:, None]
        self.types = np.zeros(gap.shape, dtype=np.int64)
        self.types[~gap] = np.concatenate([seated[b] for b in sinks.tolist()])
        moved = dev[self.types] + share[self.types, sinks[:, None]]
        self.values = np.where(gap, -np.inf, _spread(moved))  # kind x sink x entry
        self.sub = sub  # rows (types) read whole
        now = _spread(dev)
        self.order = np.stack([head(-row, wide + 1) for row in now])
        self.top = np.take_along_axis(now, self.order, axis=1)
        self.held = self.sub[self.order] != 0  # kind x position x sink
        # Per kind, each sink's _DEPTH largest entries (any order; fewer when it has fewer).
        types = np.broadcast_to(self.types, self.values.shape)
        self.best = types, self.values
        if gap.shape[1] > _DEPTH:
            top = np.argpartition(-self.values, _DEPTH - 1, axis=2)[:, :, :_DEPTH]
            self.best = np.take_along_axis(types, top, 2), np.take_along_axis(self.values, top, 2)

    def own(self, sources: np.ndarray) -> np.ndarray:
        """(drop, deviation) x sources x sinks: the extremes over the types
        of each source."""
        rows, cols, starts, full = flat_rows(self.seated, sources)
        moved = self.dev[rows][:, None] + self.sub[rows]
        moved -= self.share[rows, cols][:, None]
        own = np.full((2, sources.size, self.sinks.size), -np.inf)
        if rows.size:  # the largest drop is -min clipped at 0
            low = np.minimum.reduceat(moved, starts, axis=0)
            high = np.maximum.reduceat(moved, starts, axis=0)
            own[:, full] = np.stack([np.maximum(-low, 0.0), high])
        return own

    def of(self, sources: np.ndarray, own: np.ndarray) -> np.ndarray:
        """(drop, deviation) x sources x sinks: the extremes after moving
        from each source, ``own`` their extremes over the types of the source."""
        inside = self.member[:, sources]  # types x sources
        return np.maximum(np.maximum(own, self._theirs(inside)), self._rest(inside))

    def _theirs(self, inside: np.ndarray) -> np.ndarray:
        """Per kind, source and sink, the largest value after the move among the types the
        sink seats and the source does not; -inf: none. The sink's ``_DEPTH`` largest are
        looked at first (a free one among them is the largest free one), the whole sink
        only where the source seats them all."""
        types, values = self.best
        out = np.empty((2, inside.shape[1], self.sinks.size))
        for k in range(2):
            free = ~inside[types[k]]  # sink x entry x source
            out[k] = np.where(free, values[k][:, :, None], -np.inf).max(axis=1).T
            b, s = np.nonzero(~free.any(axis=1))
            if b.size:
                kept = np.where(inside[self.types[b], s[:, None]], -np.inf, self.values[k, b])
                out[k, s, b] = kept.max(axis=1)
        return out

    def _rest(self, inside: np.ndarray) -> np.ndarray:
        """Per kind, source and sink, the value now of the first type in ``order`` seated
        by neither (-inf: none); the first ``_DEPTH`` types are looked at before the rest."""
        out = np.full((2, inside.shape[1], self.sinks.size), -np.inf)
        for k in range(2):
            open_ = ~inside[self.order[k]]  # position x source
            held = self.held[k]  # position x sink
            near = min(_DEPTH, held.shape[0])
            free = open_[:near, :, None] & ~held[:near, None, :]  # position x source x sink
            hit = free.any(axis=0)
            at = free.argmax(axis=0)
            out[k] = np.where(hit, self.top[k][at], -np.inf)
            s, b = np.nonzero(~hit)
            if s.size and held.shape[0] > near:
                free = open_[near:, s] & ~held[near:, b]  # position x pair
                hit = free.any(axis=0)
                out[k, s[hit], b[hit]] = self.top[k][near + free.argmax(axis=0)[hit]]
        return out


def head(keys: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` positions of a stable sort of ``keys``, without sorting them all."""
    if keys.size <= count:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, count - 1)[count - 1]
    kept = np.flatnonzero(keys <= kth)  # ties at the cut all stay, then the sort cuts
    return kept[np.argsort(keys[kept], kind="stable")][:count]
