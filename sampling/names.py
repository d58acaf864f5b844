"""The names a person types to choose how a panel is selected, parsed once into enums.

The command line, the service and the dashboard receive text; each parses it here, at
its boundary, and passes the enum on, so the lists of algorithms and methods are stated
once and nothing inside compares strings. A ``StrEnum`` member is its own name as text,
so it is stored, hashed and shown exactly as before.

>>> Algorithm.parse("nash")
<Algorithm.NASH: 'nash'>
>>> [str(a) for a in Algorithm]
['leximin', 'maximin', 'nash', 'legacy']
"""

from __future__ import annotations

from enum import StrEnum

from quotas.problems import parse_name

__all__ = ["Algorithm", "AlternatesMethod", "AlternatesSearch"]


class Algorithm(StrEnum):
    """How the lottery over panels is computed (``sampling.engine.select``)."""

    LEXIMIN = "leximin"
    MAXIMIN = "maximin"
    NASH = "nash"
    LEGACY = "legacy"  # the greedy method most practitioners used, for comparison

    @classmethod
    def parse(cls, value: object) -> Algorithm:
        """The algorithm named ``value``; KleroError ``selection_algorithm_unknown`` if none."""
        known = ", ".join(cls)
        return parse_name(cls, value, "selection_algorithm_unknown", algorithm=value, known=known)


class AlternatesMethod(StrEnum):
    """How alternates are chosen (``sampling.alternates.select``)."""

    OPTIMISED = "optimised"  # least expected quota deviation after drop-outs
    SCALED = "scaled"  # the practitioners' mini-panel under scaled quotas

    @classmethod
    def parse(cls, value: object) -> AlternatesMethod:
        """The method named ``value``; KleroError ``alternates_method_unknown`` if none."""
        return parse_name(cls, value, "alternates_method_unknown", method=value)


class AlternatesSearch(StrEnum):
    """How the ``optimised`` method searches (``sampling.alternates.search.optimise``)."""

    EXPECTED = "expected"
    SWAP = "swap"
    MIP = "mip"

    @classmethod
    def parse(cls, value: object) -> AlternatesSearch:
        """The search named ``value``; KleroError ``alternates_search_unknown`` if none."""
        return parse_name(cls, value, "alternates_search_unknown", search=value)
