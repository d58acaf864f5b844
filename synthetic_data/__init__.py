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

# public name -> the module that defines it
_WHERE = {
    "ADDRESS_COLUMNS": "synthetic_data.generate",
    "CHANNELS": "synthetic_data.population",
    "COUNTRIES": "synthetic_data.countries",
    "EXTRA_FEATURES": "synthetic_data.population",
    "FEATURES": "synthetic_data.countries",
    "HOUSEHOLD_SHARE": "synthetic_data.population",
    "PII_COLUMNS": "synthetic_data.generate",
    "Country": "synthetic_data.countries",
    "Locales": "synthetic_data.countries",
    "available_countries": "synthetic_data.countries",
    "country": "synthetic_data.countries",
    "faker_locales": "synthetic_data.countries",
    "generate_pool": "synthetic_data.generate",
    "margins_dict": "synthetic_data.countries",
    "margins_frame": "synthetic_data.countries",
    "margins_object": "synthetic_data.generate",
    "population_margins": "synthetic_data.generate",
    "write_synthetic": "synthetic_data.generate",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_names(__name__, _WHERE)


if TYPE_CHECKING:  # the same names, for type checkers and editors
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
