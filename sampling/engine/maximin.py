"""MAXIMIN: the lottery that maximises the smallest selection probability (leximin's first level).

Only the minimum is optimised; above it the lottery is whatever the LP's vertex gives,
which is why LEXIMIN is the default.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sampling.engine.leximin import EngineResult, Progress, leximin
from sampling.engine.oracle import PanelOracle


def maximin(
    oracle: PanelOracle,
    *,
    rng: np.random.Generator,
    progress: Progress | None = None,
    **settings: Any,
) -> EngineResult:
    """Maximise the smallest probability over the coverable types, with a certified gap.

    ``settings`` are leximin's (``tol``, ``smoothing``, ``extra_panels``, ``relaxation``).
    """
    result = leximin(oracle, rng=rng, levels=1, progress=progress, **settings)
    if progress is not None:
        progress("maximin", 1.0)
    return result
