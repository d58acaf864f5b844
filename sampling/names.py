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

from quotas.problems import Choice

__all__ = ["Algorithm", "AlternatesMethod", "AlternatesSearch"]


class Algorithm(Choice, unknown="selection_algorithm_unknown", param="algorithm"):
    """How the lottery over panels is computed (``sampling.engine.select``)."""

    LEXIMIN = "leximin"
    MAXIMIN = "maximin"
    NASH = "nash"
    LEGACY = "legacy"  # the greedy method most practitioners used, for comparison


class AlternatesMethod(Choice, unknown="alternates_method_unknown", param="method"):
    """How alternates are chosen (``sampling.alternates.select``)."""

    OPTIMISED = "optimised"  # least expected quota deviation after drop-outs
    SCALED = "scaled"  # the practitioners' mini-panel under scaled quotas


class AlternatesSearch(Choice, unknown="alternates_search_unknown", param="search"):
    """How the ``optimised`` method searches (``sampling.alternates.search.optimise``)."""

    EXPECTED = "expected"
    SWAP = "swap"
    MIP = "mip"
