"""Generate a synthetic volunteer pool for a shipped country and write pool, margins and quotas.

Two random streams derive from the seed: one for the demographic features, one for
personal details, so a pool with and without personal details has the same people.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TypeGuard

import numpy as np
import pandas as pd

from quotas.exports import write_table
from quotas.formats import write_quotas
from quotas.problems import InvalidInput, Problem
from quotas.staging import Writer, write_all
from quotas.targets import Margins, quotas_from_margins
from synthetic_data.countries import (
    AGE_BANDS,
    COUNTRIES,
    EDUCATION,
    FEATURES,
    GENDERS,
    LITERACY,
    URBAN_RURAL,
    faker_locales,
    margins_dict,
    margins_frame,
)
from synthetic_data.countries import country as find_country
from synthetic_data.personal import personal_details
from synthetic_data.population import (
    CHANNELS,
    EXTRA_FEATURES,
    HOUSEHOLD_SHARE,
    POPULATION_FACTOR,
    age_shares,
    channels,
    draw_population,
    extra_margins,
    observed_score,
    pair_households,
    self_select,
    true_propensity,
)

#: Personal-detail columns (only with ``pii=True``); household address columns last.
PII_COLUMNS: tuple[str, ...] = ("name", "email", "phone", "street_address", "postcode", "city")
#: Columns a loader can use to find households: ``household`` always, the address with pii.
ADDRESS_COLUMNS: tuple[str, ...] = ("street_address", "postcode", "city")


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_real(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(size: object, seed: object, bias: object, extras: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if not _is_int(size) or int(size) < 1:  # type: ignore[call-overload]
        problems.append(Problem("synth_size_invalid", {"size": size}))
    if not _is_int(seed) or int(seed) < 0:  # type: ignore[call-overload]
        problems.append(Problem("synth_seed_invalid", {"seed": seed}))
    if not _is_real(bias) or not math.isfinite(bias) or bias < 0:
        problems.append(Problem("synth_bias_invalid", {"bias": bias}))
    for name in extras:
        if name not in EXTRA_FEATURES:
            known = ", ".join(sorted(EXTRA_FEATURES))
            problems.append(
                Problem("synth_extra_feature_unknown", {"feature": name, "known": known})
            )
    return problems


def _validated(
    country_code: str,
    size: object,
    seed: object,
    bias: object,
    extras: tuple[str, ...],
    more: tuple[Problem, ...] = (),
) -> str:
    """The country's code, or InvalidInput listing every problem of the arguments."""
    problems = _check(size, seed, bias, extras) + list(more)
    code = ""
    try:
        code = find_country(country_code).code
    except InvalidInput as error:
        problems = error.problems + problems
    if problems:
        raise InvalidInput(problems)
    return code


def population_margins(code: str, extras: tuple[str, ...] = ()) -> dict[str, dict[str, float]]:
    """The country's margins plus those of the requested extra features (benchmarks)."""
    margins = margins_dict(code)
    if extras:
        implied = extra_margins(age_shares(margins))
        margins.update({name: implied[name] for name in extras})
    return margins


def generate_pool(
    country: str,
    size: int,
    seed: int,
    *,
    bias: float = 1.0,
    pii: bool = True,
    extras: tuple[str, ...] = (),
    truth: bool = False,
) -> pd.DataFrame:
    """A pool of ``size`` synthetic volunteers of a shipped country, reproducible from ``seed``.

    Columns: ``id`` (e.g. ``FR-V000001``), the features ``gender, age, education,
    urban_rural, region, literacy`` (values as in the margins), any ``extras``
    (``occupation``, ``household_size``), ``household`` (shared by volunteers at the
    same address), ``registration_channel`` and, with ``pii``, ``name, email, phone,
    street_address, postcode, city``. ``bias`` is the self-selection strength (0 none).
    ``truth`` adds ``true_propensity``: the chance that a person with the volunteer's
    criteria registers (``synthetic_data.population.true_propensity``); the people are
    the same with or without it.
    Raises InvalidInput (``synth_unknown_country``, ``synth_size_invalid``, ...).

    >>> pool = generate_pool("XX", 5, seed=1, pii=False)
    >>> list(pool["id"])
    ['XX-V000001', 'XX-V000002', 'XX-V000003', 'XX-V000004', 'XX-V000005']
    """
    code = _validated(country, size, seed, bias, tuple(extras))
    margins = population_margins(code, tuple(extras))
    demo_rng = np.random.default_rng([int(seed), 0])
    population, score = draw_population(margins, POPULATION_FACTOR * size, demo_rng, tuple(extras))
    rows = self_select(score, size, float(bias), demo_rng)
    codes = {name: values[rows] for name, values in population.items()}
    cells = codes["region"] * len(URBAN_RURAL) + codes["urban_rural"]
    household = pair_households(cells, HOUSEHOLD_SHARE, demo_rng)
    channel = channels(codes, demo_rng)
    if "household_size" in codes:
        # people who share their address with another volunteer do not live alone
        shared = np.bincount(household, minlength=size)[household] > 1
        codes["household_size"] = np.where(
            shared & (codes["household_size"] == 0), 1, codes["household_size"]
        )

    width = max(6, len(str(size)))
    frame = pd.DataFrame({"id": [f"{code}-V{i:0{width}d}" for i in range(1, size + 1)]})
    for name, values in _feature_values(margins, tuple(extras)).items():
        frame[name] = np.array(values, dtype=object)[codes[name]]
    frame["household"] = [f"{code}-H{h:0{width}d}" for h in household + 1]
    frame["registration_channel"] = np.array(CHANNELS, dtype=object)[channel]
    if truth:
        observed = observed_score({name: codes[name] for name in ("education", "age")})
        frame["true_propensity"] = true_propensity(score, observed, size, float(bias))
    if pii:
        pii_rng = np.random.default_rng([int(seed), 1])
        faker_seed = int(pii_rng.integers(0, 2**31 - 1))
        details = personal_details(
            codes["gender"],
            household,
            faker_locales(code),
            COUNTRIES[code].calling_code,
            faker_seed,
            pii_rng,
        )
        for column in PII_COLUMNS:
            frame[column] = details[column].to_numpy()
    return frame


def _feature_values(
    margins: Mapping[str, Mapping[str, float]], extras: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """The values each feature's codes index: fixed orders, regions as in the margins file."""
    fixed = {
        "gender": GENDERS,
        "age": AGE_BANDS,
        "education": EDUCATION,
        "urban_rural": URBAN_RURAL,
        "region": tuple(margins["region"]),
        "literacy": LITERACY,
    }
    out = {name: fixed[name] for name in FEATURES}
    out.update({name: EXTRA_FEATURES[name] for name in extras})
    return out


def margins_object(margins: Mapping[str, Mapping[str, float]]) -> Margins:
    """The margins as a ``quotas.targets.Margins`` (for ``quotas_from_margins``)."""
    return Margins({f: dict(v) for f, v in margins.items()})


def write_synthetic(
    country: str,
    size: int,
    seed: int,
    out_dir: Path,
    *,
    panel_size: int | None = None,
    bias: float = 1.0,
    pii: bool = True,
    tolerance_points: float = 5.0,
    truth: bool = False,
) -> dict[str, Path]:
    """Write ``pool.csv``, ``margins.csv`` and (with ``panel_size``) ``quotas.csv`` to ``out_dir``.

    With ``truth`` also ``truth.csv``: ``id, true_propensity`` (see ``generate_pool``).

    Returns ``{"pool": path, "margins": path[, "quotas": path]}``. The quotas are the
    margins apportioned to ``panel_size`` seats, each plus or minus ``tolerance_points``
    percentage points of the panel. Raises InvalidInput (e.g. ``synth_unknown_country``).
    """
    more: tuple[Problem, ...] = ()
    if panel_size is not None and not (
        _is_int(panel_size) and _is_int(size) and 1 <= panel_size <= size
    ):
        more = (Problem("synth_panel_size_invalid", {"size": size, "panel_size": panel_size}),)
    code = _validated(country, size, seed, bias, (), more)
    frame = generate_pool(code, size, seed, bias=bias, pii=pii, truth=truth)
    pool = frame.drop(columns=["true_propensity"], errors="ignore")
    margins = margins_frame(code)
    writers: dict[str, Writer] = {
        "pool.csv": lambda p: write_table(pool, p),
        "margins.csv": lambda p: write_table(margins, p, float_format="%.4f"),
    }
    if truth:
        known = frame[["id", "true_propensity"]]
        writers["truth.csv"] = lambda p: write_table(known, p, float_format="%.6g")
    if panel_size is not None:
        table = quotas_from_margins(
            margins_object(margins_dict(code)), panel_size, tolerance_points=tolerance_points
        )
        writers["quotas.csv"] = lambda p: write_quotas(table, p)
    # All files or none: a failure leaves no pool without its margins.
    written = write_all(Path(out_dir), writers)
    return {path.stem: path for path in written}
