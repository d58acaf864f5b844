"""The file commands: klero check, quotas, select on files, verify, replace and synth.

They read and write files with ``quotas``, ``sampling`` and ``synthetic_data`` only: no
database, no encryption, no web stack (tests/klero/test_boundaries.py holds them to it).
"""
