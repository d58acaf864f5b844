"""The message catalogue of the service, and which of its codes are environment failures.

The English templates are in ``recruitment/locales/en.json``, the translations beside it
(same codes, same placeholders). Declared as the entry point ``recruitment`` of the group
``kleroterion.catalogues`` in ``pyproject.toml``; imports nothing heavy.
"""

from quotas.messages import Catalogue

CATALOGUE = Catalogue(
    "recruitment",
    environment_failures=frozenset(
        {
            "db_file_unwritable",
            "db_not_initialised",
            "db_schema_newer",
            "db_schema_out_of_date",
            "db_unreachable",
            "run_lost",
            "secret_key_invalid",
            "secret_key_missing",
            "secret_key_wrong",
            "selection_interrupted",
        }
    ),
)
