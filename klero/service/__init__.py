"""Service commands: thin entry points that parse, call one of ``recruitment``'s use cases, print.

They load the database stack (SQLAlchemy, Alembic, cryptography), so ``klero.app`` imports
them only when one of them runs; ``klero.service.commands`` lists them all.
"""
