"""The slot-move search's third key: the sum of squared drops after a move, bit for bit.

Used by ``sampling.rounding_search``. The full search (``tests/sampling/test_descend.py``)
summed every type's squared drop in type order, one after another; those bits decide
between moves whose largest drop and rise tie. Summing every type for each such move
was most of the search's time on large pools, while the comparison is nearly always
clear long before the last bit. So each sum is first estimated from the types the move
changes (the sum now plus their change), with a bound on the gap between the estimate
and the exact sum, and the exact sum is taken only where two such bounds overlap.

The bound: the exact sum adds n non-negative floats one after another, so it lies within
n u of their real sum (u = 2^-53, relative to that sum); the estimate adds the sum now
(pairwise, within n u of its real value) and the change, a few sums of at most k
non-negative terms each (the types of the two panels; each within k u of its real
value), added and subtracted (a few u of their sizes). ``slack`` is four times what
these give together, with every sum's size counted.

The change of many moves is estimated at once (``SquaresNow.estimate``): over the types
of one panel but not the other the change does not depend on the other panel, so it is
summed once per panel, and the types of both are summed per move and taken out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = ["Squares", "SquaresNow", "exact_squares"]

_U = 2.0**-53  # unit round-off of a double


class Squares:
    """One move's sum of squared drops: an estimate within ``slack`` of the exact sum, and
    the exact sum (as the full search added it), computed when first needed."""

    def __init__(self, estimate: float, slack: float, exact: Callable[[], float]) -> None:
        self.estimate, self.slack, self._exact = estimate, slack, exact
        self._value: float | None = None

    @classmethod
    def known(cls, value: float) -> Squares:
        """A sum already exact."""
        return cls(value, 0.0, lambda: value)

    def value(self) -> float:
        """The exact sum."""
        if self._value is None:
            self._value = self._exact()
        return self._value

    def below(self, other: Squares) -> bool:
        """Whether this exact sum is smaller than ``other``'s (exact only where needed)."""
        if self.estimate + self.slack < other.estimate - other.slack:
            return True
        if self.estimate - self.slack > other.estimate + other.slack:
            return False
        return self.value() < other.value()


class SquaresNow:
    """The squared drops of every type now, from which each move's sum is estimated."""

    def __init__(
        self,
        share: np.ndarray,
        seated: list[np.ndarray],
        once: list[np.ndarray],
        dev: np.ndarray,
        member: np.ndarray | None = None,
        own: list[np.ndarray] | None = None,
    ) -> None:
        """``seated``: per panel its types as listed; ``once``: the same without repeats;
        ``member``: panels x types, whether the panel lists the type; ``own``: per panel
        the shares of ``once`` (both built if not given)."""
        self.share, self.seated, self.once, self.dev = share, seated, once, dev
        if member is None:
            member = np.zeros(share.shape[::-1], dtype=bool)
            for j, rows in enumerate(once):
                member[j, rows] = True
        self.member = np.ascontiguousarray(member).ravel()  # [p, t] at p * types + t
        self.own = [share[rows, j] for j, rows in enumerate(once)] if own is None else own
        # share[t, p] at t * step[0] + p * step[1]: either layout read in place (a copy of
        # every share for each move cost more than the sums).
        if not (share.flags.f_contiguous or share.flags.c_contiguous):
            share = np.asfortranarray(share)
        if share.flags.f_contiguous:
            self.flat, self.step = share.ravel(order="F"), (1, share.shape[0])
        else:
            self.flat, self.step = share.ravel(order="C"), (share.shape[1], 1)
        low = np.clip(-dev, 0.0, None)
        self.now = low * low
        self.total = float(self.now.sum())
        self.known: dict[tuple[int, int], Squares] = {}

    def smallest(self, a: int, sinks: np.ndarray) -> tuple[int, Squares]:
        """The sink whose move from ``a`` leaves the smallest exact sum (ties: the lowest
        sink), and that move's sum."""
        wanted = [b for b in sinks.tolist() if (a, b) not in self.known]
        if wanted:
            self.estimate(np.full(len(wanted), a), np.array(wanted, dtype=np.int64))
        options = [self.known[a, b] for b in sinks.tolist()]
        upper = min(o.estimate + o.slack for o in options)
        maybe = [i for i, o in enumerate(options) if o.estimate - o.slack <= upper]
        if len(maybe) > 1:  # overlapping bounds: the exact sums of those, in one go
            exact = exact_squares(self.share, self.seated, self.dev, sinks[maybe], a)
            for i, value in zip(maybe, exact, strict=True):
                options[i] = Squares.known(value)
        # One left: every other's sum is above its bound, which is above this one's sum.
        i = maybe[0]
        if len(maybe) > 1:
            i = min(maybe, key=lambda i: (options[i].value(), sinks[i]))
        return int(sinks[i]), options[i]

    def estimate(self, sources: np.ndarray, sinks: np.ndarray) -> None:
        """Each move's (``sources[i]`` to ``sinks[i]``) estimate: the sum now plus the
        change over the types of its two panels, all moves at once; kept for ``smallest``.

        A type of the source a but not of the sink b has ``dev - share_a`` whatever b, one
        of b but not of a ``dev + share_b`` whatever a: those are summed once per panel
        (over all its types), and the types of both (few) once per move, both ways, to
        take them out. Every part is a sum of non-negative terms added one after another
        by ``np.bincount`` (within k u of its real value for k terms), and the slack counts
        every part's size, the ones taken out too.
        """
        dev, at_, now, n = self.dev, self._at, self.now, self.dev.size
        panels, where = np.unique(np.concatenate([sources, sinks]), return_inverse=True)
        at, to = where[: sources.size], where[sources.size :]
        # Per panel p, over its types: (dev - share_p)^2 dropped, dev + share_p likewise,
        # and the squares now.
        rows, of = _runs(self.once, panels)
        now_of, own = dev[rows], np.concatenate([self.own[p] for p in panels.tolist()])
        alone = _sums(of, np.clip(-(now_of - own), 0.0, None), panels.size)
        joined = _sums(of, np.clip(-(now_of + own), 0.0, None), panels.size)
        gone = np.bincount(of, weights=now[rows], minlength=panels.size)
        size = np.bincount(of, minlength=panels.size)
        # Per move, over the types of both: (dev + share_b) - share_a, as the full search.
        rows, move = _runs(self.once, sinks)
        both = self.member[sources[move] * n + rows]
        rows, move = rows[both], move[both]
        lost, added = at_(rows, sources[move]), at_(rows, sinks[move])
        count = sources.size
        moved = _sums(move, np.clip(-((dev[rows] + added) - lost), 0.0, None), count)
        out = _sums(move, np.clip(-(dev[rows] - lost), 0.0, None), count)
        into = _sums(move, np.clip(-(dev[rows] + added), 0.0, None), count)
        kept = np.bincount(move, weights=now[rows], minlength=count)
        add = (alone[at] - out) + moved  # over the types of a
        gain, loss = joined[to] - into, gone[to] - kept  # over those of b but not a
        sizes = n + 8 + size[at] + size[to]
        parts = alone[at] + out + moved + gone[at] + joined[to] + into + gone[to] + kept
        total = self.total
        # The same float operations as one move at a time (IEEE doubles either way).
        estimates = (total + ((add - gone[at]) + (gain - loss))).tolist()
        slacks = (4 * _U * sizes * (total + parts)).tolist()
        moves = zip(sources.tolist(), sinks.tolist(), estimates, slacks, strict=True)
        for a, b, estimate, slack in moves:
            self.known[a, b] = Squares(estimate, slack, partial(self._exact, a, b))

    def _at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``share[rows, cols]``, from the flat array."""
        t, p = self.step
        return self.flat[(rows if t == 1 else rows * t) + (cols if p == 1 else cols * p)]

    def _exact(self, a: int, b: int) -> float:
        return exact_squares(self.share, self.seated, self.dev, np.array([b]), a)[0]


def _sums(of: np.ndarray, low: np.ndarray, count: int) -> np.ndarray:
    """Per run, the sum of the squares of ``low`` (one after another)."""
    return np.bincount(of, weights=low * low, minlength=count)


def _runs(lists: list[np.ndarray], panels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries of ``lists[p]`` for each p of ``panels`` one after another, and for
    each entry its position in ``panels``."""
    parts = [lists[p] for p in panels.tolist()]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return rows, np.repeat(np.arange(panels.size), sizes)


def exact_squares(
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
