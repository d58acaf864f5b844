"""Rounding a lottery's panel weights to whole counts of m slots, each person's chance kept.

Iterative LP rounding in the style of Beck and Fiala: panel counts start at
``m * weight``; each round solves an LP (HiGHS simplex, a vertex, deterministic) that
keeps the number of panels and the expected seats of every "heavy" type fixed, then
freezes the counts that came out whole. A type stops being protected only once the
still-fractional panels give it at most ``k + 1`` expected seats in total, and each of
those counts then moves by less than one, so every person's probability changes by less
than (k + 1) / m (k = panel size). A local search then lowers the largest change.
"""

from __future__ import annotations

import numpy as np

from quotas.solvers import highs_optimal, new_highs_model
from sampling import portable
from sampling.rounding_extremes import head

__all__ = ["round_counts"]

_TOL = 1e-7
_SOURCES = 8  # panels tried as the source of a slot in each local-search move
_WATCH = 64  # most-changed types on which local-search moves are ranked
_CHECKS = 6  # ranked moves checked on all types before the search stops
_ROW_CAP = 200  # protected rows per LP beyond those the bound needs (LP speed)
_KEEP = 0.75  # share of the fractional panels' count kept as protected rows per LP
_BLOCK = 512  # rows of the share matrix read at once where all rows are read


def round_counts(share: np.ndarray, weights: np.ndarray, m: int, size: int) -> np.ndarray:
    """Integer panel counts summing to ``m``, ``share @ counts / m`` close to ``share @ weights``.

    ``share`` is types x panels with entries in [0, 1] and ``share.T @ type_counts == size``.
    """
    target = weights * m
    counts = np.floor(target + 1e-9).astype(np.int64)
    floating = np.flatnonzero(target - counts > _TOL)
    y = (target - counts)[floating]
    dropped = np.zeros(share.shape[0], dtype=bool)
    heavy = np.zeros(share.shape[0])
    while floating.size:
        n_float = floating.size
        kept = np.flatnonzero(~dropped)
        heavy[kept] = _row_sums(share, kept, floating)
        live = kept[heavy[kept] > _TOL]
        live = live[np.lexsort((live, -heavy[live]))]
        # Keep every type above k + 1 expected seats (that is what the bound needs; there are
        # at most n_float - 2 of them) and the heaviest others up to three quarters of the
        # panels (so each LP freezes a good share of them) or _ROW_CAP rows (so LPs stay fast).
        must = int(np.count_nonzero(heavy[live] > size + 1))
        room = max(must, min(n_float - 2, int(_KEEP * n_float), _ROW_CAP), 0)
        dropped[live[room:]] = True
        rows = live[:room]
        block = share[np.ix_(rows, floating)]
        z = _vertex(block, y)
        whole = (z < _TOL) | (z > 1 - _TOL)
        while not whole.any():
            if rows.size == 0:  # numerically stuck at the last step: round the largest shares
                z = _round_largest(z)
                whole[:] = True
                break
            dropped[rows[-1]] = True
            rows = rows[:-1]
            z = _vertex(block[: rows.size], y)
            whole = (z < _TOL) | (z > 1 - _TOL)
        counts[floating[whole & (z > 0.5)]] += 1
        floating, y = floating[~whole], z[~whole]
    return _improve(share, _fix_total(counts, target, m), target, m)


def _row_sums(share: np.ndarray, kept: np.ndarray, floating: np.ndarray) -> np.ndarray:
    """Each kept type's share of the floating panels, ``share[:, floating].sum(axis=1)[kept]``.

    Only the types still protected are read: after the first LP they are a few hundred of
    the (up to tens of thousands of) types. The sums are taken column after column, the
    order NumPy takes on ``share[:, floating]`` (which it lays out column by column), so
    each type's sum has the same bits whichever types are read with it.
    """
    plain = share.flags.c_contiguous and share.dtype == np.float64 and share.shape[0] > 1
    if not plain or floating.size == 0:
        return np.asarray(share[:, floating].sum(axis=1)[kept], dtype=float)
    if 2 * kept.size > share.shape[0]:  # most types (the first LP): all, in blocks of rows
        return _block_sums(share, floating)[kept]
    block = share[kept][:, floating]  # laid out column by column, as the whole matrix was
    total = block[:, 0].copy()
    for j in range(1, floating.size):
        total += block[:, j]
    return total


def _block_sums(share: np.ndarray, floating: np.ndarray) -> np.ndarray:
    """``share[:, floating].sum(axis=1)``, a block of rows at a time (blocks of at least two
    rows, which NumPy sums column after column, as it did the whole matrix)."""
    return np.concatenate([share[lo:hi][:, floating].sum(axis=1) for lo, hi in _blocks(share)])


def _deviations(share: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``portable.matvec(share, x)``, a block of rows at a time: NumPy sums each row of a
    C-ordered product on its own (pairwise), whichever rows are with it."""
    if not share.flags.c_contiguous:
        return portable.matvec(share, x)
    return np.concatenate([portable.matvec(share[lo:hi], x) for lo, hi in _blocks(share)])


def _blocks(share: np.ndarray) -> list[tuple[int, int]]:
    """The rows in blocks of _BLOCK, the last taking the rest (none of one row alone).

    A copy or product of a whole matrix of tens of thousands of types is written to fresh
    memory (its first use in a process cost as much as the rest of the rounding); a block
    is written to memory freed by the block before, and read while it is in the cache.
    """
    rows = share.shape[0]
    starts = list(range(0, max(rows - _BLOCK, 0) + 1, _BLOCK))
    return list(zip(starts, [*starts[1:], rows], strict=True))


def _vertex(rows: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A vertex of ``{z in [0,1]^n : rows @ z = rows @ y, sum z = sum y}`` (HiGHS simplex)."""
    a = np.vstack([rows, np.ones((1, y.size))])
    rhs = portable.matvec(a, y)
    cols, idx = np.nonzero(a.T)
    h = new_highs_model(
        np.zeros(y.size),
        (np.zeros(y.size), np.ones(y.size)),
        (rhs, rhs),
        (idx, cols, a.T[cols, idx]),
        presolve=False,  # the simplex answer itself is a vertex
    )
    h.run()
    if not highs_optimal(h):
        return y.copy()  # keeps the current point; the caller then drops a row and retries
    return np.clip(np.asarray(h.getSolution().col_value, dtype=float), 0.0, 1.0)


def _round_largest(z: np.ndarray) -> np.ndarray:
    ones = round(float(z.sum()))
    order = np.lexsort((np.arange(z.size), -z))
    out = np.zeros_like(z)
    out[order[:ones]] = 1.0
    return out


def _improve(
    share: np.ndarray, counts: np.ndarray, target: np.ndarray, m: int, moves: int = 500
) -> np.ndarray:
    """Local search: move one panel slot at a time while that lowers the largest change
    (or keeps it and lowers the sum of squared changes).

    The largest change never grows, so the rounding bound still holds. Candidate moves
    are ranked on the most-changed types only (for speed) and checked on all types before
    they are made; a move budget rather than a clock keeps the result machine-independent.
    """
    counts = counts.copy()
    dev = _deviations(share, counts - target) / m
    spread: float | None = None  # dev's sum of squares, taken when a move keeps the peak
    for _ in range(moves):
        size = np.abs(dev)
        peak = float(size.max(initial=0.0))
        watch = head(-size, _WATCH)  # the stable sort's first _WATCH
        sign = 1.0 if dev[watch[0]] > 0 else -1.0
        # Take a slot from a panel that gives the worst type much of what it has too much
        # of (or little of what it lacks), and give it to the panel that helps most.
        held = np.flatnonzero(counts > 0)
        held = held[np.lexsort((held, -sign * share[watch[0], held]))][:_SOURCES]
        # Watched types x sources x sinks, each entry as one source's (watched x sinks)
        # array gave it; maxima and sums down the first axis, type after type, alike.
        seen = share[watch]
        after = dev[watch, None, None] + (seen[:, None, :] - seen[:, held, None]) / m
        high = np.abs(after).max(axis=0)
        high[np.arange(held.size), held] = np.inf
        squares = (after * after).sum(axis=0)
        firsts = np.lexsort((squares, high), axis=-1)[:, :2]
        ranked = [
            (float(high[i, b]), float(squares[i, b]), a, b)
            for i, a in enumerate(held.tolist())
            for b in firsts[i].tolist()
        ]
        for _, _, a, b in sorted(ranked)[:_CHECKS]:
            moved = dev + (share[:, b] - share[:, a]) / m
            new_peak = float(np.abs(moved).max())
            moved_spread = None  # moved's sum of squares: needed only if the peak stays
            if peak - 1e-12 <= new_peak <= peak:
                if spread is None:
                    spread = portable.dot(dev, dev)
                moved_spread = portable.dot(moved, moved)
                if not moved_spread < spread - 1e-15:
                    continue
            elif not new_peak < peak - 1e-12:
                continue
            counts[a] -= 1
            counts[b] += 1
            dev, spread = moved, moved_spread
            break
        else:
            break
    return counts


def _fix_total(counts: np.ndarray, target: np.ndarray, m: int) -> np.ndarray:
    """Repair a total off by numerical round-off, moving the counts furthest from target."""
    counts = counts.copy()
    while counts.sum() < m:
        counts[int(np.argmax(target - counts))] += 1
    while counts.sum() > m:
        slack = np.where(counts > 0, target - counts, np.inf)
        counts[int(np.argmin(slack))] -= 1
    return counts
