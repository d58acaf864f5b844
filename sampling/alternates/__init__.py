"""Alternates and replacements: who is called when panel members drop out, and why.

- ``dropouts``: per-person drop-out rates, sampled scenarios, quota deviation.
- ``records``: drop-out rates as recorded with a run (hashed, stored, reported).
- ``select``: the ranked list of alternates (``select_alternates``), by either method.
- ``search``, ``mip``, ``expected``: the ``optimised`` method's searches and integer programs.
- ``bound``: the floor no list of alternates can go below.
- ``replace``: filling the seats of people who dropped out.
"""
