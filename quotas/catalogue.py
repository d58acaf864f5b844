"""The message catalogue of quotas (the panel domain), and which codes are environment failures.

The English templates are in ``quotas/locales/en.json``, the translations beside it
(same codes, same placeholders). Declared as the entry point ``quotas`` of the group
``kleroterion.catalogues`` in ``pyproject.toml``; imports nothing heavy.
"""

from quotas.messages import Catalogue

CATALOGUE = Catalogue(
    "quotas",
    environment_failures=frozenset(
        {
            "feasibility_timeout",
            "out_dir_not_writable",
            "out_file_not_written",
            "out_files_not_restored",
        }
    ),
)
