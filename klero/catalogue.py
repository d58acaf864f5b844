"""The message catalogue of klero: its templates are klero/locales/<lang>.json."""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("klero")  # named in pyproject.toml, loaded by quotas.messages
