"""The message catalogue of the synthetic pools, and which of its codes are environment failures.

The English templates are in ``synthetic_data/locales/en.json``, the translations beside it
(same codes, same placeholders). Declared as the entry point ``synthetic_data`` of the group
``kleroterion.catalogues`` in ``pyproject.toml``; imports nothing heavy.
"""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("synthetic_data")
