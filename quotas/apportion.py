"""Apportionment: share a panel's seats among categories in proportion to population shares.

``apportion`` turns shares into whole seats summing to the panel size; ``exact_quotas``
gives the fractional seats each share deserves. The message codes raised here
(``apportion_*``) are in quotas' catalogue.

What each method guarantees, with exact quota q = share * size and seats a:

    method                          seats sum   floor(q) <= a <= ceil(q)   size+1 never
                                    to size                                 takes a seat
    largest-remainder (default)     yes         yes                        yes
    sainte-lague                    yes         yes                        yes
    largest-remainder, textbook     yes         yes                        no (Alabama paradox)
    sainte-lague, textbook          yes         no (rarely)                yes

The default (``textbook=False``) hands out seats one at a time, size = 1, 2, ...,
each to the eligible category with the best priority: the largest remainder
``q_i - a_i`` or the largest ``share_i / (2 a_i + 1)`` (Sainte-Laguë / Webster). A
category is eligible when one more seat keeps it within its upper quota and leaves
enough seats for every lower quota at every larger size (Still's test, 1979). With
two categories it always equals the textbook method; with more it may differ by one
seat, where the textbook Hamilton result would not survive a larger panel.

Shares are read as exact decimals (0.29 means 29/100), so ties are exact and
broken by the order the categories are given in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from fractions import Fraction

import numpy as np

from quotas.problems import KleroError


class Method(StrEnum):
    """How seats are shared out among categories (what each guarantees: see above)."""

    LARGEST_REMAINDER = "largest-remainder"
    SAINTE_LAGUE = "sainte-lague"


METHODS: tuple[Method, ...] = tuple(Method)


def apportion(
    shares: Sequence[float],
    size: int,
    method: Method = Method.LARGEST_REMAINDER,
    *,
    textbook: bool = False,
) -> list[int]:
    """Share ``size`` seats among categories in proportion to ``shares``; seats sum to ``size``.

    Shares need not sum to 1 (they are rescaled). A zero share gets no seat. See the
    module docstring for what each method and ``textbook`` guarantee.

    >>> apportion([0.51, 0.49], 35)
    [18, 17]
    >>> apportion([0.5, 0.3, 0.2], 7, "sainte-lague")
    [4, 2, 1]
    """
    if method not in METHODS:
        raise KleroError("apportion_method_unknown", method=method, known=", ".join(METHODS))
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise KleroError("panel_size_invalid", size=size)
    weights = _integer_weights(shares)
    if size == 0:
        return [0] * len(weights)
    if sum(weights) == 0:
        raise KleroError("apportion_shares_all_zero", size=size)
    if textbook and method == "largest-remainder":
        return _hamilton(weights, size)
    return _sequential(weights, size, method, quota_test=not textbook)


def exact_quotas(shares: Sequence[float], size: int) -> list[Fraction]:
    """The exact (fractional) seats each share deserves, read as exact decimals."""
    weights = _integer_weights(shares)
    total = sum(weights)
    return [Fraction(w * size, total) if total else Fraction(0) for w in weights]


def _exact(share: object, index: int) -> Fraction:
    if isinstance(share, bool):
        raise KleroError("apportion_share_invalid", index=index, share=share)
    try:
        # str() gives the shortest decimal of a float, so 0.29 is read as 29/100.
        value = Fraction(share) if isinstance(share, int | Fraction) else Fraction(str(share))
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        raise KleroError("apportion_share_invalid", index=index, share=share) from exc
    if value < 0:
        raise KleroError("apportion_share_invalid", index=index, share=share)
    return value


def _integer_weights(shares: Sequence[object]) -> list[int]:
    """Integer weights with exactly the ratios of the shares."""
    exact = [_exact(s, i) for i, s in enumerate(shares, start=1)]
    if not exact:
        return []
    denominator = math.lcm(*(f.denominator for f in exact))
    weights = [int(f * denominator) for f in exact]
    common = math.gcd(*weights)
    return [w // common for w in weights] if common > 1 else weights


def _hamilton(weights: list[int], size: int) -> list[int]:
    total = sum(weights)
    seats = [w * size // total for w in weights]
    remainders = [w * size % total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: size - sum(seats)]:
        seats[i] += 1
    return seats


def _sequential(weights: list[int], size: int, method: Method, *, quota_test: bool) -> list[int]:
    """Hand out seats one at a time to the best eligible category (see module docstring)."""
    total = sum(weights)
    seats = [0] * len(weights)
    scan = _LowerQuotaScan(weights, size) if quota_test else None
    for house in range(1, size + 1):
        if method == "largest-remainder":
            # remainder q_i(house) - a_i, scaled by the total weight to stay integral
            key = [w * house - a * total for w, a in zip(weights, seats, strict=True)]
            order = sorted(range(len(weights)), key=lambda i: (-key[i], i))
        else:
            ratio = [Fraction(w, 2 * a + 1) for w, a in zip(weights, seats, strict=True)]
            order = sorted(range(len(weights)), key=lambda i: (-ratio[i], i))
        chosen = order[0]
        if scan is not None:
            chosen = scan.first_eligible(order, seats, house)
        seats[chosen] += 1
    return seats


class _LowerQuotaScan:
    """Still's test: which categories can take seat ``house`` without breaking quota later.

    With seats ``a`` (summing to house - 1) that pass the test, let D(h) be the seats
    still owed at a later size h: sum over i of max(0, floor(q_i(h)) - a_i). It never
    exceeds h - house + 1. Giving the seat to i is safe unless at some h >= house the
    bound is tight and i owes nothing at h; since floor(q_i(h)) grows with h, only the
    first tight h matters, and only below the size where i would be owed its next seat.
    """

    def __init__(self, weights: list[int], size: int) -> None:
        self.total = sum(weights)
        self.weights = weights
        # no size scanned exceeds (size + 1) * total, the size where a share of 1 earns a seat
        big = max(weights) * self.total * (size + 2)
        # int64 when every product fits, else exact Python integers
        self.dtype: type = np.int64 if big < 2**62 else object
        self.w = np.array(weights, dtype=self.dtype)

    def _next_seat_size(self, i: int, seats_i: int) -> int:
        """Smallest panel size at which category i's lower quota reaches seats_i + 1."""
        return -(-(seats_i + 1) * self.total // self.weights[i])

    def first_eligible(self, order: list[int], seats: list[int], house: int) -> int:
        a: np.ndarray = np.array(seats, dtype=self.dtype)
        scanned_to = house  # sizes in [house, scanned_to) have been checked
        tight: int | None = None
        for i in order:
            w = self.weights[i]
            if w == 0 or seats[i] * self.total >= w * house:
                continue  # upper quota: a_i must stay below q_i(house)
            limit = self._next_seat_size(i, seats[i])
            while tight is None and scanned_to < limit:
                stop = min(limit, scanned_to + max(64, scanned_to - house))
                tight = self._first_tight(a, house, scanned_to, stop)
                scanned_to = stop
            if tight is None or tight >= limit:
                return i
        raise AssertionError("no eligible category: the quota test is broken")  # pragma: no cover

    def _first_tight(self, a: np.ndarray, house: int, start: int, stop: int) -> int | None:
        sizes: np.ndarray = np.arange(start, stop, dtype=np.int64).astype(self.dtype)
        lower = (self.w[:, None] * sizes[None, :]) // self.total
        owed = np.maximum(lower - a[:, None], 0).sum(axis=0)
        hits = np.nonzero(owed == sizes - house + 1)[0]
        return int(start + hits[0]) if len(hits) else None
