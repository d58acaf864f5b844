"""The message catalogue of synthetic_data: its templates are synthetic_data/locales/<lang>.json."""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("synthetic_data")  # named in pyproject.toml, loaded by quotas.messages
