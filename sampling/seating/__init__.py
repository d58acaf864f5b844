"""Tables for the day: every participant at one table per round, each table like the panel.

``seat_tables(SeatingRequest(...))`` (re-exported by ``sampling``) returns a ``Seating``:
each person's table in each round, each table's deviation from the panel's mix, the
pairs who meet twice, and the same figures for a random seating. The modules: ``model``
(request, result), ``cells`` (units, languages, time zones, cells), ``search`` (greedy
deal, swap search), ``cpsat`` (CP-SAT per cell and round), ``figures``, ``seat`` (the
door), ``files`` (the constraint files: together, apart, facilitators).
"""
