"""The message catalogue of the `klero` command, and which codes are environment failures.

The English templates are in ``klero/locales/en.json``, the translations beside it
(same codes, same placeholders). Declared as the entry point ``klero`` of the group
``kleroterion.catalogues`` in ``pyproject.toml``; imports nothing heavy.
"""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("klero")
