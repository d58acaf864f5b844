"""Sets of panels as bits of Python integers, for the swaps' search (``sampling.rounding_swaps``).

Bit j stands for panel j (the swaps' numbering). Kept up to date as panels are added and
come into or go out of use: the panels in use, and per category the panels where it is
full (at its maximum) and where it is at its minimum. A panel's categories never change
once it is recorded, so only a new panel sets bits there.

A swap that gives a seat of type u to type t in panel j must find, on every feature where
u and t differ, t's category not full in j and u's not at its minimum (``Swaps._help``).
``allowed`` turns that into one set per category: the panels a giver of that category
may give in, so that the panels where u may give are the intersection over u's
categories (its categories shared with t allow every panel with room for t).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["PanelBits", "ones"]


class PanelBits:
    """Panels in use, and per category the panels where it is full or at its minimum."""

    def __init__(self, features: Sequence[int], full: list[int], least: list[int]) -> None:
        """``features``: each category's feature; ``full``/``least``: per panel its
        categories at their maximum/minimum, as bits (``1 << category``)."""
        width = len(features)
        by_feature: dict[int, list[int]] = {}
        for c, f in enumerate(features):
            by_feature.setdefault(f, []).append(c)
        self.others = [[d for d in by_feature[f] if d != c] for c, f in enumerate(features)]
        self.full = [0] * width
        self.least = [0] * width
        self.live = 0
        for j, (most, low) in enumerate(zip(full, least, strict=True)):
            self.add(j, most, low)

    def add(self, j: int, most: int, low: int) -> None:
        """Record panel j's full and least categories (bits)."""
        bit = 1 << j
        for rows, cats in ((self.full, most), (self.least, low)):
            while cats:
                lowest = cats & -cats
                rows[lowest.bit_length() - 1] |= bit
                cats ^= lowest

    def use(self, j: int, on: bool) -> None:
        """Panel j comes into use (``on``) or goes out of it."""
        if on:
            self.live |= 1 << j
        else:
            self.live &= ~(1 << j)

    def allowed(self, mine: Sequence[int], room: int) -> list[int]:
        """Per category, the panels of ``room`` where a giver of that category may give a
        seat to a type of categories ``mine`` (one per feature): all of ``room`` for
        ``mine``, else those where the taker's category of that feature is not full and
        this one is not at its minimum."""
        out = [room] * len(self.full)
        full, least = self.full, self.least
        for c in mine:
            shut = full[c]
            for d in self.others[c]:
                out[d] = room & ~(shut | least[d])
        return out


def ones(bits: int) -> list[int]:
    """The positions of the set bits, ascending."""
    out = []
    while bits:
        lowest = bits & -bits
        out.append(lowest.bit_length() - 1)
        bits ^= lowest
    return out
