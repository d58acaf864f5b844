"""The slot-move search's extremes: the largest drop and rise after each candidate move.

Used by ``sampling.rounding_search``. Moving a slot from panel a to panel b changes only
the types a or b seats; ``Extremes`` takes the extremes after every (a, b) of a set of
sources and sinks from those types and from one ranked list of the others, for all the
sources at once (a loop over sources spent most of its time in numpy's per-call cost).
The largest size of a change is the larger of the largest drop and rise (|v| is v or
-v), so it needs no pass of its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Extremes", "Types", "flat_rows", "head"]

_DEPTH = 8  # entries, best first, looked at for every move before the rest (speed only)
_FURTHER = 64  # entries looked at next where the first _DEPTH do not decide (speed only)


def _spread(x: np.ndarray) -> np.ndarray:
    """Drop (clipped at 0) and deviation, stacked on a new first axis."""
    return np.stack([np.clip(-x, 0.0, None), x])


class Types(NamedTuple):
    """Types x panels shares and, per panel, the types it seats (rows of ``share``), as
    listed and without repeats; ``member``: panels x types, whether the panel lists it;
    ``own``: per panel the shares of its types without repeats (read once, not from the
    whole ``share`` at every move); ``rows``, ``row_shares``: per panel its types and
    their shares in a row, padded with the number of types and 0 (where used)."""

    share: np.ndarray
    seated: list[np.ndarray]
    once: list[np.ndarray]
    member: np.ndarray
    own: list[np.ndarray]
    rows: np.ndarray
    row_shares: np.ndarray


def flat_rows(
    seated: list[np.ndarray], panels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The types of each panel one after another, their panel, and each panel's count."""
    parts = [seated[p] for p in panels.tolist()]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return rows, np.repeat(panels, sizes), sizes


class Extremes:
    """Largest drop and deviation over all types after each candidate move.

    Moving a slot from panel a to panel b changes only the types a or b seats, so the
    extremes are taken over three parts: the types of a, the types of b (but not a, or
    all of b), and the types of neither (the first not seated by a or b among the types
    sorted by their value now). No part is taken over every type of a for every sink:
    a type of a has ``dev + share_b - share_a``, never below its value ``dev - share_a``
    without b nor above its value ``dev + share_b`` without a (float sums are monotone),
    and few types of a are seated by b, so a few entries of ranked lists decide, checked
    by these bounds (a check failing, rarely: the whole list). The values are computed
    as the full search did, and a maximum does not depend on the order, so the extremes
    are the same bits.
    """

    def __init__(
        self, few: Types, dev: np.ndarray, sinks: np.ndarray, cols: np.ndarray, wide: int
    ) -> None:
        """``few.share``: Fortran-ordered, with ``few.rows`` and ``few.row_shares``;
        ``cols``: the sinks' columns of ``share``, one per row (sinks x types, C-ordered:
        a types x sinks copy, a transpose, cost more than the moves' reads from it);
        ``wide``: at least the types of any source and any sink together."""
        self.rows, self.row_shares, self.member = few.rows, few.row_shares, few.member
        self.dev, self.cols = dev, cols
        self.flat = few.share.ravel(order="F")  # share[t, p] at t + p * types
        sizes = np.asarray([few.seated[b].size for b in sinks.tolist()], dtype=np.int64)
        # Each sink's types in a row, then gaps (type 0, value -inf) to a common width.
        gap = np.arange(int(sizes.max(initial=0)) + 1) >= sizes[:, None]
        self.types = np.zeros(gap.shape, dtype=np.int64)
        self.types[~gap] = np.concatenate([few.seated[b] for b in sinks.tolist()])
        added = np.zeros(gap.shape)
        added[~gap] = np.concatenate([few.own[b] for b in sinks.tolist()])
        moved = dev[self.types] + added
        self.values = np.where(gap, -np.inf, _spread(moved))  # kind x sink x entry
        # Whether each sink seats each type (a share above 0); a last row (a gap's type)
        # seated by none. A type listed with no seats keeps its value: either way alike.
        self.seats = np.zeros((dev.size + 1, sinks.size), dtype=bool)
        self.seats[:-1] = np.not_equal(cols, 0.0).T
        # Per kind, the types by value now, highest first: the first _DEPTH (their values,
        # and whether each sink seats them), more (``_rest``) when those do not do.
        self.now, self.wide = _spread(dev), wide
        self.ranked: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.order = np.stack([head(-row, min(_DEPTH, dev.size)) for row in self.now])
        self.top = np.take_along_axis(self.now, self.order, axis=1)
        self.held = self.seats[self.order]  # kind x position x sink
        # Per kind, each sink's _DEPTH largest entries (any order; fewer when it has fewer).
        types = np.broadcast_to(self.types, self.values.shape)
        self.best = types, self.values
        if gap.shape[1] > _DEPTH:
            top = np.argpartition(-self.values, _DEPTH - 1, axis=2)[:, :, :_DEPTH]
            self.best = np.take_along_axis(types, top, 2), np.take_along_axis(self.values, top, 2)

    def drops(self, sources: np.ndarray) -> np.ndarray:
        """Sources x sinks: the largest drop after each move (clipped at 0)."""
        self.sources, self.inside = sources, self.member[sources]  # sources x types
        # Per source (padded rows, with a gap's type): its types, their shares and their
        # values ``dev - share_a`` (dev + 0 - share_a: the same bits), +inf in gaps.
        rows = self.rows[sources]
        width = int((rows < self.dev.size).sum(axis=1).max(initial=0))
        self.mine, self.lost = rows[:, :width], self.row_shares[sources, :width]
        self.gap = self.mine == self.dev.size
        alone = self.dev[np.minimum(self.mine, self.dev.size - 1)] - self.lost
        self.alone = np.where(self.gap, np.inf, alone)
        own = np.maximum(-self._lowest(self.mine, self.alone, self.lost), 0.0)
        own[self.gap.all(axis=1)] = -np.inf  # no types: only the other parts
        part = np.maximum(own, self._theirs(0, self.inside))
        return np.maximum(part, self._rest(0, self.inside))

    def rises(self, keep: np.ndarray) -> np.ndarray:
        """Sources x sinks, for the sources ``keep`` picks from those ``drops`` saw: the
        largest deviation after each move."""
        sources, inside, types = self.sources[keep], self.inside[keep], self.mine[keep]
        alone = np.where(self.gap[keep], -np.inf, self.alone[keep])
        part = np.maximum(
            self._highest_alone(types, alone), self._highest_of_sinks(sources, inside)
        )
        return np.maximum(part, self._rest(1, inside))

    def _lowest(self, rows: np.ndarray, alone: np.ndarray, lost: np.ndarray) -> np.ndarray:
        """Sources x sinks: the lowest value after the move over the types of the source
        (+inf: none): over its ``_DEPTH`` lowest alone, exact unless the sink lifts them
        all above the next one (those: over its ``_FURTHER`` lowest likewise, then over
        all its types; the sinks lift the types lowest now, so many go on)."""
        near, next_ = _lowest_entries(alone, _DEPTH)
        low = self._lowest_of(rows, alone, lost, near)
        s, b = np.nonzero(low > next_[:, None])
        if s.size:
            kept, at = np.unique(s, return_inverse=True)
            near, next_ = _lowest_entries(alone[kept], _FURTHER)
            low[s, b] = self._lowest_of(rows[s], alone[s], lost[s], near[at], b)[:, 0]
            again = low[s, b] > next_[at]
            s, b = s[again], b[again]
        if s.size:
            every = np.arange(alone.shape[1])[None, :]
            low[s, b] = self._lowest_of(rows[s], alone[s], lost[s], every, b)[:, 0]
        return low

    def _lowest_of(
        self,
        rows: np.ndarray,
        alone: np.ndarray,
        lost: np.ndarray,
        near: np.ndarray,
        to: np.ndarray | None = None,
    ) -> np.ndarray:
        """Per source (a row of ``rows``, its shares ``lost``), the lowest value after the
        move over its entries ``near``: to every sink, or to the sink at ``to``."""
        types = np.minimum(np.take_along_axis(rows, near, 1), self.dev.size - 1)  # gaps: any
        gap = np.isposinf(np.take_along_axis(alone, near, 1))
        lost = np.take_along_axis(lost, near, 1)
        if to is None:  # sink x source x entry
            moved = (self.dev[types][None] + self.cols[:, types]) - lost[None]
            moved[:, gap] = np.inf
            return moved.min(axis=2, initial=np.inf).T
        moved = (self.dev[types] + self.cols[to[:, None], types]) - lost
        return np.where(gap, np.inf, moved).min(axis=1, initial=np.inf, keepdims=True)

    def _highest_alone(self, rows: np.ndarray, alone: np.ndarray) -> np.ndarray:
        """Sources x sinks: the highest value after the move over the types of the source
        that the sink does not seat (-inf: none); its ``_DEPTH`` highest looked at first."""
        near = np.arange(alone.shape[1])[None, :]
        if alone.shape[1] > _DEPTH:
            near = np.argpartition(-alone, _DEPTH - 1, axis=1)[:, :_DEPTH]
        free = ~self.seats[np.take_along_axis(rows, near, 1)]  # source x entry x sink
        values = np.take_along_axis(alone, near, 1)[:, :, None]
        high = np.where(free, values, -np.inf).max(axis=1, initial=-np.inf)
        s, b = np.nonzero(~free.any(axis=1))
        if s.size:  # the sink seats them all
            seats = self.seats[rows[s], b[:, None]]
            high[s, b] = np.where(seats, -np.inf, alone[s]).max(axis=1, initial=-np.inf)
        return high

    def _highest_of_sinks(self, sources: np.ndarray, inside: np.ndarray) -> np.ndarray:
        """Sources x sinks: the highest value after the move over the types the sink lists:
        ``dev + share_b``, less ``share_a`` where the source lists them too. Of the sink's
        ``_DEPTH`` highest (``dev + share_b``), one not listed by the source is above all
        the others (which only fall); where the source lists them all, the whole sink."""
        types, values = self.best[0][1], self.best[1][1]  # sink x entry
        mine = inside[:, types]  # source x sink x entry
        lost = self.flat[types + sources[:, None, None] * self.dev.size]
        high = np.where(mine, values - lost, values).max(axis=2)
        s, b = np.nonzero(mine.all(axis=2))
        if s.size:
            types, values = self.types[b], self.values[1, b]
            lost = self.flat[types + sources[s, None] * self.dev.size]
            high[s, b] = np.where(inside[s[:, None], types], values - lost, values).max(axis=1)
        return high

    def _theirs(self, k: int, inside: np.ndarray) -> np.ndarray:
        """Sources x sinks, of kind ``k``: the largest value after the move among the types
        the sink lists and the source does not; -inf: none. The sink's ``_DEPTH`` largest
        are looked at first (a free one among them is the largest free one), the whole
        sink only where the source lists them all."""
        types, values = self.best[0][k], self.best[1][k]
        free = ~inside[:, types]  # source x sink x entry
        out = np.where(free, values, -np.inf).max(axis=2)
        s, b = np.nonzero(~free.any(axis=2))
        if s.size:
            kept = np.where(inside[s[:, None], self.types[b]], -np.inf, self.values[k, b])
            out[s, b] = kept.max(axis=1)
        return out

    def _rest(self, k: int, inside: np.ndarray) -> np.ndarray:
        """Sources x sinks, of kind ``k``: the value now of the first type in ``order``
        seated by neither (-inf: none); the first ``_DEPTH`` types are looked at first,
        then up to ``_FURTHER``, then up to wide + 1 (more: no more seen)."""
        near = self.order.shape[1]
        if near == 0:  # no types
            return np.full((inside.shape[0], self.seats.shape[1]), -np.inf)
        free = ~inside[:, self.order[k]].T[:, :, None] & ~self.held[k][:, None, :]  # position x
        hit = free.any(axis=0)  # source x sink
        out = np.where(hit, self.top[k][free.argmax(axis=0)], -np.inf)
        s, b = np.nonzero(~hit)
        for count in (_FURTHER, self.wide + 1):
            if not s.size or self.now.shape[1] <= near or count <= near:
                continue
            order, top, held = (part[near:count] for part in self._ranked(k, count))
            free = ~inside[s, order[:, None]] & ~held[:, b]  # position x pair
            hit = free.any(axis=0)
            out[s[hit], b[hit]] = top[free.argmax(axis=0)[hit]]
            s, b, near = s[~hit], b[~hit], near + order.size
        return out

    def _ranked(self, k: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Of kind ``k``, the first ``count`` types by value now (fewer if fewer), their
        values and whether each sink seats them (the first of a stable sort: the longer
        list starts with the shorter)."""
        if k not in self.ranked or self.ranked[k][0].size < min(count, self.now.shape[1]):
            order = head(-self.now[k], count)
            self.ranked[k] = order, self.now[k][order], self.seats[order]
        return self.ranked[k]


def _lowest_entries(alone: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the positions of its ``count`` lowest entries (any order; all where it
    has no more) and the next lowest value (+inf: none)."""
    if alone.shape[1] <= count:
        return np.broadcast_to(np.arange(alone.shape[1]), alone.shape), np.full(len(alone), np.inf)
    near = np.argpartition(alone, count, axis=1)
    return near[:, :count], np.take_along_axis(alone, near[:, count : count + 1], 1)[:, 0]


def head(keys: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` positions of a stable sort of ``keys``, without sorting them all."""
    if keys.size <= count:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, count - 1)[count - 1]
    kept = np.flatnonzero(keys <= kth)  # ties at the cut all stay, then the sort cuts
    return kept[np.argsort(keys[kept], kind="stable")][:count]
