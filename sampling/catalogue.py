"""The message catalogue of the selection engine, and which of its codes are environment failures.

The English templates are in ``sampling/locales/en.json``, the translations beside it
(same codes, same placeholders). Declared as the entry point ``sampling`` of the group
``kleroterion.catalogues`` in ``pyproject.toml``; imports nothing heavy.
"""

from quotas.messages import Catalogue

CATALOGUE = Catalogue(
    "sampling",
    environment_failures=frozenset(
        {
            "legacy_failed",
        }
    ),
)
