"""Benchmark instance families: a synthetic pool, its margins, quotas and panel size in one call.

A family fixes the pool size, panel size, features, tolerance and self-selection bias;
the seed picks one instance of it. Use it in benchmarks and tests of the engine::

    pool, margins, quotas, size = benchmark_instance("small", seed=1)
    people = Pool.build(pool["id"], pool[list(quotas.features)], quotas, pool["household"])

=================  =========  =====  ===========================================  ========
family             pool       panel  features (number of values)                  tol.
=================  =========  =====  ===========================================  ========
``two_features``   2,000      200    gender (2), age (6)                          5 pts
``small``          2,000      150    the six standard + occupation (2-6 each)     5 pts
``tight``          2,000      150    as ``small``                                 2 pts
``sf_e_like``      1,727      110    as ``small``                                 5 pts
``medium``         10,000     200    as ``small``                                 5 pts
``online``         100,000    1,000  as ``small`` + household_size (8 features)   5 pts
``online_de``      100,000    1,000  as ``online``, Germany's 16 regions          5 pts
=================  =========  =====  ===========================================  ========

All families but ``online_de`` use the fictional country Testland (``XX``, five regions)
with bias 1.0 so that every feature has 2 to 6 values (``online_de`` has 2 x 6 x 3 x 2 x
16 x 2 x 5 x 4 categories); pass an ``InstanceParams`` to vary any of them,
e.g. ``InstanceParams(5_000, 100, STANDARD, country="KE", bias=0.5)``. The extra
features (occupation, household size) follow a generic age-dependent model, not census
figures. Pools carry no personal details; ``household`` marks shared addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from quotas.model import QuotaTable
from quotas.problems import InvalidInput, Problem
from quotas.targets import Margins, quotas_from_margins
from synthetic_data.countries import FEATURES
from synthetic_data.generate import generate_pool, margins_object, population_margins
from synthetic_data.population import EXTRA_FEATURES

#: The six features of every shipped margins file.
STANDARD: tuple[str, ...] = FEATURES
SEVEN: tuple[str, ...] = (*FEATURES, "occupation")
EIGHT: tuple[str, ...] = (*FEATURES, "occupation", "household_size")


@dataclass(frozen=True)
class InstanceParams:
    """What a benchmark instance looks like; the seed then draws one."""

    pool_size: int
    panel_size: int
    features: tuple[str, ...] = SEVEN
    tolerance_points: float = 5.0
    bias: float = 1.0
    country: str = "XX"


FAMILIES: dict[str, InstanceParams] = {
    "two_features": InstanceParams(2_000, 200, ("gender", "age")),
    "small": InstanceParams(2_000, 150),
    "tight": InstanceParams(2_000, 150, tolerance_points=2.0),
    "sf_e_like": InstanceParams(1_727, 110),
    "medium": InstanceParams(10_000, 200),
    "online": InstanceParams(100_000, 1_000, EIGHT),
    "online_de": InstanceParams(100_000, 1_000, EIGHT, country="DE"),
}


def family(name: str) -> InstanceParams:
    """The parameters of a named family, or InvalidInput listing the known names."""
    found = FAMILIES.get(name)
    if found is None:
        known = ", ".join(sorted(FAMILIES))
        raise InvalidInput([Problem("synth_family_unknown", {"family": name, "known": known})])
    return found


def benchmark_instance(
    name_or_params: str | InstanceParams, seed: int
) -> tuple[pd.DataFrame, Margins, QuotaTable, int]:
    """``(pool frame, margins, quota table, panel size)`` of one instance of a family.

    The pool frame has ``id``, one column per feature of the quota table (same names)
    and ``household``; the quotas are the population margins apportioned to the panel
    size, plus or minus the family's tolerance in percentage points.

    >>> pool, margins, quotas, size = benchmark_instance("two_features", seed=3)
    >>> len(pool), size, quotas.features
    (2000, 200, ('gender', 'age'))
    """
    params = family(name_or_params) if isinstance(name_or_params, str) else name_or_params
    unknown = [f for f in params.features if f not in STANDARD and f not in EXTRA_FEATURES]
    if unknown:
        known = ", ".join(sorted(EXTRA_FEATURES))
        raise InvalidInput(
            [
                Problem("synth_extra_feature_unknown", {"feature": f, "known": known})
                for f in unknown
            ]
        )
    extras = tuple(f for f in params.features if f in EXTRA_FEATURES)
    frame = generate_pool(
        params.country, params.pool_size, seed, bias=params.bias, pii=False, extras=extras
    )
    all_margins = population_margins(params.country, extras)
    margins = margins_object({f: all_margins[f] for f in params.features})
    quotas = quotas_from_margins(
        margins, params.panel_size, tolerance_points=params.tolerance_points
    )
    pool = frame[["id", *params.features, "household"]].copy()
    return pool, margins, quotas, params.panel_size


def scaled(name: str, pool_size: int, panel_size: int) -> InstanceParams:
    """A named family at another pool and panel size (e.g. for scaling curves)."""
    return replace(family(name), pool_size=pool_size, panel_size=panel_size)
