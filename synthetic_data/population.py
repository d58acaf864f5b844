"""Draw a population that follows a country's margins, then the volunteers who self-select from it.

The model, kept deliberately small and documented so that benchmarks stay explainable:

* gender, age band, urban/rural and region are drawn independently from the margins;
* education depends on age band and on urban/rural through a log-linear model
  (young adults and rural people less often tertiary, older people more often
  none/primary) whose base weights are raked so the population matches the margin;
* literacy depends on education: people who cannot read are mostly among
  none/primary, a few among secondary, none among tertiary, matching the margin;
* self-selection: every person has a latent civic engagement c ~ N(0, 1) and a
  participation weight ``exp(bias * (0.9 * education + 0.2 * age band + 0.8 * c))``;
  exactly ``size`` volunteers are drawn without replacement from a population four
  times larger, with probability proportional to the weight (bias 0: a simple
  random sample of the population);
* the truth: a person's propensity, the chance that someone with their criteria
  registers, is ``E_c[1 - exp(-lam * exp(bias * (0.9 * education + 0.2 * age band
  + 0.8 * c)))]``: the inclusion probability of weighted sampling without replacement
  (exponential races: ``lam`` is the time of the ``size``-th arrival, found from the
  drawn population), averaged over the civic engagement nobody observes (Gauss-Hermite).
  On the log scale it has main effects of education and age (which saturate a little for
  the keenest); ``klero synth --truth`` writes it;
* households: about ``HOUSEHOLD_SHARE`` of volunteers come in pairs sharing an
  address, paired inside the same region and urban/rural cell;
* registration channel: online form, phone or in person with assistance; people who
  cannot read never register online; online is likelier for the educated, young and urban.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from synthetic_data.countries import AGE_BANDS

#: Share of volunteers who share an address with another volunteer.
HOUSEHOLD_SHARE = 0.08
#: Population drawn per volunteer before self-selection.
POPULATION_FACTOR = 4
CHANNELS: tuple[str, ...] = ("online form", "phone", "in person with assistance")

# log-effects on (none/primary, secondary, tertiary) by age band: the young are still
# studying, the old went to school when fewer people could
_AGE_EDUCATION = np.array(
    [
        [-0.2, 0.5, -0.6],
        [-0.5, 0.0, 0.5],
        [-0.3, 0.0, 0.3],
        [0.0, 0.0, 0.0],
        [0.3, 0.0, -0.3],
        [0.8, -0.2, -0.6],
    ]
)
_RURAL_EDUCATION = np.array([[0.0, 0.0, 0.0], [0.6, 0.0, -0.7]])
#: Share of the non-readers' rate that falls among people with secondary education.
_SECONDARY_NON_READERS = 0.03

#: Extra features for benchmark instances (generic model, not census figures).
OCCUPATIONS: tuple[str, ...] = ("employed", "unemployed", "student", "retired", "homemaker/other")
_AGE_OCCUPATION = np.array(
    [
        [0.35, 0.12, 0.45, 0.00, 0.08],
        [0.72, 0.10, 0.06, 0.00, 0.12],
        [0.78, 0.08, 0.01, 0.00, 0.13],
        [0.76, 0.08, 0.00, 0.02, 0.14],
        [0.58, 0.07, 0.00, 0.22, 0.13],
        [0.08, 0.01, 0.00, 0.83, 0.08],
    ]
)
HOUSEHOLD_SIZES: tuple[str, ...] = ("1", "2", "3-4", "5+")
_AGE_HOUSEHOLD = np.array(
    [
        [0.10, 0.18, 0.45, 0.27],
        [0.22, 0.30, 0.38, 0.10],
        [0.13, 0.17, 0.52, 0.18],
        [0.15, 0.28, 0.45, 0.12],
        [0.24, 0.45, 0.25, 0.06],
        [0.38, 0.46, 0.12, 0.04],
    ]
)
EXTRA_FEATURES: dict[str, tuple[str, ...]] = {
    "occupation": OCCUPATIONS,
    "household_size": HOUSEHOLD_SIZES,
}
_EXTRA_TABLES = {"occupation": _AGE_OCCUPATION, "household_size": _AGE_HOUSEHOLD}

Codes = dict[str, np.ndarray]


def _draw(rng: np.random.Generator, probs: np.ndarray, count: int) -> np.ndarray:
    """Draw ``count`` category codes with probabilities ``probs`` (one row per person or one)."""
    cumulative = np.cumsum(probs, axis=-1)
    cumulative /= cumulative[..., -1:]
    u = rng.random(count)
    if cumulative.ndim == 1:
        return np.minimum(np.searchsorted(cumulative, u, side="right"), len(probs) - 1)
    codes = (u[:, None] >= cumulative).sum(axis=1)
    return np.minimum(codes, cumulative.shape[1] - 1)


def _education_given(age_p: np.ndarray, urban_p: np.ndarray, target: np.ndarray) -> np.ndarray:
    """P(education | age, urban/rural) as an (age, urban, education) array matching ``target``."""
    effects = _AGE_EDUCATION[:, None, :] + _RURAL_EDUCATION[None, :, :]
    weights = np.where(target > 0, target, 0.0)
    for _ in range(200):
        cond = weights * np.exp(effects)
        cond /= cond.sum(axis=2, keepdims=True)
        implied = np.einsum("a,u,aue->e", age_p, urban_p, cond)
        ratio = np.divide(target, implied, out=np.zeros_like(target), where=implied > 0)
        if np.max(np.abs(implied - target)) < 1e-10:
            break
        weights = weights * ratio
    return cond


def non_reader_rates(education: np.ndarray, non_readers: float) -> np.ndarray:
    """P(cannot read | education) for shares ``education`` and an overall non-reader share."""
    secondary = min(_SECONDARY_NON_READERS * non_readers, non_readers)
    primary = (non_readers - secondary * education[1]) / education[0] if education[0] else 0.0
    return np.clip(np.array([primary, secondary, 0.0]), 0.0, 1.0)


def extra_margins(age_shares: np.ndarray) -> dict[str, dict[str, float]]:
    """Population margins of the extra features implied by the age shares."""
    out: dict[str, dict[str, float]] = {}
    for name, values in EXTRA_FEATURES.items():
        shares = age_shares @ _EXTRA_TABLES[name]
        rounded = np.round(shares / shares.sum(), 4)
        rounded[int(np.argmax(rounded))] += 1.0 - rounded.sum()
        out[name] = {v: round(float(s), 4) for v, s in zip(values, rounded, strict=True)}
    return out


def draw_population(
    margins: Mapping[str, Mapping[str, float]],
    count: int,
    rng: np.random.Generator,
    extras: tuple[str, ...] = (),
) -> tuple[Codes, np.ndarray]:
    """Draw ``count`` people: feature codes (index into each feature's values) and a score.

    The score is the log participation weight at bias 1 (education, age, civic engagement).
    """
    p = {f: np.array(list(v.values()), dtype=float) for f, v in margins.items()}
    codes: Codes = {}
    for feature in ("gender", "age", "urban_rural", "region"):
        codes[feature] = _draw(rng, p[feature], count)
    conditional = _education_given(p["age"], p["urban_rural"], p["education"])
    codes["education"] = _draw(rng, conditional[codes["age"], codes["urban_rural"]], count)
    rates = non_reader_rates(p["education"], float(p["literacy"][1]))
    codes["literacy"] = (rng.random(count) < rates[codes["education"]]).astype(np.int64)
    for name in extras:
        codes[name] = _draw(rng, _EXTRA_TABLES[name][codes["age"]], count)
    civic = rng.standard_normal(count)
    score = 0.9 * codes["education"] + 0.2 * codes["age"] + 0.8 * civic
    return codes, score


def self_select(score: np.ndarray, size: int, bias: float, rng: np.random.Generator) -> np.ndarray:
    """Rows of exactly ``size`` volunteers, drawn with probability proportional to exp(bias*score).

    Weighted sampling without replacement by exponential keys (Efraimidis-Spirakis):
    the ``size`` largest ``log(u) / w`` win; returned in population order.
    """
    log_u = np.log(rng.random(len(score)))
    keys = log_u * np.exp(-bias * (score - score.max()))
    chosen = np.argpartition(-keys, size - 1)[:size] if size < len(score) else np.arange(size)
    return np.sort(chosen)


def observed_score(codes: Codes) -> np.ndarray:
    """The part of the participation score that the criteria determine (education, age)."""
    return 0.9 * codes["education"] + 0.2 * codes["age"]


#: Gauss-Hermite nodes for the civic engagement c ~ N(0, 1).
_NODES, _NODE_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_NODE_WEIGHTS = _NODE_WEIGHTS / _NODE_WEIGHTS.sum()
_CIVIC = 0.8


def true_propensity(score: np.ndarray, observed: np.ndarray, size: int, bias: float) -> np.ndarray:
    """Each volunteer's true propensity: P(registering | their criteria), see the docstring.

    ``score`` is the whole population's (as drawn), ``observed`` the volunteers'
    ``observed_score``.
    """
    top = float(score.max())
    weights = np.exp(bias * (score - top))
    low, high = -60.0, 60.0  # log lam: the size-th arrival of the exponential races
    for _ in range(200):
        mid = (low + high) / 2
        if float((-np.expm1(-np.exp(mid) * weights)).sum()) < size:
            low = mid
        else:
            high = mid
    lam = np.exp((low + high) / 2)
    inner = bias * (observed[:, None] + _CIVIC * _NODES[None, :] - top)
    return (-np.expm1(-lam * np.exp(inner))) @ _NODE_WEIGHTS


def pair_households(cells: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A household number per volunteer; about ``share`` of them live in pairs within a cell."""
    n = len(cells)
    household = np.arange(n)
    if n < 2:
        return household
    order = np.lexsort((rng.random(n), cells))
    sorted_cells = cells[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_cells)) + 1]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    same_next = np.r_[sorted_cells[1:] == sorted_cells[:-1], False]
    candidates = np.flatnonzero((rank % 2 == 0) & same_next)
    pairs = min(round(share * n / 2), len(candidates))
    chosen = np.sort(rng.choice(candidates, size=pairs, replace=False))
    household[order[chosen + 1]] = order[chosen]
    # renumber 0, 1, 2, ... in order of first appearance so labels follow row order
    _, first, inverse = np.unique(household, return_index=True, return_inverse=True)
    rank_of = np.argsort(np.argsort(first))
    return rank_of[inverse]


def channels(codes: Codes, rng: np.random.Generator) -> np.ndarray:
    """Registration channel codes into CHANNELS; non-readers only by phone or in person."""
    n = len(codes["age"])
    rural = codes["urban_rural"] == 1
    online = 1.5 + 0.6 * codes["education"] - 0.45 * codes["age"] - 0.6 * rural
    phone = np.zeros(n)
    in_person = -0.8 + 0.5 * rural
    logits = np.stack([online, phone, in_person], axis=1)
    cannot_read = codes["literacy"] == 1
    logits[cannot_read, 0] = -np.inf
    logits[cannot_read, 2] += 1.2
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return _draw(rng, probs, n)


def age_shares(margins: Mapping[str, Mapping[str, float]]) -> np.ndarray:
    """The age-band shares of a margins dict in AGE_BANDS order."""
    return np.array([margins["age"][band] for band in AGE_BANDS], dtype=float)
