"""The rounding's local search: move one lottery slot at a time between panels.

Used by ``sampling.rounding_ip`` (step 2 there). Each candidate move's key (largest drop,
largest rise, sum of squared drops, in slots) is the one a search recomputing every type
for every candidate would find, bit for bit (``tests/sampling/test_descend.py`` keeps
that search as the reference), but a move changes only the types its two panels seat,
and only those are recomputed: the extremes over one type per end of each set of types
seated alike (``sampling.rounding_extremes``), the squared drops as an estimate with a
proven bound, summed in full only where two bounds overlap (``sampling.rounding_squares``).
Each is taken for all the candidate moves at once, in a few numpy calls on arrays of
sources x sinks (a loop over sources spent most of its time in numpy's per-call cost):
the largest drops first, the rises only for the sources whose drop can still win, the
squares only for the sources the search takes up.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sampling import portable
from sampling.lottery_panels import Pairs, read_pairs
from sampling.rounding_extremes import Extremes, Types, flat_rows
from sampling.rounding_squares import Squares, SquaresNow

__all__ = ["MOVES", "descend"]

Composition = tuple[tuple[int, int], ...]
Key = tuple[float, float, Squares]  # largest drop, largest rise (rounded), squared drops

MOVES = 3000  # local-search moves at most
_SOURCES = 40  # panels tried as source and as destination of a slot per move
_BLOCK = 1024  # rows of shares multiplied at a time (speed only)


def descend(
    panels: list[Composition],
    counts: np.ndarray,
    target: np.ndarray,
    type_counts: np.ndarray,
    cap: float,
    moves: int = MOVES,
    *,
    share: np.ndarray | None = None,
    pairs: Pairs | None = None,
) -> np.ndarray:
    """Local search: move one slot at a time while (largest drop, largest rise, squared
    drops) falls lexicographically, no change exceeding ``cap`` slots (so the iterative
    rounding's proven bound still holds). Deterministic: a move budget, no clock.

    A move changes only the types of its two panels: the largest drop and rise of every
    candidate are the extremes over the types the candidate panels seat and one extreme
    over all the others, and of the types with the same shares in every panel only the
    lowest and the highest can hold them (``_representatives``). The sum of squared drops
    is estimated from the changed types and summed in full, in type order as before, only
    where the estimates cannot decide (so the same bits, the same moves).

    ``share``: the types x panels shares (seats / head count; a type listed twice in a
    panel: its last seats), either layout, when the caller has them (built otherwise);
    ``pairs``: the panels' ``read_pairs`` when the caller has read them (read otherwise).
    """
    share, seated, listed = _shares(panels, type_counts, target.size, share, pairs)
    counts = counts.copy()
    dev = _matvec(share, counts) - target
    reps = _representatives(share, dev, listed)
    where = np.full(target.size, -1, dtype=np.int64)
    where[reps] = np.arange(reps.size)
    kept = [w[w >= 0] for w in map(where.__getitem__, seated)]
    own = _own(share, [reps[k] for k in kept])
    few_share = _scattered(kept, own, reps.size)
    rows = _padded(kept, reps.size), _padded(own, 0.0)
    few = Types(few_share, kept, kept, _member(kept, reps.size), own, *rows)
    once = seated if listed is not None else [np.unique(s) for s in seated]
    nothing = np.zeros((0, 0), np.int64), np.zeros((0, 0))
    every = Types(share, seated, once, _member(once, target.size), _own(share, once), *nothing)
    low = np.clip(-dev, 0.0, None)
    best = (
        _r9(low.max(initial=0.0)),
        _r9(dev.max(initial=0.0)),
        Squares.known(portable.dot(low, low)),
    )
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
        # Only the types of a and b change (+ 0 - 0 leaves any other value as it is): the
        # full search's sum for those, not two whole columns (strided when C-ordered).
        both = np.concatenate([once[a], once[b]])  # a type in both: the same value twice
        dev = dev.copy()
        dev[both] = (dev[both] + share[both, b]) - share[both, a]
        counts[a] -= 1
        counts[b] += 1
    return counts


def _matvec(share: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``portable.matvec(share, counts)``, bit for bit: each row's products summed in
    numpy's order, on C-ordered blocks of rows (not one product as large as ``share``,
    whose fresh pages cost more than the sums)."""
    weights = counts.astype(float)[None, :]
    out = np.empty(share.shape[0])
    for i in range(0, share.shape[0], _BLOCK):
        rows = share[i : i + _BLOCK]
        out[i : i + _BLOCK] = np.multiply(rows, weights, order="C").sum(axis=1)
    return out


class _Pairs(NamedTuple):
    """Every (type, panel, share) a panel lists, panel by panel, types ascending in each."""

    types: np.ndarray
    cols: np.ndarray
    share: np.ndarray


def _shares(
    panels: list[Composition],
    type_counts: np.ndarray,
    n_types: int,
    given: np.ndarray | None = None,
    read: Pairs | None = None,
) -> tuple[np.ndarray, list[np.ndarray], _Pairs | None]:
    """Types x panels: seats / head count (a type listed twice in a panel: its last
    seats), Fortran-ordered (a panel's column is read whole) or ``given`` as it is (a
    second copy of a large matrix cost more than the strided reads); per panel the types
    it lists, in its order; and the pairs, where each panel lists its types once, ascending.
    ``read``: the panels' ``read_pairs`` when the caller has them (read otherwise)."""
    types, seats, sizes = read_pairs(panels) if read is None else read
    types, seats = np.ascontiguousarray(types), np.ascontiguousarray(seats)  # read row by row
    cols = np.repeat(np.arange(len(panels)), sizes)
    if given is not None and given.shape != (n_types, len(panels)):
        raise ValueError(f"share: {given.shape} for {n_types} types x {len(panels)} panels")
    share = np.zeros((n_types, len(panels)), order="F") if given is None else given
    listed = None
    if np.all((np.diff(types) > 0) | (np.diff(cols) > 0)):  # each type once in a panel
        listed = _Pairs(types, cols, seats / type_counts[types])
        if given is None:
            share[types, cols] = listed.share
    elif given is None:
        for t, j, s in zip(types.tolist(), cols.tolist(), seats.tolist(), strict=True):
            share[t, j] = s / type_counts[t]  # in order, so that the last seats stay
    return share, np.split(types, np.cumsum(sizes)[:-1]) if panels else [], listed


def _padded(parts: list[np.ndarray], fill: float) -> np.ndarray:
    """Panels x widest: each panel's entries in a row, padded with ``fill`` (of its type)."""
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    kind = np.int64 if isinstance(fill, int) else np.float64
    out = np.full((sizes.size, int(sizes.max(initial=0))), fill, dtype=kind)
    out[np.arange(out.shape[1]) < sizes[:, None]] = np.concatenate(parts) if parts else []
    return out


def _member(seated: list[np.ndarray], n_types: int) -> np.ndarray:
    """Panels x types: whether the panel lists the type."""
    rows, cols, _ = flat_rows(seated, np.arange(len(seated)))
    member = np.zeros((len(seated), n_types), dtype=bool)
    member[cols, rows] = True
    return member


def _own(share: np.ndarray, once: list[np.ndarray]) -> list[np.ndarray]:
    """Per panel, ``share`` at its types (listed once) in its column: read from the flat
    array (indexing by rows and columns cost several times more)."""
    rows, cols, sizes = flat_rows(once, np.arange(len(once)))
    if share.flags.c_contiguous:
        flat, at = share.ravel(order="C"), rows * share.shape[1] + cols
    else:
        flat, at = share.ravel(order="F"), rows + cols * share.shape[0]
    return np.split(flat[at], np.cumsum(sizes)[:-1]) if once else []


def _scattered(kept: list[np.ndarray], own: list[np.ndarray], n_types: int) -> np.ndarray:
    """Types x panels, Fortran-ordered: each panel's ``own`` shares at its types ``kept``,
    0 elsewhere, as a panel has no share in a type it does not list: the rows of the
    shares at the representatives, bit for bit, written entry by entry (a copy of whole
    rows, then of its transpose, cost more than the few entries)."""
    out = np.zeros((n_types, len(kept)), order="F")
    rows, cols, _ = flat_rows(kept, np.arange(len(kept)))
    out.ravel(order="F")[rows + cols * n_types] = np.concatenate(own) if own else []
    return out


def _representatives(share: np.ndarray, dev: np.ndarray, pairs: _Pairs | None = None) -> np.ndarray:
    """The types, ascending, that hold every extreme: of each set of types with the same
    shares in every panel, the one furthest below its target and the one furthest above.

    Such types move together: every move adds the same shares to each, and float sums are
    monotone, so their order by deviation never changes, and their lowest and highest
    are the extremes of the set after any move, bit for bit. Sets are found by a random
    sum of the shares, then checked entry by entry (a clash keeps every type); from the
    ``pairs`` when there are (a type's shares added panel by panel: the same rows, the
    same sum), else from the whole ``share``.
    """
    n = dev.size
    if n < 2:
        return np.arange(n)
    mix = np.random.default_rng(0).uniform(1.0, 2.0, size=int(share.shape[1]))
    if pairs is None:
        code = portable.matvec(share, mix)
    else:
        code = np.bincount(pairs.types, weights=pairs.share * mix[pairs.cols], minlength=n)
    order = np.lexsort((dev, code))  # stable: ties by type
    code = code[order]
    starts = np.flatnonzero(np.concatenate([[True], code[1:] != code[:-1]]))
    sizes = np.diff(np.append(starts, n))
    joined = np.flatnonzero(np.repeat(sizes > 1, sizes))  # positions in sets of two or more
    first = np.repeat(order[starts], sizes)[joined]
    if not _same_rows(share, pairs, order[joined], first):
        return np.arange(n)
    return np.union1d(order[starts], order[starts + sizes - 1])


def _same_rows(share: np.ndarray, pairs: _Pairs | None, one: np.ndarray, other: np.ndarray) -> bool:
    """Whether each type of ``one`` has the shares of the type of ``other`` beside it in
    every panel: the rows compared whole, or the pairs listed type by type."""
    if pairs is None:
        return bool(np.array_equal(share[one], share[other]))
    # Type by type, panels ascending; as 16-bit keys where they fit (numpy sorts those
    # by counting, the same order).
    keys = pairs.types.astype(np.uint16) if share.shape[0] <= 2**16 else pairs.types
    by = np.argsort(keys, kind="stable")
    count = np.bincount(pairs.types, minlength=share.shape[0])
    if not np.array_equal(count[one], count[other]):
        return False
    start = np.cumsum(count) - count

    def spread(types: np.ndarray) -> np.ndarray:  # positions in ``by`` of the types' pairs
        sizes = count[types]
        return by[
            np.repeat(start[types] - (np.cumsum(sizes) - sizes), sizes) + np.arange(sizes.sum())
        ]

    mine, theirs = spread(one), spread(other)
    same = np.array_equal(pairs.cols[mine], pairs.cols[theirs])
    return same and bool(np.array_equal(pairs.share[mine], pairs.share[theirs]))


def _best_move(
    few: Types,
    every: Types,
    dev: np.ndarray,
    reps: np.ndarray,
    sources: np.ndarray,
    sinks: np.ndarray,
    cap: float,
    best: Key,
) -> tuple[int, int, Key] | None:
    """The move (source, sink, its key) that the full search over sources x sinks takes.

    Per source, the full search takes the allowed sink first by (drop, rise, squares,
    sink); a later source replaces it only with a smaller key. The extremes are taken
    over ``few`` (the types ``reps`` of ``every``, which hold them), the squares over
    ``every`` type, for all sources at once. A source whose every drop exceeds ``best``'s
    is set aside (a later source meets a ``best`` no larger), first by a floor, then by
    its drops; the rises (and so whether a move's change stays within ``cap``: its largest
    size is the larger of its drop and rise) are taken for the others.
    """
    seated, low_dev = few.seated, dev[reps]
    # The sinks' shares: their columns (``few.share`` is Fortran-ordered) one per row, the
    # largest per type down them (not across short rows), read so by ``Extremes`` too.
    cols = few.share.T[sinks]
    live = sources[_drop_floors(few, low_dev, sources, cols.max(axis=0, initial=0.0)) <= best[0]]
    if live.size == 0:
        return None
    wide = max(seated[a].size for a in live.tolist()) + max(seated[b].size for b in sinks.tolist())
    after = Extremes(few, low_dev, sinks, cols, wide)
    drops = after.drops(live)
    others = sinks[None, :] != live[:, None]
    low = np.round(drops, 9)
    keep = np.where(others, low, np.inf).min(axis=1, initial=np.inf) <= best[0]  # others lose
    live, drops, low, others = live[keep], drops[keep], low[keep], others[keep]
    rises = after.rises(keep)
    high = np.round(rises, 9)
    allowed = (np.maximum(drops, rises) <= cap + 1e-9) & others  # the largest size
    least = np.where(allowed, low, np.inf).min(axis=1, initial=np.inf)  # (drop, rise) first
    tied = allowed & (low == least[:, None])
    then = np.where(tied, high, np.inf).min(axis=1, initial=np.inf)
    tied &= high == then[:, None]
    # The sources the loop below takes up: those no worse in (drop, rise) than best and
    # every source before them (that is best's (drop, rise) when it comes to them); their
    # moves' squares are estimated at once.
    firsts = list(zip(least.tolist(), then.tolist(), strict=True))
    bar, taken = best[:2], []
    for i, first in enumerate(firsts):
        if first <= bar and tied[i].any():
            bar = first
            taken.append(i)
    squares = SquaresNow(every.share, every.seated, every.once, dev, every.member, every.own)
    pick, col = np.nonzero(tied[taken])
    if pick.size:
        squares.estimate(live[taken][pick], sinks[col])
    found = None
    for i in taken:
        a, first = int(live[i]), firsts[i]
        b, sum_b = squares.smallest(a, sinks[tied[i]])
        if first < best[:2] or sum_b.below(best[2]):  # (first == best[:2] here)
            best = (first[0], first[1], sum_b)
            found = (a, b, best)
    return found


def _drop_floors(few: Types, dev: np.ndarray, sources: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Per source, a floor under the rounded largest drop after any move from it.

    After a move from ``a`` to ``b`` a type's value is ``dev``, ``dev + share_b`` or
    ``dev + share_b - share_a``; with the largest share among the sinks (``top``) in place
    of ``share_b`` it is no smaller (float sums and rounding are monotone), so the drop
    from it is no larger, bit for bit.
    """
    ceiling = dev + top
    base = -ceiling.min(initial=0.0)
    rows, _, sizes = flat_rows(few.seated, sources)
    least = np.full(sources.size, np.inf)
    full = sizes > 0
    if rows.size:  # reduceat: runs cannot be empty
        starts = (np.cumsum(sizes) - sizes)[full]
        lost = np.concatenate([few.own[a] for a in sources.tolist()])
        least[full] = np.minimum.reduceat(ceiling[rows] - lost, starts)
    return np.round(np.maximum(np.maximum(base, -least), 0.0), 9)


def _r9(value: float) -> float:
    return round(float(value), 9)
