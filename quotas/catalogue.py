"""The message catalogue of quotas: its templates are quotas/locales/<lang>.json."""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("quotas")  # named in pyproject.toml, loaded by quotas.messages
