"""The ``klero`` command: file commands (``klero.files``) and service commands (``klero.service``).

File commands work on pool, quota and result files and never load the database stack;
service commands open the database through ``recruitment``'s use cases and load only when
one of them runs (``klero.app``). Nothing in the project imports this package.
"""
