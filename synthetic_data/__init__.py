"""Realistic synthetic volunteer pools and approximate census margins for demos, tests, benchmarks.

Names are loaded on first use, so a module that only needs the package's message
catalogue (``synthetic_data.catalogue``) does not load pandas and Faker.

>>> from synthetic_data import generate_pool, margins_frame
>>> pool = generate_pool("FR", 100, seed=7, pii=False)
>>> sorted(set(pool["education"])) == sorted(set(
...     margins_frame("FR").query("feature == 'education'")["value"]))
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quotas.lazy import lazy_names

if TYPE_CHECKING:  # the public names: read by type checkers, editors and lazy_names
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

# The names above, each loaded from its module on first use.
__getattr__, __dir__, __all__ = lazy_names(__name__)
