"""The one door to every selection algorithm: a pool, quotas and a size in, a Distribution out.

>>> import pandas as pd
>>> from quotas.model import quota_table
>>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
>>> pool = Pool.build(["a", "b", "c"], pd.DataFrame({"g": ["f", "m", "m"]}), q)
>>> d = select_distribution(pool, q, 2)
>>> d.probabilities.round(6).to_dict()
{'a': 1.0, 'b': 0.5, 'c': 0.5}
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from quotas.messages import Message, all_of
from quotas.model import QuotaTable
from quotas.pool import Pool
from quotas.problems import KleroError
from sampling.distribution import Distribution, RunFigures
from sampling.engine.leximin import MIN_WEIGHT, EngineResult, leximin
from sampling.engine.maximin import maximin
from sampling.engine.nash import nash
from sampling.engine.oracle import PanelOracle
from sampling.errors import InfeasibleQuotas
from sampling.names import Algorithm

#: The version of the selection engine. Bump it with every change that can make the same
#: inputs and seed give another lottery (a new method, other solver settings): runs record
#: it, so a re-run by another version is reported as such, not as a wrong result.
ENGINE = "2026-12-07.8"

# Defaults of each exact algorithm's settings; a caller may override any of them.
_LEVELS: dict[str, Any] = {
    "tol": 1e-8,
    "smoothing": 0.8,
    "extra_panels": 0,
    "relaxation": True,
    "per_round": 1,
    "head_start": True,
}
DEFAULTS: dict[Algorithm, dict[str, Any]] = {
    Algorithm.LEXIMIN: dict(_LEVELS),
    Algorithm.MAXIMIN: dict(_LEVELS),  # MAXIMIN is LEXIMIN's first level: the same machinery
    Algorithm.NASH: {"tol": 1e-6, "extra_panels": 0, "head_start": True},
}
_ENGINES = {Algorithm.LEXIMIN: leximin, Algorithm.MAXIMIN: maximin, Algorithm.NASH: nash}

__all__ = ["ENGINE", "Algorithm", "InfeasibleQuotas", "select_distribution"]


def select_distribution(
    pool: Pool,
    quotas: QuotaTable,
    size: int,
    *,
    algorithm: Algorithm = Algorithm.LEXIMIN,
    seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
    targets: np.ndarray | None = None,
    **settings: Any,
) -> Distribution:
    """Compute a fair lottery over the feasible panels of ``size`` people from ``pool``.

    ``algorithm`` is an ``Algorithm`` (LEXIMIN by default; its text is accepted from
    Python callers and checked). ``targets`` (LEXIMIN only; one positive number per person
    in pool order, equal within a type) selects the leximin of ``p_i / targets_i``
    instead of ``p_i`` (``sampling.propensity``); None is plain LEXIMIN. Raises
    ``InfeasibleQuotas`` when no panel meets the quotas and ``KleroError`` for bad
    arguments. ``progress(stage, fraction)`` is called now and then.
    """
    algorithm = Algorithm.parse(algorithm)
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size <= 0:
        raise KleroError("panel_size_invalid", size=size)
    size = int(size)
    if size > len(pool):
        raise KleroError("panel_size_above_pool", size=size, pool=len(pool))
    if algorithm is Algorithm.LEGACY:
        from sampling.engine.legacy import (
            legacy_distribution,  # written separately; imported lazily
        )

        return legacy_distribution(pool, quotas, size, seed=seed, progress=progress, **settings)
    chosen = _settings(algorithm, settings)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    if progress is not None:
        progress("preparing", 0.0)
    oracle = PanelOracle(pool, quotas, size)
    if targets is None:
        result: EngineResult = _ENGINES[algorithm](oracle, rng=rng, progress=progress, **chosen)
    else:
        if algorithm is not Algorithm.LEXIMIN:
            raise KleroError("end_to_end_algorithm", algorithm=algorithm.value)
        per_type = type_targets(pool, targets)
        result = leximin(oracle, rng=rng, progress=progress, targets=per_type, **chosen)
    seconds = time.perf_counter() - start
    if progress is not None:
        progress("done", 1.0)
    return to_distribution(pool, size, algorithm, result, seconds, chosen)


def type_targets(pool: Pool, targets: np.ndarray) -> np.ndarray:
    """One target per type from one per person (people of a type share their target)."""
    values = np.asarray(targets, dtype=float)
    if values.shape != (len(pool),) or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("targets must be one positive number per person")
    type_of = pool.type_of
    per_type = np.zeros(pool.type_counts.size)
    per_type[type_of] = values  # any member's; checked equal below
    if not np.allclose(per_type[type_of], values, rtol=1e-12, atol=0.0):
        raise ValueError("people of one type must share their target")
    return per_type


def _settings(algorithm: Algorithm, given: dict[str, Any]) -> dict[str, Any]:
    defaults = DEFAULTS[algorithm]
    out = dict(defaults)
    for name in sorted(given):
        value = given[name]
        if name not in defaults:
            raise KleroError(
                "selection_setting_invalid",
                name=name,
                value=value,
                reason=Message(
                    "setting_unknown",
                    {"algorithm": algorithm.value, "known": all_of(sorted(defaults))},
                ),
            )
        expected = type(defaults[name])
        if expected is bool:
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(float(value)) and value >= 0
            if expected is int:
                ok = ok and float(value).is_integer()
            if name == "smoothing":
                ok = ok and value < 1
        if not ok:
            raise KleroError(
                "selection_setting_invalid",
                name=name,
                value=value,
                reason=_expected(name, expected),
            )
        out[name] = expected(value)
    json.dumps(out)  # settings are recorded and hashed: they must be JSON values
    return out


def _expected(name: str, expected: type) -> Message:
    """What the setting ``name`` of type ``expected`` accepts, as the reason of an error."""
    if expected is bool:
        return Message("setting_expects_boolean")
    if name == "smoothing":
        return Message("setting_expects_share")
    if expected is int:
        return Message("setting_expects_whole", {"min": 0})
    return Message("setting_expects_number", {"min": 0})


def to_distribution(
    pool: Pool,
    size: int,
    algorithm: str,
    result: EngineResult,
    seconds: float,
    settings: dict[str, Any],
) -> Distribution:
    """Turn an engine's panels and weights into a Distribution (tiny weights dropped)."""
    weights = np.asarray(result.weights, dtype=float)
    keep = np.flatnonzero(weights >= MIN_WEIGHT)
    kept = weights[keep] / weights[keep].sum()
    panels = tuple(_composition(np.asarray(result.panels[j])) for j in keep.tolist())
    counts = pool.type_counts
    seats = np.zeros(counts.size, dtype=float)
    for w, j in zip(kept.tolist(), keep.tolist(), strict=True):
        # Elementwise, in panel order: the same sums, bit for bit, as seat by seat.
        seats += w * np.asarray(result.panels[j], dtype=np.int64)
    per_type = seats / np.maximum(counts, 1)
    figures = RunFigures(
        seconds=seconds,
        iterations=result.iterations,
        panels=len(panels),
        gap=result.gap,
        level_gaps=tuple(result.level_gaps),
        extra={**result.extra, "generated_panels": len(result.panels)},
    )
    return Distribution.over_types(pool, algorithm, size, panels, kept, per_type, figures, settings)


def _composition(panel: np.ndarray) -> tuple[tuple[int, int], ...]:
    """A dense panel as its ``(type, seats)`` pairs, types ascending."""
    types = np.flatnonzero(panel)
    return tuple(zip(types.tolist(), panel[types].astype(np.int64).tolist(), strict=True))
