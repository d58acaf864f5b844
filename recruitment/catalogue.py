"""The message catalogue of recruitment: its templates are recruitment/locales/<lang>.json."""

from quotas.messages import Catalogue

CATALOGUE = Catalogue("recruitment")  # named in pyproject.toml, loaded by quotas.messages
