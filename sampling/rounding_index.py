"""Panels found by key through a digest of their pairs, for the swaps (``sampling.rounding_swaps``).

A panel's key is its (type, seats) pairs, types ascending: a tuple of up to a panel's size
pairs, which a dict hashes pair by pair each time it is looked up. A swap makes a panel
from a parent by moving one seat, so the digest of the new key (the sum, modulo 2**64, of
a spread-out 64-bit number per pair: ``mix``) follows from the parent's in a few
operations; ``Index`` numbers the panels by digest, comparing keys only when a digest is
already known. The starting panels' digests are summed with numpy (``digests``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Index", "digests", "mix"]

Composition = tuple[tuple[int, int], ...]
_MASK = (1 << 64) - 1
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def mix(t: int, s: int) -> int:
    """Type t's s seats in a panel as 64 spread bits (splitmix64's finalizer), which a
    panel's digest sums (``Index``), modulo 2**64."""
    x = ((t << 32 | s) + _GOLDEN) & _MASK
    x = ((x ^ x >> 30) * _MIX1) & _MASK
    x = ((x ^ x >> 27) * _MIX2) & _MASK
    return x ^ x >> 31


def digests(types: np.ndarray, seats: np.ndarray, starts: np.ndarray) -> list[int]:
    """Per panel the sum of ``mix`` of its pairs (from ``starts``), with numpy's 64-bit
    integers (they wrap modulo 2**64 as ``mix`` does)."""
    x = (types.astype(np.uint64) << np.uint64(32) | seats.astype(np.uint64)) + np.uint64(_GOLDEN)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(_MIX1)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(_MIX2)
    x ^= x >> np.uint64(31)
    sums = np.zeros(x.size + 1, dtype=np.uint64)
    np.cumsum(x, out=sums[1:])
    return (sums[starts[1:]] - sums[starts[:-1]]).tolist()


class Index:
    """The panels' numbers by key, as a dict of the keys numbers them (a key listed twice:
    its last number), found by the keys' digests: a new panel's digest follows from its
    parent's in a few operations (``moved``), where hashing its key reads all its pairs.

    Two different keys may share a digest (a chance of about one in 2**64 a pair): the
    first number given a digest is kept by it, the other keys are in ``clashes``.
    """

    def __init__(self, keys: list[Composition], digests: list[int]) -> None:
        """``keys``: the panels in order, a list that the owner appends to with
        ``digests`` (theirs, a list of its own) after each new number (``setdefault``)."""
        self.keys, self.digests = keys, digests
        self.first: dict[int, int] = {}
        self.clashes: dict[Composition, int] = {}
        for k, digest in enumerate(digests):
            kept = self.first.setdefault(digest, k)
            if kept != k and keys[kept] == keys[k]:
                self.first[digest] = k
            elif kept != k:
                self.clashes[keys[k]] = k

    def setdefault(self, digest: int, key: Composition) -> int:
        """The number of ``key`` (of ``digest``), or ``len(keys)`` when it has none yet: it
        is then given that number and its digest kept (the owner appends the key)."""
        n = len(self.keys)
        k = self.first.setdefault(digest, n)
        if k != n and self.keys[k] != key:
            k = self.clashes.setdefault(key, n)
        if k == n:
            self.digests.append(digest)
        return k

    def moved(self, j: int, u: int, t: int, seats: tuple[int, int]) -> int:
        """The digest of panel j with a seat of u given to t, ``seats`` their seats in j."""
        had, has = seats
        digest = self.digests[j] - mix(u, had) + mix(t, has + 1)
        digest += (mix(u, had - 1) if had > 1 else 0) - (mix(t, has) if has else 0)
        return digest & _MASK
