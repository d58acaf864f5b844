"""The algorithms: a fair distribution over the feasible panels of a pool and its quotas.

- ``oracle``: the panel polytope over types and its pricing oracle (best panel for weights).
- ``master``: the master LP of column generation (a lottery over the panels found so far).
- ``relaxation`` and ``decompose``: the LP relaxation's leximin point, split into panels
  along faces (the fast path that usually certifies the result without column generation).
- ``leximin``, ``maximin``, ``nash`` (+ ``nash_relaxed``, ``nash_dual``): the fair algorithms.
- ``legacy``: the practitioners' greedy baseline.
- ``select``: the one door, ``select_distribution`` (and the ``ENGINE`` version).
"""
