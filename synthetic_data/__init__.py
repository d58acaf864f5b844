"""Realistic synthetic volunteer pools and approximate census margins for demos, tests, benchmarks.

>>> from synthetic_data import generate_pool, margins_frame
>>> pool = generate_pool("FR", 100, seed=7, pii=False)
>>> sorted(set(pool["education"])) == sorted(set(
...     margins_frame("FR").query("feature == 'education'")["value"]))
True
"""

from synthetic_data.countries import (
    COUNTRIES,
    FEATURES,
    Country,
    Locales,
    available_countries,
    country,
    faker_locales,
    margins_dict,
    margins_frame,
)
from synthetic_data.generate import (
    ADDRESS_COLUMNS,
    PII_COLUMNS,
    generate_pool,
    margins_object,
    population_margins,
    write_synthetic,
)
from synthetic_data.population import CHANNELS, EXTRA_FEATURES, HOUSEHOLD_SHARE

__all__ = [
    "ADDRESS_COLUMNS",
    "CHANNELS",
    "COUNTRIES",
    "EXTRA_FEATURES",
    "FEATURES",
    "HOUSEHOLD_SHARE",
    "PII_COLUMNS",
    "Country",
    "Locales",
    "available_countries",
    "country",
    "faker_locales",
    "generate_pool",
    "margins_dict",
    "margins_frame",
    "margins_object",
    "population_margins",
    "write_synthetic",
]
