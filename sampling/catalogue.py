"""The message catalogue of sampling: its templates are sampling/locales/<lang>.json."""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("sampling")  # named in pyproject.toml, loaded by quotas.messages
